"""The benchmark metric (checked against hand-computed cases) and the report shape."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from commonground.sdg import load_mapper
from commonground.sdg.benchmark import (
    LEADERBOARD,
    BenchmarkRow,
    format_report,
    load_benchmark,
    run_benchmark,
    score,
)


def rows_for_every_goal() -> list[BenchmarkRow]:
    rows = []
    for g in range(1, 18):
        rows.append(BenchmarkRow(f"p{g}", "positive", g, True))
        rows.append(BenchmarkRow(f"n{g}", "negative", g, False))
    return rows


def test_metric_is_per_sdg_accuracy_averaged_over_17() -> None:
    rows = rows_for_every_goal()
    pred = np.zeros((len(rows), 17), dtype=bool)
    # goal 1: both right; goals 2..17: positive missed, negative right -> 50 %
    pred[0, 0] = True
    result = score(rows, pred)
    assert result["per_sdg"]["1"]["accuracy"] == 100.0
    assert result["per_sdg"]["2"]["accuracy"] == 50.0
    assert result["average_accuracy"] == pytest.approx((100 + 16 * 50) / 17, abs=0.01)
    assert result["per_sdg"]["1"]["precision"] == 100.0
    assert result["per_sdg"]["2"]["recall"] == 0.0


def test_a_prediction_for_another_goal_does_not_count() -> None:
    rows = [BenchmarkRow("a", "t", 5, True), BenchmarkRow("b", "t", 5, False)]
    pred = np.zeros((2, 17), dtype=bool)
    pred[:, 4 - 1] = True  # goal 4 predicted on rows about goal 5
    assert score(rows, pred)["per_sdg"]["5"]["accuracy"] == 50.0


def test_benchmark_data_is_the_installed_package() -> None:
    rows = load_benchmark()
    assert len(rows) == 1251
    assert 600 < sum(r.label for r in rows) < 640
    assert {r.sdg for r in rows} == set(range(1, 18))


class Constant:
    mode = "fast"

    def predict(self, texts: Sequence[str]) -> NDArray[np.bool_]:
        return np.zeros((len(texts), 17), dtype=bool)


def test_report_and_table_on_a_subset() -> None:
    rows = load_benchmark()[:40]
    report = run_benchmark(Constant(), rows)
    assert report.n_texts == 40 and report.mode == "fast"
    assert set(report.per_sdg) <= {str(g) for g in range(1, 18)}
    assert report.leaderboard == LEADERBOARD
    assert report.snippets_per_second > 0
    table = format_report(report)
    assert "AFD SDG Prospector" in table and "commonground (fast)" in table
    assert report.precision is None  # the fast mode has no MiniLM
    data = report.model_dump()
    assert {"average_accuracy", "per_sdg", "leaderboard", "snippets_per_second"} <= set(data)


def test_shipped_fast_mode_on_the_full_benchmark() -> None:
    report = run_benchmark(load_mapper(mode="fast"))
    assert report.average_accuracy > 75


@pytest.mark.slow
def test_shipped_accurate_mode_on_the_full_benchmark() -> None:
    report = run_benchmark(load_mapper(mode="accurate"))
    assert report.average_accuracy > 83
    assert min(v["accuracy"] for v in report.per_sdg.values()) > 65
