"""benchmarks/content_gate.py: a candidate's run writes where it is told, so the shipped
model's figures are not replaced."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from commonground.sdg.model import SdgMapper

from conftest import load_script


@dataclass
class _Answer:
    goals: list[int]
    notes: list[str] = field(default_factory=list)

    def predicted_goals(self) -> list[int]:
        return self.goals


class _Fake:
    def map_many(self, texts: list[str], evidence: bool = True) -> list[_Answer]:
        return [_Answer([] if t.startswith("asdf") else [6]) for t in texts]


def test_out_names_the_results_file_in_both_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_script("benchmarks/content_gate.py")
    default = tmp_path / "results" / "content_gate.json"
    monkeypatch.setattr(bench, "RESULTS", default)
    monkeypatch.setattr(bench, "unrelated_test", lambda: ["asdf qwer", "the match ended"])
    monkeypatch.setattr(bench, "in_domain_sets", lambda: {"water": ["clean water wells"]})
    monkeypatch.setattr(SdgMapper, "load", classmethod(lambda cls, *a, **k: _Fake()))

    out = tmp_path / "candidate.json"
    bench.main(["--model", "candidate", "--out", str(out)])
    got: dict[str, Any] = json.loads(out.read_text())
    assert got["unrelated"]["accurate"]["no_goal_model"] == 1
    assert got["in_domain"]["water"]["texts"] == 1 and got["run"]["model"] == "candidate"
    assert not default.exists()  # the shipped model's figures stay where they were
    bench.main([])
    assert default.is_file()

    monkeypatch.setattr(bench, "select", lambda data: {"chosen": "balanced, static"})
    chosen = tmp_path / "select.json"
    bench.main(["--select", "--out", str(chosen)])
    assert json.loads(chosen.read_text())["chosen"] == "balanced, static"
    assert not default.with_name("content_gate_select.json").exists()
