"""The paired answer-overhead benchmark (benchmarks/answer_overhead.py): its run order,
its summary, and its refusal of a path that is not a checkout."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import load_script


def _bench() -> ModuleType:
    return load_script("benchmarks/answer_overhead.py")


def test_children_run_in_abba_order_and_the_summary_takes_each_sides_median(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench()
    other = tmp_path / "before"
    (other / "src" / "commonground").mkdir(parents=True)
    seen: list[str] = []
    # the overheads each side reports, run by run
    costs = {"A": iter([0.5, 0.6, 0.7, 0.8]), "B": iter([0.9, 1.0, 1.1, 1.2])}

    def fake(args: argparse.Namespace, checkout: Path | None) -> dict[str, Any]:
        side = "A" if checkout is None else "B"
        assert checkout in (None, other)
        seen.append(side)
        overhead = next(costs[side])
        return {"code": side, "map_many_cpu_ms": 1.0 + overhead, "predict_cpu_ms": 1.0,
                "overhead_cpu_ms": overhead}

    monkeypatch.setattr(bench, "run_child", fake)
    out = tmp_path / "overhead.json"
    bench.main(["--other", str(other), "--pairs", "2", "--out", str(out)])
    assert seen == ["A", "B", "B", "A", "A", "B", "B", "A"]
    result = json.loads(out.read_text())
    assert result["summary"]["A"]["overhead_cpu_ms"] == pytest.approx(0.65)
    assert result["summary"]["B"]["overhead_cpu_ms"] == pytest.approx(1.05)
    assert result["summary"]["overhead_ratio_b_over_a"] == pytest.approx(1.05 / 0.65, abs=1e-3)
    assert len(result["runs"]["A"]) == len(result["runs"]["B"]) == 4


def test_a_path_that_is_not_a_checkout_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"not a commonground checkout.*git worktree add"):
        _bench().main(["--other", str(tmp_path), "--out", str(tmp_path / "x.json")])
    assert not (tmp_path / "x.json").exists()
