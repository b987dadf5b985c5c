"""The stacker's tree ensemble: exported from scikit-learn, evaluated with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from commonground.errors import ModelError
from commonground.sdg.onnx_proto import float32_at_most
from commonground.sdg.trees import (
    EARLY_STOPPING_ROWS,
    STACKER_PARAMS,
    OnnxTrees,
    TreeEnsemble,
    early_stopping_split,
    fit_trees,
)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rs = np.random.RandomState(seed)
    x = rs.randn(n, 8).astype(np.float32)
    # an interaction and a threshold effect: what a linear stacker cannot express
    y = ((x[:, 0] * x[:, 1] > 0.2) | (x[:, 2] > 1.5)).astype(int)
    return x, y


@pytest.fixture(scope="module")
def fitted() -> tuple[object, TreeEnsemble]:
    x, y = _data(4000, 0)
    model = fit_trees(x, y)
    return model, TreeEnsemble.from_sklearn(model)


def test_numpy_scores_equal_scikit_learns(fitted: tuple[object, TreeEnsemble]) -> None:
    model, trees = fitted
    x, y = _data(1000, 1)
    ref = model.decision_function(x)  # type: ignore[attr-defined]
    got = trees.decision_function(x)
    assert np.abs(ref - got).max() < 1e-9
    assert ((got > 0) == y).mean() > 0.9  # it learned the interaction
    # some leaves sit above the bottom level, so the padding path is exercised
    assert np.isinf(trees.threshold).any()
    assert 2 <= trees.depth <= STACKER_PARAMS["max_depth"]


def test_arrays_round_trip(fitted: tuple[object, TreeEnsemble]) -> None:
    _, trees = fitted
    x, _ = _data(50, 2)
    again = TreeEnsemble.from_arrays(trees.arrays())
    assert np.array_equal(again.decision_function(x), trees.decision_function(x))


def test_incomplete_or_inconsistent_arrays_are_refused(
        fitted: tuple[object, TreeEnsemble]) -> None:
    _, trees = fitted
    a = trees.arrays()
    with pytest.raises(ModelError, match=r"lacks leaf.*retrain"):
        TreeEnsemble.from_arrays({k: v for k, v in a.items() if k != "leaf"})
    with pytest.raises(ModelError, match="inconsistent shapes"):
        TreeEnsemble.from_arrays({**a, "leaf": a["leaf"][:, :-1]})


def test_onnx_runtime_scores_equal_the_numpy_reference(
        fitted: tuple[object, TreeEnsemble]) -> None:
    _, trees = fitted
    onnx = OnnxTrees(trees)
    # the training rows hold the exact float32 values the thresholds were cut between
    x_train, _ = _data(4000, 0)
    x_new, _ = _data(500, 3)
    for x in (x_train, x_new):
        ref = trees.decision_function(x)
        got = onnx.decision_function(x)
        assert got.shape == ref.shape and np.abs(got - ref).max() < 1e-4
    assert onnx.decision_function(x_new[:0]).shape == (0,)


def test_thresholds_round_down_to_float32() -> None:
    t = np.array([0.1, 1.0, -0.3, np.inf, 1e-46])
    down = float32_at_most(t)
    assert down.dtype == np.float32
    assert (down.astype(np.float64) <= t).all()
    # nothing representable in float32 lies between the rounded and the exact threshold
    finite = np.isfinite(t)
    up = np.nextafter(down[finite], np.float32(np.inf)).astype(np.float64)
    assert (up > t[finite]).all() and down[3] == np.inf


def test_the_early_stopping_split_is_scikit_learns() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _data(EARLY_STOPPING_ROWS + 2000, 2)
    own = HistGradientBoostingClassifier(**STACKER_PARAMS).fit(x, y)
    fit, held = early_stopping_split(y)
    assert len(held) == round(0.1 * len(y)) and not set(fit) & set(held)
    given = HistGradientBoostingClassifier(**STACKER_PARAMS).fit(
        x[fit], y[fit], X_val=x[held], y_val=y[held])
    assert own.n_iter_ == given.n_iter_ < STACKER_PARAMS["max_iter"]
    np.testing.assert_array_equal(own.decision_function(x), given.decision_function(x))


def test_a_second_copy_is_trained_on_but_never_where_trees_stop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _data(EARLY_STOPPING_ROWS + 2000, 3)
    x[:, 7] = np.arange(len(y))  # a row id, to find each copy again
    twin = x + np.float32(0.25)
    seen: dict[str, np.ndarray] = {}
    real_fit = HistGradientBoostingClassifier.fit

    def spy(self: object, X: np.ndarray, y: np.ndarray, **kw: np.ndarray) -> object:
        seen["train"], seen["held"] = X, kw["X_val"]
        return real_fit(self, X, y, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", spy)
    fit_trees(x, y, twin)
    fit, held = early_stopping_split(y)
    # both copies of the training rows, and neither copy of the rows it stops on
    assert len(seen["train"]) == 2 * len(fit)
    np.testing.assert_array_equal(seen["held"], x[held])
    ids = np.round(seen["train"][:, 7] % 1, 2)
    assert set(ids) == {0.0, 0.25}
    trained = set(np.floor(seen["train"][:, 7]).astype(int))
    assert trained == set(fit) and not trained & set(held)
    with pytest.raises(ValueError, match="second copy has shape"):
        fit_trees(x, y, twin[:, :3])


def test_a_second_copy_of_a_small_set_changes_trees_that_never_stop_early() -> None:
    x, y = _data(600, 4)
    noisy = x + np.random.RandomState(5).randn(*x.shape).astype(np.float32)
    alone, both = fit_trees(x, y), fit_trees(x, y, noisy)
    # under the early-stopping size every row of both copies is trained on
    assert not np.array_equal(alone.decision_function(x), both.decision_function(x))
    assert both.n_iter_ == alone.n_iter_ == STACKER_PARAMS["max_iter"]  # no early stopping
