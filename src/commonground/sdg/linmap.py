"""Linear maps between two embedding spaces: ridge least squares, the penalty chosen by the
mean cosine of held-out rows to their true vectors.

The target maps (``commonground.sdg.targetmap``: fine-tuned or static vectors into the
frozen MiniLM's space) and the language bridge (``commonground.sdg.bridge``:
multilingual-e5 vectors into the accurate encoder's) are both such maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: the ridge penalties tried; the one with the best held-out cosine is used
PENALTIES = (0.01, 0.1, 1.0, 10.0)


def unit(m: NDArray[Any]) -> NDArray[Any]:
    """Rows (or one vector) scaled to unit length, in their own dtype."""
    out: NDArray[Any] = m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)
    return out


def ridge(x: NDArray[Any], y: NDArray[Any], lam: float, *, intercept: bool = False,
          ) -> tuple[NDArray[Any], NDArray[Any]]:
    """Weights and bias, in ``x``'s dtype, of the ridge map from ``x`` to ``y`` (solved in
    float64); without ``intercept`` the bias is zero and the rows are not centred."""
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    bias = np.zeros(y.shape[1])
    if intercept:
        mx, my = x64.mean(axis=0), y64.mean(axis=0)
        x64, y64 = x64 - mx, y64 - my
    w = np.linalg.solve(x64.T @ x64 + lam * np.eye(x.shape[1]), x64.T @ y64)
    if intercept:
        bias = my - mx @ w
    return w.astype(x.dtype), bias.astype(x.dtype)


def choose_penalty(x: NDArray[Any], y: NDArray[Any], fold: NDArray[Any],
                   penalties: Sequence[float] = PENALTIES, *, intercept: bool = False,
                   digits: int = 5) -> tuple[float, dict[str, float]]:
    """The penalty whose maps, fitted without each fold, put that fold's rows closest (mean
    cosine) to their ``y`` vectors; and each penalty's held-out cosine, rounded."""
    held_out: dict[str, float] = {}
    for lam in penalties:
        cosines = []
        for k in np.unique(fold):
            te = fold == k
            w, b = ridge(x[~te], y[~te], lam, intercept=intercept)
            pred = unit(x[te] @ w + b)
            cosines.append(float(np.sum(pred * unit(y[te]), axis=1).mean()))
        held_out[str(float(lam))] = round(float(np.mean(cosines)), digits)
    best = max(penalties, key=lambda lam: held_out[str(float(lam))])
    return float(best), held_out
