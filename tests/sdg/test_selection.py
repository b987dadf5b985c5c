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


def _synthetic(seed: int = 0) -> dict[str, Any]:
    """Out-of-fold-like probabilities that follow the labels loosely: 160 labellers' rows
    (four labellers) and 100 ORO rows in five folds."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 260
    labels = (rng.random((n, 17)) < 0.25).astype(np.int8)
    p = np.clip(0.5 * labels + 0.6 * rng.random((n, 17)), 0, 1)
    rule_rows = np.arange(n) < 160
    oro = ~rule_rows
    labeller = [f"L{i % 4}" if i < 160 else "" for i in range(n)]
    return {"p": p, "labels": labels, "labeller": labeller, "rule_rows": rule_rows,
            "topical": rng.random((n, 17)), "oro": oro, "fold": np.arange(n) % 5}


def test_oro_rows_are_never_decided_by_a_rule_chosen_on_their_own_labels() -> None:
    import numpy as np

    held = _held_out()
    d = _synthetic()
    keys = ("p", "labels", "rule_rows", "topical", "oro", "fold")
    before = held.oro_by_fold(*(d[k] for k in keys))
    assert not before[~d["oro"]].any()  # only ORO rows are decided
    # flip every label of fold 0's ORO rows: their decisions cannot move, other folds' may
    fold0 = d["oro"] & (d["fold"] == 0)
    d["labels"] = d["labels"].copy()
    d["labels"][fold0] = 1 - d["labels"][fold0]
    after = held.oro_by_fold(*(d[k] for k in keys))
    assert np.array_equal(before[fold0], after[fold0])
    assert not np.array_equal(before[d["oro"] & ~fold0], after[d["oro"] & ~fold0])


def test_thresholds_with_oro_reports_the_fit_rule_as_the_held_out_test_does() -> None:
    held = _held_out()
    d = _synthetic(1)
    thr, k = held.rule_on(d["p"], d["labels"], d["rule_rows"], d["topical"])
    res = held.with_oro(d["p"], d["labels"], d["labeller"], d["rule_rows"], d["topical"],
                        thr, k, d["oro"], d["fold"])
    plain = held.score(d["p"], d["labels"], d["labeller"], d["rule_rows"], d["topical"],
                       thr, k, d["oro"])
    lab = res["labellers_held_out"]
    assert {name: a for name, (a, _) in lab["per_labeller"].items()} == plain["per_labeller"]
    assert res["oro_held_out_by_fold"]["shipped"] == plain["oro"]
    # the verdict needs both tests
    assert res["adopt"] == (res["oro_held_out_by_fold"]["pass"] and lab["pass"])
    assert res["top_k"]["shipped"] == k and len(res["thresholds"]["candidate"]) == 17


def test_compare_fits_scores_both_fits_on_each_standard_and_each_round_its_own_tests(
) -> None:
    import numpy as np

    held = _held_out()
    d = _synthetic(2)
    rng = np.random.default_rng(3)
    new = d["labels"].copy()
    flip = d["rule_rows"][:, None] & (rng.random(new.shape) < 0.1)
    new[flip] = 1 - new[flip]  # the labellers' rows relabelled, ORO's untouched
    # the candidate's probabilities follow the new labels, the shipped fit's the old
    cand = np.clip(0.5 * new + 0.6 * rng.random(new.shape), 0, 1)
    rules = {f: held.rule_on(p, y, d["rule_rows"], d["topical"])
             for f, p, y in (("shipped", d["p"], d["labels"]), ("candidate", cand, new))}
    args = ({"shipped": d["p"], "candidate": cand}, rules,
            {"new": new, "old": d["labels"]}, d["labeller"], d["rule_rows"], d["topical"],
            d["oro"])
    res = held.compare_fits(*args)
    # the shipped fit on the old labels is the plain held-out test's figure
    plain = held.score(d["p"], d["labels"], d["labeller"], d["rule_rows"], d["topical"],
                       *rules["shipped"], d["oro"])
    assert res["labellers_old"]["shipped"] == plain["labellers_held_out"]
    assert res["oro"]["shipped"] == plain["oro"]
    assert res["labellers_new"]["gain"] > 0 > res["labellers_old"]["gain"]
    assert held.verdict("relabels", res) == (res["oro"]["pass"] and res["labellers_new"]["pass"])
    old = res["labellers_old"]
    assert not old["pass"]
    assert held.verdict("oro_weight", res) == (res["oro"]["pass"] and old["no_clear_loss"])
    res["adopt"] = held.verdict("oro_weight", res)
    held.print_paired("accurate", "oro_weight", res)  # prints without failing
    assert res["labels_per_abstract"]["new"] != res["labels_per_abstract"]["old"]
    # a fit judged against itself gains nothing and is not adopted
    same = held.compare_fits({"shipped": d["p"], "candidate": d["p"]},
                              {"shipped": rules["shipped"], "candidate": rules["shipped"]},
                              {"new": d["labels"], "old": d["labels"]}, *args[3:])
    assert same["oro"]["gain"] == same["labellers_new"]["gain"] == 0
    assert not held.verdict("relabels", same) and same["labellers_old"]["no_clear_loss"]
    # ORO's expert labels must be the same in both sets
    changed = new.copy()
    changed[d["oro"]] = 1 - changed[d["oro"]]
    with pytest.raises(SystemExit, match="differ on ORO"):
        held.compare_fits(args[0], rules, {"new": changed, "old": d["labels"]}, *args[3:])
