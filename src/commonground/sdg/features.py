"""Feature blocks of the SDG mapper: target retrieval, keyword counts, length, hashed n-grams."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from commonground.sdg.blas import rows_matmul
from commonground.sdg.keywords import tokens

FloatArray = NDArray[np.float32]

#: hashed word uni/bi-gram space of the fast mode
HASH_BITS = 17


class TargetIndex:
    """Unit vectors of the target/indicator/goal titles (several languages), with their ids."""

    def __init__(self, vectors: FloatArray, ids: Sequence[str], goals: Sequence[int],
                 langs: Sequence[str]) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.ids = np.asarray(ids, dtype=object)
        self.goals = np.asarray(goals, dtype=np.int16)
        self.langs = np.asarray(langs, dtype=object)
        self._goal_cols = [np.flatnonzero(self.goals == g) for g in range(1, 18)]
        # for reporting targets, per choice of rows and per goal: the distinct target ids (in
        # order of first row), the goal's rows (columns of ``similarities``) grouped by
        # target, and where each target's rows start (one maximum.reduceat per ranking).
        # 'titles': the target titles (ids like '11.2'); 'all': their indicators' too
        depth = np.array([str(i).count(".") for i in self.ids])
        self.is_target = depth == 1
        of = np.array([".".join(str(i).split(".")[:2]) for i in self.ids])
        self._goal_targets: dict[str, list[tuple[list[str], NDArray[np.intp],
                                                 NDArray[np.intp]]]] = {}
        for choice, keep in (("titles", self.is_target), ("all", depth >= 1)):
            per_goal = self._goal_targets[choice] = []
            for cols in self._goal_cols:
                rows = cols[keep[cols]]
                unique_ids, first, which = np.unique(of[rows], return_index=True,
                                                     return_inverse=True)
                order = np.argsort(first, kind="stable")  # unique sorts; keep first-row order
                rank = np.empty_like(order)
                rank[order] = np.arange(len(order))
                grouped = np.argsort(rank[which], kind="stable")
                starts = np.flatnonzero(np.diff(rank[which][grouped], prepend=-1))
                per_goal.append(([str(t) for t in unique_ids[order]], rows[grouped], starts))

    def similarities(self, emb: FloatArray) -> FloatArray:
        sims: FloatArray = rows_matmul(emb, self.vectors.T)
        return sims

    def features(self, emb: FloatArray, exclude_ids: Sequence[str] | None = None) -> FloatArray:
        """(n, 34): per goal, the max and the top-3 mean cosine to its texts.

        ``exclude_ids`` (one framework id or '' per row) hides a training row's own
        target/indicator, in every language, so the head does not learn from self-matches.
        """
        sims = self.similarities(emb)
        if exclude_ids is not None:
            for row, fid in enumerate(exclude_ids):
                if fid:
                    sims[row, self.ids == fid] = -1.0
        out = np.zeros((len(emb), 34), dtype=np.float32)
        for g, cols in enumerate(self._goal_cols):
            block = np.sort(sims[:, cols], axis=1)
            out[:, g] = block[:, -1]
            out[:, 17 + g] = block[:, -3:].mean(axis=1)
        return out

    def target_scores(self, emb: FloatArray, goal: int, rows: str = "titles",
                      ) -> tuple[list[str], NDArray[np.float64]]:
        """One goal's target ids and each target's cosine to one text vector: the best over
        languages of its title (``rows`` 'titles'), or of its title and its indicators'
        titles ('all'). ``emb`` may also be (k, d), for k texts: the scores are (k, targets)."""
        return self.goal_scores(self.similarities(emb), goal, rows)

    def goal_scores(self, sims: FloatArray, goal: int, rows: str = "titles",
                    ) -> tuple[list[str], NDArray[np.float64]]:
        """``target_scores`` from ``similarities``' output for one text or k. The cosines
        come from the product with every row, not with the goal's rows alone: BLAS sums a
        small product (a few texts by one goal's rows) in another order than a larger one,
        so a text's scores would depend on how many texts share its goal in a batch; with
        every row, a row's sums are the same for one text and for hundreds."""
        ids, cols, starts = self._goal_targets[rows][goal - 1]
        best: NDArray[np.float64] = np.maximum.reduceat(
            sims[..., cols], starts, axis=-1).astype(np.float64)
        return ids, best

    def best_targets(self, emb: FloatArray, goal: int, rows: str = "titles",
                     ) -> list[tuple[str, float]]:
        """Targets of one goal ranked by ``target_scores``, best first."""
        ids, best = self.target_scores(emb, goal, rows)
        return ranked(ids, best)


def ranked(ids: Sequence[str], scores: NDArray[np.float64]) -> list[tuple[str, float]]:
    """(id, score) pairs, best score first (ties in the given order)."""
    return [(ids[i], float(scores[i])) for i in np.argsort(-scores, kind="stable")]


def length_features(texts: Sequence[str]) -> FloatArray:
    return np.array([[np.log1p(len(t.split()))] for t in texts], dtype=np.float32).reshape(-1, 1)


#: token -> (its UTF-8 bytes, CRC-32 of the token, CRC-32 of the token and a space); a
#: bigram "a b" hashes as crc32(b, crc32("a ")), so each distinct token is encoded once
_CRC: dict[str, tuple[bytes, int, int]] = {}
_CRC_CACHE = 50_000  # about 10 MB; the cache restarts beyond it


def _crc(token: str) -> tuple[bytes, int, int]:
    raw = token.encode("utf-8")
    crc = zlib.crc32(raw)
    if len(_CRC) >= _CRC_CACHE:
        _CRC.clear()  # a bound on memory over an endless corpus
    entry = _CRC[token] = (raw, crc, zlib.crc32(b" ", crc))
    return entry


def hashed_ngrams(texts: Sequence[str], bits: int = HASH_BITS, *,
                  tokenized: Sequence[list[str]] | None = None) -> sparse.csr_matrix:
    """L2-normalised sublinear counts of hashed word uni- and bi-grams (stable across runs).

    ``tokenized``: ``tokens(text)`` of each text, when the caller has them already.
    """
    toks_of = tokenized if tokenized is not None else [tokens(t) for t in texts]
    if len(toks_of) != len(texts):
        raise ValueError(f"{len(toks_of)} token lists for {len(texts)} texts")
    mask = (1 << bits) - 1
    indptr = [0]
    indices: list[int] = []
    data: list[FloatArray] = []
    for toks in toks_of:
        counts: dict[int, int] = {}
        crcs = [_CRC.get(t) or _crc(t) for t in toks]
        for _, crc, _ in crcs:
            h = crc & mask
            counts[h] = counts.get(h, 0) + 1
        for (_, _, left), (right, _, _) in itertools.pairwise(crcs):
            h = zlib.crc32(right, left) & mask  # the CRC-32 of "left right"
            counts[h] = counts.get(h, 0) + 1
        vals = np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        norm = float(np.linalg.norm(vals)) or 1.0
        indices.extend(counts.keys())
        data.append((vals / norm).astype(np.float32, copy=False))
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0, np.float32),
         np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(texts), mask + 1),
    )
