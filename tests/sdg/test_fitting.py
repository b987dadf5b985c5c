"""The stacker's per-(text, goal) evidence."""

from __future__ import annotations

import numpy as np

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


def test_stack_rows_limit_the_stacker_and_leave_the_base_models() -> None:
    from commonground.sdg.fitting import fit_mode, hard_negative_sets

    x, y = _synthetic()
    n = len(y)
    kw = np.zeros((n, 17), dtype=np.float32)
    length = np.ones((n, 1), dtype=np.float32)
    sets = hard_negative_sets(y, np.ones(n, bool), x)
    common = dict(c_base=1.0, top_k=None, folds=3, seed=0)
    full, _ = fit_mode(x, None, kw, length, y, sets, **common)  # type: ignore[arg-type]
    some = np.arange(n) % 2 == 0
    part, _ = fit_mode(x, None, kw, length, y, sets, stack_rows=some,
                       **common)  # type: ignore[arg-type]
    # the base models learn from every row either way
    assert np.array_equal(full["base_coef"], part["base_coef"])
    # the stacker learns from fewer pairs, so its trees differ
    stack = [k for k in full if k.startswith("stack_")]
    assert stack and any(not np.array_equal(full[k], part[k]) for k in stack)
