"""benchmarks/demo_goals.py: where each mode's results go, so one run never overwrites the
other mode's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import load_script


def _report() -> dict[str, Any]:
    item = {"city": "Mannheim", "words": 40, "stated": [11], "predicted": [11, 13],
            "secondary": [], "stated_ranks": {"11": 1}}
    return {"demo summary": {
        "initiatives": 1, "all_stated_predicted": 1, "some_stated_predicted": 1,
        "stated_goals_recalled": 1, "stated_goals": 1, "stated_in_top_3": 1,
        "all_stated_proposed_or_secondary": 1, "stated_proposed_or_secondary": 1,
        "items": [item]}}


def test_each_mode_has_its_own_default_file_and_out_overrides_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_script("benchmarks/demo_goals.py")
    assert bench.RESULTS["accurate"] != bench.RESULTS["fast"]
    modes: list[str] = []

    def fake(mode: str) -> dict[str, Any]:
        modes.append(mode)
        return _report()

    monkeypatch.setattr(bench, "evaluate", fake)
    defaults = {"accurate": tmp_path / "a.json", "fast": tmp_path / "f.json"}
    monkeypatch.setattr(bench, "RESULTS", defaults)
    bench.main(["--mode", "fast"])
    bench.main([])
    assert modes == ["fast", "accurate"]
    assert json.loads(defaults["fast"].read_text())["mode"] == "fast"
    assert json.loads(defaults["accurate"].read_text())["mode"] == "accurate"

    out = tmp_path / "elsewhere" / "fast.json"
    before = defaults["fast"].read_text()
    bench.main(["--mode", "fast", "--out", str(out)])
    assert json.loads(out.read_text())["results"] == _report()
    assert defaults["fast"].read_text() == before  # the default file was left alone
    assert f"wrote {out}" in capsys.readouterr().out
