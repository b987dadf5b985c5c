"""The stacker's gradient-boosted trees: trained with scikit-learn, run with ONNX Runtime.

The stacker is scikit-learn's ``HistGradientBoostingClassifier`` with a depth limit. Its
trees are exported once (``TreeEnsemble.from_sklearn``) to four arrays that are saved in
``heads.npz`` like every other learned weight, so a saved model needs no pickle and no
private scikit-learn API. Every tree is padded to a complete binary tree of the same depth
(a leaf above the bottom becomes a chain of always-left nodes ending in copies of its
value), which makes the arrays rectangular and lets ``TreeEnsemble.decision_function``
walk all trees for all rows one level per numpy step. That numpy walk is the reference: it
equals scikit-learn's scores to float64 rounding. At run time the same trees become an ONNX
``TreeEnsembleRegressor`` (``OnnxTrees``, written by ``onnx_proto``), about six times
faster, equal to the reference to about 1e-5 (``tests/sdg/test_trees.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import ModelError

#: the stacker's settings, chosen by cross-validation (docs/benchmarks.md)
STACKER_PARAMS: dict[str, Any] = {
    "max_iter": 200, "learning_rate": 0.1, "max_depth": 6, "max_leaf_nodes": 15,
    "min_samples_leaf": 50, "l2_regularization": 1.0, "random_state": 0,
}
FIELDS = ("feature", "threshold", "leaf", "baseline")


#: scikit-learn stops early on a held-out tenth of the rows when it gets more than this many
EARLY_STOPPING_ROWS = 10_000


def fit_trees(x: NDArray[Any], y: NDArray[Any], other: NDArray[Any] | None = None,
              weight: NDArray[Any] | None = None) -> Any:
    """A fitted ``HistGradientBoostingClassifier`` with the stacker's settings; ``weight``
    (one per row of ``x``, not with ``other``) weighs the rows (thirty-sixth round).

    ``other`` is a second copy of ``x``'s rows with other input values (the same texts'
    scores through the int8 encoder, twenty-third round): the trees learn from both copies.
    Early stopping then scores the very tenth of ``x``'s rows that it scores without
    ``other``, and neither copy of those rows is trained on, so a row's twin cannot stand
    in for it there.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(**STACKER_PARAMS)
    if other is None:
        return model.fit(x, y, sample_weight=weight)
    if weight is not None:
        raise ValueError("row weights and a second copy of the rows do not combine")
    if other.shape != x.shape:
        raise ValueError(f"the second copy has shape {other.shape}, the rows {x.shape}")
    if len(y) <= EARLY_STOPPING_ROWS:
        return model.fit(np.concatenate([x, other]), np.concatenate([y, y]))
    fit, held = early_stopping_split(y)
    return model.fit(np.concatenate([x[fit], other[fit]]), np.concatenate([y[fit], y[fit]]),
                     X_val=x[held], y_val=y[held])


def early_stopping_split(y: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The rows scikit-learn trains on and the rows it stops early on, for the stacker's
    settings and labels ``y`` (its own stratified split, drawn from the same seed)."""
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    seed = check_random_state(STACKER_PARAMS["random_state"]).randint(
        np.iinfo(np.uint32).max, dtype="u8")
    fit, held = train_test_split(np.arange(len(y)), test_size=0.1, stratify=y,
                                 random_state=seed)
    return fit, held


@dataclass(frozen=True)
class TreeEnsemble:
    """Binary-classification trees, each a complete binary tree of depth ``depth``.

    Per tree, ``feature`` and ``threshold`` hold the 2**depth - 1 inner nodes in breadth-
    first order (children of node i are 2i + 1 and 2i + 2) and ``leaf`` the 2**depth leaf
    scores, learning rate applied. A row goes right when its value exceeds the threshold;
    the raw score (log-odds) is ``baseline`` plus one leaf per tree. Inputs must be finite.
    """

    feature: NDArray[np.int32]  # (trees, 2**depth - 1)
    threshold: NDArray[np.float64]  # (trees, 2**depth - 1)
    leaf: NDArray[np.float64]  # (trees, 2**depth)
    baseline: float

    @property
    def depth(self) -> int:
        return int(self.leaf.shape[1]).bit_length() - 1

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        if not model._predictors or len(model._predictors[0]) != 1:
            raise ModelError("only a fitted binary HistGradientBoostingClassifier can be "
                             "exported")
        trees = [per_iter[0].nodes for per_iter in model._predictors]
        depth = max(1, max(int(t["depth"].max()) for t in trees))
        inner = 2 ** depth - 1
        feature = np.zeros((len(trees), inner), dtype=np.int32)
        threshold = np.full((len(trees), inner), np.inf)  # +inf: always left (padding)
        leaf = np.zeros((len(trees), 2 ** depth))
        for ti, nodes in enumerate(trees):
            if nodes["is_categorical"].any():
                raise ModelError("categorical splits are not supported; use numeric features")
            stack = [(0, 0, 0)]  # (node, position in the complete tree, level)
            while stack:
                n, pos, level = stack.pop()
                node = nodes[n]
                if node["is_leaf"]:
                    # the leaf's descendants at the bottom level: a contiguous run
                    first = pos
                    for _ in range(depth - level):
                        first = 2 * first + 1
                    span = 2 ** (depth - level)
                    leaf[ti, first - inner:first - inner + span] = node["value"]
                    continue
                feature[ti, pos] = node["feature_idx"]
                threshold[ti, pos] = node["num_threshold"]
                stack += [(int(node["left"]), 2 * pos + 1, level + 1),
                          (int(node["right"]), 2 * pos + 2, level + 1)]
        return cls(feature, threshold, leaf, float(np.ravel(model._baseline_prediction)[0]))

    def decision_function(self, x: NDArray[Any]) -> NDArray[np.float64]:
        """Raw scores (log-odds) of the rows of ``x``."""
        x = np.asarray(x, dtype=np.float64)
        trees = np.arange(len(self.leaf))
        node = np.zeros((len(x), len(trees)), dtype=np.intp)
        for _ in range(self.depth):
            value = np.take_along_axis(x, self.feature[trees, node], axis=1)
            node = 2 * node + 1 + (value > self.threshold[trees, node])
        out: NDArray[np.float64] = (
            self.baseline + self.leaf[trees, node - (2 ** self.depth - 1)].sum(axis=1))
        return out

    def onnx_model(self) -> bytes:
        """The ensemble as a serialized ONNX ``TreeEnsembleRegressor`` (ai.onnx.ml opset 3).

        Thresholds are rounded down to float32 (``float32_at_most``), so every branch goes
        the same way as here; leaf sums are float32, so scores agree to about 1e-5.
        """
        from commonground.sdg.onnx_proto import (
            attr_floats,
            attr_int,
            attr_ints,
            attr_str,
            attr_strs,
            float32_at_most,
            one_node_model,
        )

        trees, inner = self.feature.shape
        per_tree = 2 * inner + 1  # inner nodes 0 .. inner-1, then the leaves
        node = np.tile(np.arange(per_tree), trees)
        leaf = node >= inner
        feature = np.zeros((trees, per_tree), dtype=np.int64)
        feature[:, :inner] = self.feature
        threshold = np.zeros((trees, per_tree), dtype=np.float32)
        threshold[:, :inner] = float32_at_most(self.threshold)
        attributes = [
            attr_ints("nodes_treeids", np.repeat(np.arange(trees), per_tree)),
            attr_ints("nodes_nodeids", node),
            attr_ints("nodes_featureids", feature.ravel()),
            attr_floats("nodes_values", threshold.ravel()),
            attr_strs("nodes_modes", np.where(leaf, "LEAF", "BRANCH_LEQ")),
            attr_ints("nodes_truenodeids", np.where(leaf, 0, 2 * node + 1)),
            attr_ints("nodes_falsenodeids", np.where(leaf, 0, 2 * node + 2)),
            attr_ints("target_treeids", np.repeat(np.arange(trees), inner + 1)),
            attr_ints("target_nodeids", np.tile(np.arange(inner, per_tree), trees)),
            attr_ints("target_ids", np.zeros(trees * (inner + 1), dtype=np.int64)),
            attr_floats("target_weights", self.leaf.ravel()),
            attr_int("n_targets", 1),
            attr_str("aggregate_function", "SUM"),
            attr_floats("base_values", [self.baseline]),
            attr_str("post_transform", "NONE"),
        ]
        return one_node_model("TreeEnsembleRegressor", "ai.onnx.ml", attributes,
                              inputs={"X": ["N", "F"]}, outputs={"Y": ["N", 1]},
                              opsets={"": 17, "ai.onnx.ml": 3})

    def arrays(self) -> dict[str, NDArray[Any]]:
        return {"feature": self.feature, "threshold": self.threshold, "leaf": self.leaf,
                "baseline": np.array([self.baseline])}

    @classmethod
    def from_arrays(cls, a: dict[str, NDArray[Any]]) -> TreeEnsemble:
        missing = [k for k in FIELDS if k not in a]
        if missing:
            raise ModelError(f"tree ensemble lacks {', '.join(missing)}; retrain the model")
        feature = np.asarray(a["feature"], dtype=np.int32)
        threshold = np.asarray(a["threshold"], dtype=np.float64)
        leaf = np.asarray(a["leaf"], dtype=np.float64)
        n, inner = feature.shape if feature.ndim == 2 else (-1, -1)
        if (threshold.shape != (n, inner) or leaf.shape != (n, inner + 1)
                or (inner + 1) & inner):
            raise ModelError("tree ensemble arrays have inconsistent shapes; retrain the model")
        return cls(feature, threshold, leaf, float(np.ravel(a["baseline"])[0]))


class OnnxTrees:
    """A ``TreeEnsemble`` compiled into an ONNX Runtime session: the run-time evaluator.

    One thread: the stacker sees about a thousand rows per call, and corpus mapping runs one
    process per core already.
    """

    def __init__(self, ensemble: TreeEnsemble) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(ensemble.onnx_model(), opts,
                                             providers=["CPUExecutionProvider"])

    def decision_function(self, x: NDArray[Any]) -> NDArray[np.float64]:
        """Raw scores (log-odds) of the rows of ``x``."""
        if len(x) == 0:
            return np.zeros(0)
        out = self._session.run(None, {"X": np.ascontiguousarray(x, dtype=np.float32)})[0]
        scores: NDArray[np.float64] = np.asarray(out, dtype=np.float64)[:, 0]
        return scores
