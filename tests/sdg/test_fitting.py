"""The stacker's per-(text, goal) evidence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commonground.sdg.fitting import pair_features


def test_pairs_carry_rank_keyword_lead_and_agreement() -> None:
    z = np.full((1, 17), -2.0, dtype=np.float32)
    z[0, 5], z[0, 12] = 3.0, 1.0  # goal 6 first, goal 13 second
    kw = np.zeros((1, 34), dtype=np.float32)  # two keyword systems
    kw[0, 5] = 2.0  # system 1: goal 6 twice
    kw[0, 17 + 5], kw[0, 17 + 12] = 1.0, 3.0  # system 2: goal 6 once, goal 13 three times
    length = np.ones((1, 1), dtype=np.float32)
    x = pair_features(z, None, kw, length)
    assert x.shape[0] == 17
    rank, lead1, lead2, systems = x[:, -4], x[:, -3], x[:, -2], x[:, -1]
    assert rank[5] == 0 and rank[12] == 1 and rank[0] >= 2
    assert lead1[5] == 2.0 and lead1[12] == -2.0  # lead over the best other goal
    assert lead2[12] == 2.0 and lead2[5] == -2.0
    assert systems[5] == 2 and systems[12] == 1 and systems[0] == 0
    # the same evidence, shifted to another goal, moves with it: nothing is tied to a column
    x2 = pair_features(np.roll(z, 1, axis=1), None, np.roll(kw.reshape(2, 17), 1, axis=1)
                       .reshape(1, 34), length)
    assert np.array_equal(x2[6, :4], x[5, :4]) and x2[6, -1] == systems[5]


def _synthetic(n_per_goal: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Texts as noisy one-hot goal vectors: enough for the base models and stacker to fit."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.eye(17, dtype=np.int8), n_per_goal, axis=0)
    x = (y + rng.normal(0, 0.6, y.shape)).astype(np.float32)
    return x, y


def _fit_synthetic(**options: Any) -> tuple[dict[str, Any], dict[str, Any], np.ndarray, Any]:
    """``fit_mode`` on ``_synthetic()`` (no retrieval or keyword evidence, 3 folds) with
    ``options``: its arrays, report and out-of-fold probabilities, and the goal sets."""
    from commonground.sdg.fitting import fit_mode, hard_negative_sets

    x, y = _synthetic()
    n = len(y)
    kw = np.zeros((n, 17), dtype=np.float32)
    length = np.ones((n, 1), dtype=np.float32)
    sets = hard_negative_sets(y, np.ones(n, bool), x)
    arrays, report, oof = fit_mode(x, None, kw, length, y, sets, c_base=1.0, top_k=None,
                                   folds=3, seed=0, **options)
    return arrays, report, oof, sets


def test_stack_rows_limit_the_stacker_and_leave_the_base_models() -> None:
    from commonground.sdg.fitting import choose_rule

    full, _, oof, sets = _fit_synthetic()
    n = len(oof)
    some = np.arange(n) % 2 == 0
    part, _, _, _ = _fit_synthetic(stack_rows=some)
    # the out-of-fold probabilities returned are the ones the thresholds were chosen on
    assert oof.shape == (n, 17) and ((oof >= 0) & (oof <= 1)).all()
    thr, k, _ = choose_rule(oof, sets, None)
    assert np.array_equal(thr, full["thresholds"]) and k == int(full["top_k"][0])
    # the base models learn from every row either way
    assert np.array_equal(full["base_coef"], part["base_coef"])
    # the stacker learns from fewer pairs, so its trees differ
    stack = [k for k in full if k.startswith("stack_")]
    assert stack and any(not np.array_equal(full[k], part[k]) for k in stack)


def test_choose_rule_balances_positives_and_negatives() -> None:
    """Thresholds maximise class-balanced accuracy. On a mostly positive set, plain accuracy
    would accept two near-topic negatives to keep three weak positives; balanced does not."""
    from commonground.sdg.fitting import choose_rule

    # goal 1: six strong (0.9) and three weak (0.3) positives; negatives at 0.4, 0.4, 0.01
    p = np.full((12, 17), 0.001, dtype=np.float32)
    p[:6, 0], p[6:9, 0], p[9:11, 0], p[11, 0] = 0.9, 0.3, 0.4, 0.01
    empty = np.array([], dtype=np.intp)
    sets = [(np.arange(9), np.arange(9, 12))] + [(empty, empty)] * 16
    thr, k, acc = choose_rule(p, sets, top_k=1)
    # threshold <= 0.3: plain 10/12 = 0.83 but balanced (1 + 1/3) / 2 = 0.67;
    # 0.4 < threshold <= 0.9: plain 9/12 = 0.75, balanced (6/9 + 1) / 2 = 0.83
    assert k == 1 and 0.4 < thr[0] <= 0.9
    assert abs(acc[0] - (6 / 9 + 1) / 2) < 1e-6
    # on sets with as many negatives as positives it is plain accuracy
    sets_eq = [(np.array([0, 1, 6]), np.arange(9, 12))] + [(empty, empty)] * 16
    thr, _, acc = choose_rule(p, sets_eq, top_k=1)
    assert 0.4 < thr[0] <= 0.9 and abs(acc[0] - 5 / 6) < 1e-6  # 2 hits + 3 rejections of 6


def test_balanced_accuracy_scores_decisions_and_skips_one_sided_goals() -> None:
    """The benchmarks' class-balanced accuracy: per goal, half the share of positives
    accepted plus half the share of negatives rejected; None without both kinds of row."""
    from commonground.sdg.fitting import balanced_accuracy

    pred = np.zeros((6, 17), dtype=bool)
    pred[[0, 1, 4], 0] = True  # goal 1: positives 0-2 (two accepted), negatives 3-5 (one)
    pred[:, 1] = True  # goal 2: everything accepted
    empty = np.array([], dtype=np.intp)
    sets = ([(np.arange(3), np.arange(3, 6)), (np.arange(2), np.arange(2, 6)),
             (np.arange(3), empty)] + [(empty, empty)] * 14)
    got = balanced_accuracy(pred, sets)
    assert got[0] == pytest.approx(50 * 2 / 3 + 50 * 2 / 3)
    assert got[1] == 50.0  # all positives, no negative rejected
    assert got[2] is None and got[3:] == [None] * 14


def test_stack_weights_of_one_change_nothing_and_others_move_only_the_stacker() -> None:
    plain, report, oof, _ = _fit_synthetic()
    n = len(oof)
    ones, _, oof1, _ = _fit_synthetic(stack_weight=np.ones(n))
    assert np.array_equal(oof, oof1) and all(np.array_equal(plain[k], ones[k]) for k in plain)
    assert "stacker_row_weights" not in report
    heavy = np.where(np.arange(n) % 3 == 0, 3.0, 1.0)
    weighed, wreport, oof3, _ = _fit_synthetic(stack_weight=heavy)
    assert wreport["stacker_row_weights"] == [1.0, 3.0]
    assert np.array_equal(plain["base_coef"], weighed["base_coef"])  # base models: unweighted
    assert not np.array_equal(oof, oof3)


def test_tree_weights_refuse_a_second_copy() -> None:
    from commonground.sdg.trees import fit_trees

    x, y = _synthetic()
    pairs, labels = x.reshape(-1, 1), y.reshape(-1)
    with pytest.raises(ValueError, match="do not combine"):
        fit_trees(pairs, labels, pairs, weight=np.ones(len(labels)))
