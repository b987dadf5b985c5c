"""The accurate mode's target map (target round 2): the ridge fit and its ranking."""

from __future__ import annotations

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


def test_the_mapper_needs_its_own_target_texts_a_static_table_and_a_full_bank() -> None:
    mapper = SdgMapper()
    texts = ["a", "b", "c"]
    frozen = np.zeros((3, 8), np.float32)
    with pytest.raises(InvalidInput, match="model's target texts"):
        mapper.fit_target_maps(texts, frozen, _index(8))
    mapper.targets_["accurate"] = _index(8)
    other = TargetIndex(_index(8).vectors, ["6.1", "6.2", "6.4", "7.1"], [6, 6, 6, 7],
                        ["en"] * 4)
    with pytest.raises(InvalidInput, match="model's target texts"):
        mapper.fit_target_maps(texts, frozen, other)
    with pytest.raises(InvalidInput, match="2 vectors for 3 texts"):
        mapper.fit_target_maps(texts, frozen[:2], _index(8))
    with pytest.raises(ModelError, match="static table"):
        mapper.fit_target_maps(texts, frozen, _index(8))
