"""Reliability of probabilities (``fitting.reliability``) and the calibration benchmark."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from commonground.errors import InvalidInput
from commonground.sdg.fitting import multilabel_metrics, reliability

from conftest import load_script


def test_reliability_bins_pairs_and_weighs_each_bins_gap_by_its_count() -> None:
    y = np.array([1, 0, 1, 0])
    p = np.array([0.05, 0.15, 0.95, 1.0])  # 1.0 falls in the last bin, which is closed
    out = reliability(y, p, bins=10)
    filled = [b for b in out["bins"] if b["n"]]
    assert [(b["from"], b["n"], b["mean_probability"], b["observed_rate"]) for b in filled] == [
        (0.0, 1, 0.05, 1.0), (0.1, 1, 0.15, 0.0), (0.9, 2, 0.975, 0.5)]
    assert out["ece"] == pytest.approx((0.95 + 0.15 + 2 * 0.475) / 4)
    assert out["max_gap"] == pytest.approx(0.95)
    assert out["pairs"] == 4 and len(out["bins"]) == 10
    assert out["bins"][5] == {"from": 0.5, "to": 0.6, "n": 0, "mean_probability": None,
                              "observed_rate": None}
    # perfectly calibrated: every bin's rate equals its mean probability
    assert reliability(np.array([0, 1, 1, 1]), np.array([0.0, 1.0, 1.0, 1.0]))["ece"] == 0.0


def test_reliability_takes_a_label_matrix_and_refuses_what_is_not_probabilities() -> None:
    y = np.array([[True, False], [False, False]])
    p = np.array([[0.9, 0.1], [0.2, 0.0]])
    assert reliability(y, p)["pairs"] == 4
    with pytest.raises(InvalidInput, match="3 labels for 4 probabilities"):
        reliability(np.ones(3), p)
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        reliability(y, p * 3)
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        reliability(y, np.full((2, 2), np.nan))
    for bad in (0, -2, True, 2.5):
        with pytest.raises(InvalidInput, match="positive integer"):
            reliability(y, p, bins=bad)  # type: ignore[arg-type]


def test_multilabel_metrics_report_the_calibration_error_beside_the_brier_score() -> None:
    y = np.zeros((2, 17), bool)
    y[0, 0] = y[1, 1] = True
    p = np.full((2, 17), 0.02)
    p[0, :2], p[1, :2] = (0.95, 0.05), (0.35, 0.65)
    out = multilabel_metrics(y, p > 0.5, p)
    assert out["ece"] > 0
    assert out["ece"] == reliability(y, p)["ece"]
    assert out["brier"] == pytest.approx(((p - y) ** 2).mean())
    assert "ece" not in multilabel_metrics(y, p > 0.5)


def _bench() -> ModuleType:
    return load_script("benchmarks/calibration.py")


def test_a_set_of_one_goal_per_row_is_scored_on_that_goals_probability() -> None:
    proba = np.full((3, 17), 0.5)
    proba[0, 5], proba[1, 2], proba[2, 16] = 0.95, 0.05, 0.85
    out = _bench().score_set(proba, np.array([True, False, True]), np.array([5, 2, 16]), 10)
    assert out["rows"] == out["pairs"] == 3
    assert out["brier"] == pytest.approx((0.05 ** 2 + 0.05 ** 2 + 0.15 ** 2) / 3, abs=1e-6)
    # every goal of a row labelled: 17 pairs a row
    everything = _bench().score_set(proba, np.zeros((3, 17), bool), None, 10)
    assert everything["pairs"] == 51


def test_the_held_out_sets_are_labelled_on_every_goal_and_the_benchmark_on_one() -> None:
    sets = _bench().labelled_sets()
    assert set(sets) == {"excerpts", "understated", "benchmark"}
    for name in ("excerpts", "understated"):
        texts, y, goal = sets[name]
        assert len(texts) == len(y) == 1560 and y.shape[1] == 17 and goal is None
        assert 0 < y.sum(axis=1).mean() < 3  # mostly one goal, some none, a few several
    texts, y, goal = sets["benchmark"]
    assert len(texts) == len(y) == len(goal) == 1251 and goal.min() == 0 and goal.max() == 16
