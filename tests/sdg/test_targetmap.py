"""Target ranking: the targets' best rows, the ridge maps of target rounds 2-4, and the
mapper's checks before fitting them."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytest

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.features import TargetIndex
from commonground.sdg.model import SdgMapper
from commonground.sdg.targetmap import LAMBDAS, fit_target_map


def _unit(m: np.ndarray) -> np.ndarray:
    out: np.ndarray = m / np.linalg.norm(m, axis=-1, keepdims=True)
    return out


def _rotation(d: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q.astype(np.float32)


def _index(d: int) -> TargetIndex:
    v = _unit(np.random.default_rng(3).normal(size=(4, d))).astype(np.float32)
    return TargetIndex(v, ["6.1", "6.2", "6.3", "7.1"], [6, 6, 6, 7], ["en"] * 4)


def test_the_map_recovers_a_linear_relation_and_reports_its_choice() -> None:
    d = 8
    tuned = np.random.default_rng(0).normal(size=(300, d)).astype(np.float32)
    rot = _rotation(d, 1)
    fold = np.arange(300) % 5
    tmap = fit_target_map(tuned, tuned @ rot, fold, _index(d))
    np.testing.assert_allclose(tmap.projection, rot, atol=1e-3)
    report = tmap.report
    assert report["rows"] == 300 and report["lambda"] == min(LAMBDAS)
    assert set(report["held_out_cosine"]) == {str(lam) for lam in LAMBDAS}
    assert report["held_out_cosine"][str(min(LAMBDAS))] > 0.999
    # the vectors themselves are far apart: the rotation is what the map learnt
    assert report["cosine_without_map"] < 0.5


def test_a_noisy_relation_picks_a_stronger_penalty() -> None:
    rng = np.random.default_rng(4)
    tuned = rng.normal(size=(40, 30)).astype(np.float32)  # few rows for 30 dimensions
    frozen = tuned[:, :1] @ np.ones((1, 30), np.float32) + rng.normal(size=(40, 30)).astype(
        np.float32)
    report = fit_target_map(tuned, frozen, np.arange(40) % 5, _index(30)).report
    assert report["lambda"] > min(LAMBDAS)


def test_ranking_goes_through_the_map_into_the_indexs_space() -> None:
    d = 8
    rot = _rotation(d, 2)
    index = _index(d)
    tuned = np.random.default_rng(5).normal(size=(200, d)).astype(np.float32)
    tmap = fit_target_map(tuned, tuned @ rot, np.arange(200) % 5, index)
    # a chunk whose mapped vector is 6.3's title ranks 6.3 first
    query = index.vectors[2] @ rot.T
    ranked = tmap.best_targets(query, 6)
    assert ranked[0][0] == "6.3" and ranked[0][1] == pytest.approx(1.0, abs=1e-3)
    assert ranked == index.best_targets(_unit(query @ tmap.projection), 6)
    # beside another index of the same texts: the mean of the two cosines ranks
    own = TargetIndex(index.vectors[[1, 0, 2, 3]], index.ids.tolist(), [6, 6, 6, 7], ["en"] * 4)
    both = tmap.best_targets(query, 6, beside=own)
    mapped, other = dict(ranked), dict(own.best_targets(query, 6))
    assert dict(both) == pytest.approx({t: (mapped[t] + other[t]) / 2 for t in mapped})
    assert [s for _, s in both] == sorted((s for _, s in both), reverse=True)


def test_shapes_that_do_not_match_are_refused() -> None:
    x = np.zeros((10, 8), np.float32)
    with pytest.raises(InvalidInput, match="same training rows"):
        fit_target_map(x, np.zeros((9, 8), np.float32), np.arange(10) % 5, _index(8))
    # other widths are fine: the map is d x d'
    assert fit_target_map(x, np.zeros((10, 4), np.float32), np.arange(10) % 5,
                          _index(4)).projection.shape == (8, 4)
    with pytest.raises(InvalidInput, match="same training rows"):
        fit_target_map(x, x, np.arange(9) % 5, _index(8))


class _Static:
    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 4), np.float32)


def test_the_mapper_needs_a_fit_then_its_own_target_texts_and_widths() -> None:
    mapper = SdgMapper()
    texts = list("abcdefghij")
    frozen = np.random.default_rng(6).normal(size=(10, 8)).astype(np.float32)
    # nothing fitted: the missing fit is named first, whatever the arguments
    with pytest.raises(ModelError, match="need a fitted mapper"):
        mapper.fit_target_maps(texts, frozen, _index(8))
    mapper.targets_["accurate"] = _index(8)
    mapper.static = cast(Any, _Static())  # the checks and the fit need only encode
    # the accurate map needs a bank of every training row
    mapper.banks_["accurate"] = (np.zeros((9, 8), np.float32), np.zeros((9, 17), np.int8))
    with pytest.raises(ModelError, match="bank of every training row"):
        mapper.fit_target_maps(texts, frozen, _index(8), accurate=True)
    other = TargetIndex(_index(8).vectors, ["6.1", "6.2", "6.4", "7.1"], [6, 6, 6, 7],
                        ["en"] * 4)
    with pytest.raises(InvalidInput, match="model's target texts"):
        mapper.fit_target_maps(texts, frozen, other)
    with pytest.raises(InvalidInput, match="9 vectors for 10 texts"):
        mapper.fit_target_maps(texts, frozen[:9], _index(8))
    with pytest.raises(InvalidInput, match="8-dimensional and frozen_targets 4-dimensional"):
        mapper.fit_target_maps(texts, frozen, TargetIndex(
            np.ones((4, 4), np.float32), ["6.1", "6.2", "6.3", "7.1"], [6, 6, 6, 7], ["en"] * 4))
    maps = mapper.fit_target_maps(texts, frozen, _index(8))
    assert set(maps) == {"fast"} and maps["fast"].projection.shape == (4, 8)


def test_target_scores_take_each_targets_best_row_across_interleaved_languages() -> None:
    # rows of 6.1 and 6.2 (titles and an indicator) interleaved across two languages
    sims = np.array([0.2, 0.5, 0.9, 0.1, 0.7, 0.3], np.float32)
    ids = ["6.2", "6.1", "6.2.1", "6.1", "6.2", "6.1.1"]
    vectors = np.zeros((6, 6), np.float32)
    vectors[np.arange(6), np.arange(6)] = 1.0
    index = TargetIndex(vectors, ids, [6] * 6, ["en", "en", "en", "fr", "fr", "fr"])
    # a query whose cosine to row i is sims[i]
    got, best = index.target_scores(sims, 6, "titles")
    assert got == ["6.2", "6.1"] and best.tolist() == pytest.approx([0.7, 0.5])
    got, best = index.target_scores(sims, 6, "all")
    assert got == ["6.2", "6.1"] and best.tolist() == pytest.approx([0.9, 0.5])
    top, score = index.best_targets(sims, 6, "all")[0]
    assert top == "6.2" and score == pytest.approx(0.9)
    assert index.best_targets(sims, 7) == []
    # several queries at once: a row of scores each, as each query gets alone
    queries = np.stack([sims, sims[::-1], np.zeros(6, np.float32)])
    got, many = index.target_scores(queries, 6, "all")
    assert got == ["6.2", "6.1"] and many.shape == (3, 2)
    for query, row in zip(queries, many, strict=True):
        np.testing.assert_array_equal(row, index.target_scores(query, 6, "all")[1])
    assert many[1].tolist() == pytest.approx([0.5, 0.9])
