"""The fast mode's static word-piece embedder: distillation, weighting, encoding, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from commonground.sdg.static import StaticEmbedder


class StubMiniLM:
    """MiniLM's real tokenizer with a cheap deterministic 'transformer': hidden state = a
    fixed random vector per token id, so the distilled table is predictable."""

    dim = 24

    def __init__(self) -> None:
        from commonground.sdg.embed import minilm_dir

        self.folder = minilm_dir()
        self.calls = 0
        self.rows = np.random.default_rng(0).standard_normal((30522, self.dim)).astype(np.float32)

    def hidden_states(self, ids: NDArray[np.int64], mask: NDArray[np.float32],
                      ) -> NDArray[np.float32]:
        self.calls += 1
        assert ids.shape[1] == 3 and (mask == 1).all()  # [CLS] piece [SEP], nothing padded
        out: NDArray[np.float32] = self.rows[ids]
        return out


CORPUS = ["the water supply of the city", "the schools of the city", "the clinics and the water"]


def build(dim: int = 8) -> StaticEmbedder:
    return StaticEmbedder.build(StubMiniLM(), CORPUS, dim=dim)  # type: ignore[arg-type]


def test_build_projects_every_piece_and_downweights_frequent_ones() -> None:
    emb = build()
    assert emb.table.shape == (30522, 8) and emb.dim == 8
    vocab = emb._tok.get_vocab()
    # "the" is the corpus' most frequent piece; an unseen piece keeps its full weight
    table = emb.table
    assert np.linalg.norm(table[vocab["the"]]) < 0.2 * np.linalg.norm(table[vocab["ocean"]])


def test_encode_gives_unit_vectors_that_follow_shared_words() -> None:
    emb = build(dim=16)
    v = emb.encode(["drinking water wells", "wells drinking water", "secondary schools",
                    "the"])
    np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > 0.99          # same pieces, any order
    assert v[0] @ v[2] < v[0] @ v[1]
    assert np.isfinite(v).all()


def test_empty_piece_list_gives_a_zero_vector_not_nan() -> None:
    emb = build()
    v = emb.encode(["   "])
    assert v.shape == (1, 8) and not v.any()


def test_save_load_round_trip_is_exact_at_half_precision(tmp_path: Path) -> None:
    emb = build().rounded()
    emb.save(tmp_path / "static.npz")
    loaded = StaticEmbedder.load(tmp_path / "static.npz")
    texts = ["solar power for rural clinics", "ocean plastic"]
    np.testing.assert_array_equal(emb.encode(texts), loaded.encode(texts))
