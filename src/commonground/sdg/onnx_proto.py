"""Just enough of the ONNX protobuf format to write a one-operator model, without ``onnx``.

The ``onnx`` package is a build-time tool here, not a runtime dependency, yet the tree
stacker is turned into an ONNX ``TreeEnsembleRegressor`` when a model loads (ONNX Runtime
evaluates it several times faster than numpy). This module writes that ModelProto directly
in protobuf's wire format: varints, length-delimited fields and packed repeated scalars,
with the field numbers of ``onnx/onnx.proto``. A test parses the bytes back with ONNX
Runtime and checks the scores against the numpy reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

# onnx.proto field numbers
_MODEL_IR_VERSION, _MODEL_PRODUCER, _MODEL_GRAPH, _MODEL_OPSET = 1, 2, 7, 8
_OPSET_DOMAIN, _OPSET_VERSION = 1, 2
_GRAPH_NODE, _GRAPH_NAME, _GRAPH_INPUT, _GRAPH_OUTPUT = 1, 2, 11, 12
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP, _NODE_ATTR, _NODE_DOMAIN = 1, 2, 3, 4, 5, 7
_ATTR_NAME, _ATTR_F, _ATTR_I, _ATTR_S, _ATTR_FLOATS, _ATTR_INTS, _ATTR_STRINGS, _ATTR_TYPE = (
    1, 2, 3, 4, 7, 8, 9, 20)
_FLOAT, _INT, _STRING, _FLOATS, _INTS, _STRINGS = 1, 2, 3, 6, 7, 8  # AttributeType
_VALUE_NAME, _VALUE_TYPE = 1, 2
_TYPE_TENSOR, _TENSOR_ELEM, _TENSOR_SHAPE, _SHAPE_DIM, _DIM_VALUE, _DIM_PARAM = 1, 1, 2, 1, 1, 2
TENSOR_FLOAT, TENSOR_INT8 = 1, 3  # TensorProto.DataType

#: varints of small non-negative ints, the bulk of a tree ensemble's attributes
_SMALL = [bytes([n]) if n < 0x80 else bytes([(n & 0x7F) | 0x80, n >> 7])
          for n in range(1 << 14)]


def varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # int64 fields: two's complement, ten bytes
    if n < len(_SMALL):
        return _SMALL[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def _bytes(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + varint(len(payload)) + payload


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + varint(value)


def _str(field: int, text: str) -> bytes:
    return _bytes(field, text.encode("utf-8"))


def attr_int(name: str, value: int) -> bytes:
    return _str(_ATTR_NAME, name) + _int(_ATTR_I, value) + _int(_ATTR_TYPE, _INT)


def attr_str(name: str, value: str) -> bytes:
    return _str(_ATTR_NAME, name) + _str(_ATTR_S, value) + _int(_ATTR_TYPE, _STRING)


def attr_ints(name: str, values: Iterable[int]) -> bytes:
    packed = b"".join(varint(int(v)) for v in values)
    return _str(_ATTR_NAME, name) + _bytes(_ATTR_INTS, packed) + _int(_ATTR_TYPE, _INTS)


def attr_floats(name: str, values: NDArray[np.floating[Any]] | Sequence[float]) -> bytes:
    packed = np.asarray(values, dtype="<f4").tobytes()
    return _str(_ATTR_NAME, name) + _bytes(_ATTR_FLOATS, packed) + _int(_ATTR_TYPE, _FLOATS)


def attr_strs(name: str, values: Iterable[str]) -> bytes:
    body = b"".join(_str(_ATTR_STRINGS, v) for v in values)
    return _str(_ATTR_NAME, name) + body + _int(_ATTR_TYPE, _STRINGS)


def _tensor_info(name: str, dims: Sequence[int | str], elem: int = TENSOR_FLOAT) -> bytes:
    shape = b"".join(
        _bytes(_SHAPE_DIM, _str(_DIM_PARAM, d) if isinstance(d, str) else _int(_DIM_VALUE, d))
        for d in dims)
    tensor = _int(_TENSOR_ELEM, elem) + _bytes(_TENSOR_SHAPE, shape)
    return _str(_VALUE_NAME, name) + _bytes(_VALUE_TYPE, _bytes(_TYPE_TENSOR, tensor))


def one_node_model(op: str, domain: str, attributes: Sequence[bytes], *,
                   inputs: dict[str, Sequence[int | str]],
                   outputs: dict[str, Sequence[int | str]],
                   opsets: dict[str, int], ir_version: int = 8,
                   elem_types: dict[str, int] | None = None) -> bytes:
    """A serialized ModelProto whose graph is a single operator; tensors are float unless
    ``elem_types`` names another type (``TENSOR_INT8``)."""
    types = elem_types or {}
    node = (b"".join(_str(_NODE_INPUT, n) for n in inputs)
            + b"".join(_str(_NODE_OUTPUT, n) for n in outputs)
            + _str(_NODE_NAME, op) + _str(_NODE_OP, op) + _str(_NODE_DOMAIN, domain)
            + b"".join(_bytes(_NODE_ATTR, a) for a in attributes))
    graph = (_bytes(_GRAPH_NODE, node) + _str(_GRAPH_NAME, op)
             + b"".join(_bytes(_GRAPH_INPUT, _tensor_info(n, d, types.get(n, TENSOR_FLOAT)))
                        for n, d in inputs.items())
             + b"".join(_bytes(_GRAPH_OUTPUT, _tensor_info(n, d, types.get(n, TENSOR_FLOAT)))
                        for n, d in outputs.items()))
    model = _int(_MODEL_IR_VERSION, ir_version) + _str(_MODEL_PRODUCER, "commonground")
    model += b"".join(_bytes(_MODEL_OPSET, _str(_OPSET_DOMAIN, d) + _int(_OPSET_VERSION, v))
                      for d, v in opsets.items())
    return model + _bytes(_MODEL_GRAPH, graph)


def float32_at_most(values: NDArray[np.float64]) -> NDArray[np.float32]:
    """The largest float32 <= each value, so ``x32 <= t32`` iff ``x32 <= t64`` exactly.

    Rounding to nearest could land on a float32 just above the threshold, and data that
    sits exactly there (a keyword count seen in training) would then go the wrong way.
    """
    out = values.astype(np.float32)
    above = out.astype(np.float64) > values
    out[above] = np.nextafter(out[above], np.float32(-np.inf))
    return out

