"""The selection test's paired verdict (benchmarks/held_out_labellers.py --against)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from conftest import load_script


def _held_out() -> ModuleType:
    return load_script("benchmarks/held_out_labellers.py")


def _run(per: list[float], oro: float) -> dict[str, Any]:
    return {"per_labeller": {f"L{i}": v for i, v in enumerate(per)}, "oro": oro}


OLD = _run([80.0, 82.0, 84.0, 86.0], 75.0)


def test_gain_rule_needs_twice_the_standard_error_and_oro_not_lower() -> None:
    paired = _held_out().paired
    steady = paired(_run([81.0, 83.1, 84.9, 87.0], 75.0), OLD, "gain")
    # differences 1.0, 1.1, 0.9, 1.0: mean 1.0, SE 0.04
    assert steady == {"mean": 1.0, "se": 0.04, "oro": 0.0, "rule": "gain", "adopt": True,
                      "unchanged": False}
    noisy = paired(_run([83.0, 81.0, 86.0, 85.0], 76.0), OLD, "gain")
    assert noisy["mean"] == 0.75 and noisy["se"] > 0.375 and not noisy["adopt"]
    assert not paired(_run([81.0, 83.1, 84.9, 87.0], 74.9), OLD, "gain")["adopt"]


def test_no_loss_rule_accepts_a_tie_and_refuses_any_mean_or_oro_loss() -> None:
    paired = _held_out().paired
    assert paired(_run([80.5, 81.5, 84.0, 86.0], 75.0), OLD, "no-loss")["adopt"]
    assert not paired(_run([80.5, 81.4, 84.0, 86.0], 75.0), OLD, "no-loss")["adopt"]
    assert not paired(_run([81.0, 83.0, 85.0, 87.0], 74.99), OLD, "no-loss")["adopt"]
    # the gain rule refuses the same tie
    assert not paired(_run([80.5, 81.5, 84.0, 86.0], 75.0), OLD, "gain")["adopt"]


def test_a_mode_the_candidate_does_not_touch_is_reported_unchanged() -> None:
    paired = _held_out().paired
    same = paired(_run([80.0, 82.0, 84.0, 86.0], 75.0), OLD, "no-loss")
    assert same["unchanged"] and same["mean"] == 0.0 and same["oro"] == 0.0
    # a tie on the labellers' mean that moves a labeller is a change, not "unchanged"
    assert not paired(_run([80.5, 81.5, 84.0, 86.0], 75.0), OLD, "no-loss")["unchanged"]
    assert not paired(_run([80.0, 82.0, 84.0, 86.0], 75.1), OLD, "no-loss")["unchanged"]


def test_runs_of_different_labellers_or_an_unknown_rule_are_refused() -> None:
    paired = _held_out().paired
    with pytest.raises(ValueError, match="different labellers"):
        paired(_run([80.0, 82.0, 84.0], 75.0), OLD, "gain")
    with pytest.raises(ValueError, match="unknown rule"):
        paired(OLD, OLD, "lenient")
