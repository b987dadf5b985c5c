"""Fitting the mapper: a base text model per goal, then one pairwise stacker over all goals.

Stage 1 (base): one logistic regression per goal on the text representation (the MiniLM
embedding in the accurate mode; hashed word n-grams joined with static word-piece vectors
in the fast mode). Its out-of-fold decision values are the stacker's main input, so the
stacker learns how far to trust it. Both modes have a second such model over hashed
n-grams alone (``aux``), and the accurate mode's embedding also gives a nearest-neighbour
vote: the goals of the 10 most similar training texts, weighted by similarity.

Stage 2 (stacker): gradient-boosted trees over (text, goal) pairs (``trees.py``). Each pair
is described by goal-specific evidence only: the base score and its margin over the best
other goal and its rank, target retrieval (max, top-3 mean and margin), each keyword
system's hit count, share and lead over the best other goal, how many systems fire, the
neighbour vote and its margin (accurate mode), the second base score and its margin, the
text length, and the goal itself (one-hot, and slopes per goal).
One model shared across goals: this is the text2sdg idea with better inputs, and it
transfers from training abstracts to other kinds of text better than one wide head. Trees
replaced the earlier logistic stacker because they can express "trust a medium
base score only when a keyword or a target agrees" (cross-validation: docs/benchmarks.md).

Selection never looks at the benchmark. The cross-validated selection metric imitates the
benchmark's shape on training data: for each goal, its positive texts against hard
negatives, class-balanced accuracy per goal, averaged over the 17 goals
(``cv_proxy_accuracy``). The sets are those ``SdgMapper.fit(rule_rows=)`` gives (the
written paragraphs' benchmark-shaped sets, rounds 11-14), else each goal's positive rows
among ``eval_rows`` against as many of the others closest to its targets (the shipped
model: the relabelled abstracts, since the fifteenth round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from commonground.errors import InvalidInput
from commonground.sdg.blas import rows_matmul
from commonground.sdg.trees import STACKER_PARAMS, TreeEnsemble, fit_trees

FloatArray = NDArray[np.float32]
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
TOP_K_CHOICES = (1, 2, 3)


def _logistic(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, solver="lbfgs")


Split = list[tuple[NDArray[np.intp], NDArray[np.intp]]]


def _folds(n: int, folds: int, seed: int, groups: NDArray[Any] | None = None) -> Split:
    """Shuffled K folds; rows sharing a non-empty ``groups`` value fall in one fold.

    Groups (a writer's paragraphs) are dealt out largest first, each to the fold with the
    fewest grouped rows so far, so out-of-fold scores of a group come from a model that
    never saw that group; ungrouped rows (``""``) are split as without groups.
    """
    from sklearn.model_selection import KFold

    if groups is None:
        return list(KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)))
    g = np.asarray(groups, dtype=str)
    fold_of = np.zeros(n, dtype=np.intp)
    names = sorted(set(g[g != ""]))
    if 0 < len(names) < folds:
        raise ValueError(f"{len(names)} groups cannot fill {folds} folds; give at least "
                         f"{folds} groups or none")
    free = np.flatnonzero(g == "")
    if len(free) >= folds:
        for i, (_, te) in enumerate(KFold(folds, shuffle=True, random_state=seed).split(free)):
            fold_of[free[te]] = i
    else:
        fold_of[free] = np.arange(len(free)) % folds
    order = np.random.default_rng(seed).permutation(len(names))
    sizes = {name: int((g == name).sum()) for name in names}
    load = np.zeros(folds, dtype=np.intp)
    for name in sorted((names[i] for i in order), key=lambda x: -sizes[x]):
        k = int(np.argmin(load))
        fold_of[g == name] = k
        load[k] += sizes[name]
    rows = np.arange(n)
    return [(rows[fold_of != k], rows[fold_of == k]) for k in range(folds)]


def fold_of(n: int, folds: int, seed: int, groups: NDArray[Any] | None = None,
            ) -> NDArray[np.int8]:
    """Each row's fold in ``fit_mode(folds=, seed=, groups=)``'s cross-validation."""
    out = np.full(n, -1, dtype=np.int8)
    for k, (_, te) in enumerate(_folds(n, folds, seed, groups)):
        out[te] = k
    return out


@dataclass
class TunedScores:
    """A fine-tuned encoder's out-of-fold scores (cross-fitted on the fit's folds) and its
    final head: they stand in for the per-goal base model and the neighbour votes."""

    oof_base: FloatArray
    oof_knn: FloatArray
    coef: FloatArray
    intercept: FloatArray
    #: the same texts' (base, neighbour, retrieval) out-of-fold scores at the encoder's
    #: other precision: the stacker then learns from both copies of every row
    other: tuple[FloatArray, FloatArray, FloatArray] | None = None


@dataclass
class StackExtra:
    """Texts that train the stacker only (thirty-first round): no base model learns from
    them, so the final base models score them as they score unseen text at run time. Each
    field is one mode's input for these texts, as ``Features`` holds it."""

    base_x: Any  # the main base model's input
    retrieval: FloatArray | None
    kw: FloatArray
    length: FloatArray
    vectors: FloatArray | None  # the neighbour vote's query vectors (accurate mode)
    aux_x: Any  # the second base model's input
    #: (m, 17): 1 a positive pair, 0 a negative one, -1 a pair the stacker does not see
    y: NDArray[np.int8]


def extra_pairs(extra: StackExtra, coef: FloatArray, intercept: FloatArray,
                bank: tuple[FloatArray, NDArray[Any]] | None,
                second: SecondBase | None) -> tuple[FloatArray, NDArray[np.int8]]:
    """The pair features and labels of ``extra``'s used pairs, scored by the final base
    models (``coef``/``intercept``, ``second``) and neighbour ``bank``, as ``_Head.proba``
    scores unseen text."""
    z = base_decisions(extra.base_x, coef, intercept)
    knn = (knn_votes(extra.vectors, bank[0], bank[1])
           if bank is not None and extra.vectors is not None else None)
    aux = base_decisions(extra.aux_x, second.coef, second.intercept) if second else None
    pairs = pair_features(z, extra.retrieval, extra.kw, extra.length, knn, aux)
    y = np.asarray(extra.y, dtype=np.int8).reshape(-1)
    used = y >= 0
    return pairs[used], y[used]


def oof_decisions(x: Any, y: NDArray[Any], c: float,
                  folds: list[tuple[NDArray[np.intp], NDArray[np.intp]]]) -> FloatArray:
    """Out-of-fold decision values of the per-goal base model, (n, 17)."""
    z = np.zeros(y.shape, dtype=np.float32)
    for tr, te in folds:
        for g in range(17):
            z[te, g] = _logistic(c).fit(x[tr], y[tr, g]).decision_function(x[te])
    return z


def sigmoid(z: NDArray[Any]) -> FloatArray:
    """Probabilities (float32) of log-odds ``z``, clipped to +-30 so exp cannot overflow."""
    out: FloatArray = (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)
    return out


def _margin(a: FloatArray) -> FloatArray:
    """Each goal's value minus the best value among the other goals of the same row."""
    s = np.sort(a, axis=1)
    top, second = s[:, -1:], s[:, -2:-1]
    out: FloatArray = a - np.where(a >= top, second, top)
    return out


KNN_K = 10


def knn_votes(query: FloatArray, bank: FloatArray, labels: NDArray[Any],
              k: int = KNN_K) -> FloatArray:
    """(n, 17) similarity-weighted share of each goal among the k nearest bank texts."""
    sims = rows_matmul(query, bank.T)
    k = min(k, bank.shape[0])
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    w = np.maximum(np.take_along_axis(sims, top, axis=1), 0.0)
    votes = (labels[top] * w[:, :, None]).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-6)[:, None]
    out: FloatArray = votes.astype(np.float32)
    return out


def pair_features(z: FloatArray, retrieval: FloatArray | None, kw: FloatArray,
                  length: FloatArray, knn: FloatArray | None = None,
                  aux: FloatArray | None = None) -> FloatArray:
    """(n * 17, f) goal-specific features of every (text, goal) pair, row-major by text.

    ``aux`` is a second base model's scores (the hashed n-gram view, both modes).
    """
    n = len(z)
    blocks = [z, _margin(z)]
    if retrieval is not None:
        blocks += [retrieval[:, :17], retrieval[:, 17:], _margin(retrieval[:, :17])]
    systems = [kw[:, i * 17:(i + 1) * 17] for i in range(kw.shape[1] // 17)]
    blocks += systems
    blocks += [k / (1e-3 + k.sum(axis=1, keepdims=True)) for k in systems]
    x = np.stack(blocks, axis=2)
    x = np.concatenate([x, np.repeat(length[:, None, :], 17, axis=1)], axis=2)
    goal = np.repeat(np.eye(17, dtype=np.float32)[None], n, axis=0)
    slopes = [goal * x[:, :, 0:1]]
    if retrieval is not None:
        slopes.append(goal * x[:, :, 2:3])
    parts = [x, goal, *slopes]
    if knn is not None:
        parts += [knn[:, :, None], (knn - knn.max(axis=1, keepdims=True))[:, :, None]]
    if aux is not None:
        parts += [aux[:, :, None], _margin(aux)[:, :, None]]
    # agreement evidence the trees can combine: the base model's rank of the goal, each
    # keyword system's lead over the best other goal, and how many systems fire at all
    rank = np.argsort(np.argsort(-z, axis=1, kind="stable"), axis=1, kind="stable")
    agree = [rank.astype(np.float32), *(_margin(k) for k in systems),
             sum(((k > 0).astype(np.float32) for k in systems), np.zeros_like(z))]
    parts += [a[:, :, None] for a in agree]
    out: FloatArray = np.concatenate(parts, axis=2).reshape(n * 17, -1)
    return out.astype(np.float32)


#: texts of at least this many words make the paragraph proxy (benchmark texts: median 85)
PARAGRAPH_WORDS = 30


#: per goal, (positive row indices, negative row indices)
GoalSets = list[tuple[NDArray[np.intp], NDArray[np.intp]]]


def hard_negative_sets(y: NDArray[Any], rows: NDArray[np.bool_], topical: FloatArray,
                       ) -> GoalSets:
    """Per goal: (positive rows, as many hardest negative rows) among ``rows``."""
    out = []
    for g in range(17):
        pos = np.flatnonzero(rows & (y[:, g] == 1))
        neg = np.flatnonzero(rows & (y[:, g] == 0))
        neg = neg[np.argsort(-topical[neg, g], kind="stable")[:len(pos)]]
        out.append((pos, neg))
    return out


def balanced_accuracy(pred: NDArray[np.bool_], sets: GoalSets) -> list[float | None]:
    """Per goal, in percent: the mean of the share of its positive rows ``pred`` accepts and
    of its negative rows it rejects (``sets``: per goal, positive and negative row indices);
    None for a goal without a positive or without a negative. The figure ``choose_rule``
    maximises, for scoring decisions already made."""
    return [50 * float(pred[pos, g].mean()) + 50 * float((~pred[neg, g]).mean())
            if len(pos) and len(neg) else None for g, (pos, neg) in enumerate(sets)]


def choose_rule(p: FloatArray, sets: GoalSets, top_k: int | None,
                ) -> tuple[FloatArray, int, FloatArray]:
    """Thresholds per goal and the top-k cap that maximise the mean class-balanced accuracy.

    Per goal, the mean of the share of ``pos`` accepted and the share of ``neg`` rejected:
    the accuracy a set with equal numbers of each would give, as the benchmark's rows are
    about half positive. On sets of equal size (the Aurora/ORO proxy) it is plain accuracy;
    on the written paragraphs (70-81 % positive) plain accuracy would buy recall with
    precision (thirteenth selection round, docs/benchmarks.md).
    """
    best: tuple[float, FloatArray, int, FloatArray] | None = None
    rank = np.argsort(np.argsort(-p, axis=1, kind="stable"), axis=1, kind="stable")
    for k in (top_k,) if top_k else TOP_K_CHOICES:
        thr = np.zeros(17, dtype=np.float32)
        acc = np.zeros(17, dtype=np.float32)
        for g, (pos, neg) in enumerate(sets):
            scores = []
            for t in THRESHOLD_GRID:
                hit_pos = ((p[pos, g] >= t) & (rank[pos, g] < k)).sum()
                rej_neg = (~((p[neg, g] >= t) & (rank[neg, g] < k))).sum()
                scores.append(0.5 * hit_pos / max(1, len(pos)) + 0.5 * rej_neg / max(1, len(neg)))
            j = int(np.argmax(scores))
            thr[g], acc[g] = THRESHOLD_GRID[j], scores[j]
        if best is None or acc.mean() > best[0]:
            best = (float(acc.mean()), thr, k, acc)
    assert best is not None
    return best[1], best[2], best[3]


@dataclass
class SecondBase:
    """A second per-goal base model over another text view (hashed n-grams), fitted once
    and shared by every mode that uses it."""

    oof: FloatArray  # out-of-fold decision values: what the stacker trains on
    coef: FloatArray
    intercept: FloatArray
    c: float


def fit_second_base(x: Any, y: NDArray[Any], c: float, *, folds: int, seed: int,
                    groups: NDArray[Any] | None = None) -> SecondBase:
    """Fit on ``x`` with the same folds as ``fit_mode(folds=, seed=, groups=)`` uses."""
    coef, intercept = per_goal_linear(x, y, c)
    return SecondBase(oof_decisions(x, y, c, _folds(len(y), folds, seed, groups)), coef,
                      intercept, c)


def fit_mode(base_x: Any, retrieval: FloatArray | None, kw: FloatArray, length: FloatArray,
             y: NDArray[Any], sets: list[tuple[NDArray[np.intp], NDArray[np.intp]]], *,
             bank: FloatArray | None = None, second: SecondBase | None = None,
             c_base: float, top_k: int | None, folds: int, seed: int,
             extra_sets: dict[str, list[tuple[NDArray[np.intp], NDArray[np.intp]]]] | None = None,
             stack_rows: NDArray[np.bool_] | None = None,
             groups: NDArray[Any] | None = None,
             tuned: TunedScores | None = None,
             stack_extra: StackExtra | None = None,
             stack_weight: NDArray[Any] | None = None,
             ) -> tuple[dict[str, NDArray[Any]], dict[str, Any], FloatArray]:
    """Learned arrays of one mode, its cross-validation report, and the stacker's
    out-of-fold probabilities (n, 17) that the thresholds were chosen on.

    ``second`` is an optional second base model (``fit_second_base`` with the same folds and
    seed), whose out-of-fold scores enter the stacker beside the main base model's.
    ``extra_sets`` are further proxies, reported only (``cv_proxy_accuracy_<name>``, with
    their own thresholds and top-k; ``None`` when no goal has a positive row there).
    ``stack_rows`` are the rows whose pairs train the stacker (default: all); the others
    train the base models and the neighbour bank only. ``groups`` keeps rows of one group
    (a writer) in one fold, so their out-of-fold scores are held out by group. ``tuned``
    replaces the base model (and the neighbour votes) by a fine-tuned encoder's head,
    cross-fitted on the same folds; ``base_x`` is then unused. With ``tuned.other`` the
    stacker is trained on every row twice, with its scores at each precision (both copies
    in the row's fold), and the thresholds are chosen on the first copy's probabilities.
    ``stack_extra`` adds pairs of texts no base model learns from (``StackExtra``) to the
    stacker of every fold and to the final one; they are never scored, so the thresholds
    are chosen on the training rows alone. ``stack_weight`` (one per row) weighs each row's
    pairs in the stackers (the extra texts' pairs weigh 1).
    """
    from commonground.sdg.model import decide

    split = _folds(len(y), folds, seed, groups)
    z = tuned.oof_base if tuned is not None else oof_decisions(base_x, y, c_base, split)
    aux = second.oof if second is not None else None
    knn = None
    if tuned is not None and bank is not None:
        knn = tuned.oof_knn
    elif bank is not None:
        # neighbours of a held-out text come from the other folds only, as for unseen text
        knn = np.zeros(y.shape, dtype=np.float32)
        for tr, te in split:
            knn[te] = knn_votes(bank[te], bank[tr], y[tr])
    pairs = pair_features(z, retrieval, kw, length, knn, aux)
    twin = None
    if tuned is not None and tuned.other is not None:
        o_base, o_knn, o_retrieval = tuned.other
        twin = pair_features(o_base, o_retrieval, kw, length,
                              None if knn is None else o_knn, aux)
    yp = y.reshape(-1)
    base_coef, base_intercept = ((tuned.coef, tuned.intercept) if tuned is not None
                                 else per_goal_linear(base_x, y, c_base))
    if stack_extra is not None and twin is not None:
        raise ValueError("stacker-only texts have no second-precision copy; fit them "
                         "without the other precision's scores")
    # the final base models score the extra texts, as unseen text is scored at run time
    ex, ey = (extra_pairs(stack_extra, base_coef, base_intercept,
                          None if knn is None or bank is None else (bank, y), second)
              if stack_extra is not None else (pairs[:0], yp[:0]))

    wp = None if stack_weight is None else np.repeat(np.asarray(stack_weight, np.float64), 17)

    def stacker(rows: NDArray[np.intp]) -> Any:
        if twin is not None:  # fit_trees refuses weights with a second copy
            return fit_trees(pairs[rows], yp[rows], twin[rows],
                             weight=None if wp is None else wp[rows])
        weight = None if wp is None else np.concatenate([wp[rows], np.ones(len(ey))])
        return fit_trees(np.concatenate([pairs[rows], ex]), np.concatenate([yp[rows], ey]),
                         weight=weight)

    zs = np.zeros(len(yp), dtype=np.float32)
    stacked = np.ones(len(y), bool) if stack_rows is None else np.asarray(stack_rows, bool)
    for tr, te in split:
        zs[_pair_rows(te)] = stacker(_pair_rows(tr[stacked[tr]])).decision_function(
            pairs[_pair_rows(te)])
    p = (1.0 / (1.0 + np.exp(-zs))).reshape(-1, 17).astype(np.float32)
    thr, k, acc = choose_rule(p, sets, top_k)
    extra: dict[str, float | None] = {}
    for name, other in (extra_sets or {}).items():
        present = [g for g, (pos, _) in enumerate(other) if len(pos)]
        extra[f"cv_proxy_accuracy_{name}"] = (
            float(choose_rule(p, other, top_k)[2][present].mean()) if present else None)
    rows = np.zeros(len(y), bool)
    for pos, neg in sets:
        rows[pos] = rows[neg] = True
    pred = decide(p, thr, k)
    report = {
        "C_base": None if tuned is not None else c_base, "stacker": dict(STACKER_PARAMS),
        "top_k": k, "base": "fine-tuned MiniLM head" if tuned is not None else "logistic",
        "fold_groups": 0 if groups is None else len(set(np.asarray(groups, str)) - {""}),
        "C_aux": second.c if second is not None else None,
        "knn_k": KNN_K if bank is not None else 0,
        "stacker_copies": 1 if twin is None else 2,
        **({} if stack_weight is None else {"stacker_row_weights": sorted(
            {float(w) for w in np.asarray(stack_weight)})}),
        "stacker_extra_pairs": {"positive": int((ey == 1).sum()),
                                "negative": int((ey == 0).sum())},
        "thresholds": [float(t) for t in thr],
        "cv_proxy_accuracy": float(acc.mean()),
        **extra,
        "cv_proxy_accuracy_per_goal": {str(g + 1): round(float(a), 4) for g, a in enumerate(acc)},
        "cv_multilabel": multilabel_metrics(y[rows].astype(bool), pred[rows], p[rows]),
    }
    # the stacker learns from out-of-fold base scores, which is what unseen text produces
    stack = TreeEnsemble.from_sklearn(stacker(_pair_rows(np.flatnonzero(stacked))))
    arrays = {
        "base_coef": base_coef, "base_intercept": base_intercept,
        **{f"stack_{name}": a for name, a in stack.arrays().items()},
        "thresholds": thr, "top_k": np.array([k]),
    }
    if second is not None:
        arrays["aux_coef"], arrays["aux_intercept"] = second.coef, second.intercept
    return arrays, report, p


def _pair_rows(rows: NDArray[np.intp]) -> NDArray[np.intp]:
    """Indices of the 17 (text, goal) pairs of each of ``rows`` in the flattened pairs."""
    out: NDArray[np.intp] = (rows[:, None] * 17 + np.arange(17)).ravel()
    return out


def per_goal_linear(x: Any, y: NDArray[Any], c: float) -> tuple[FloatArray, FloatArray]:
    """Coefficients (17, d) and intercepts (17,) of one logistic regression per goal."""
    coef = np.zeros((17, x.shape[1]), dtype=np.float32)
    intercept = np.zeros(17, dtype=np.float32)
    for g in range(17):
        lr = _logistic(c).fit(x, y[:, g])
        coef[g], intercept[g] = lr.coef_[0], lr.intercept_[0]
    return coef, intercept


def base_decisions(x: Any, coef: FloatArray, intercept: FloatArray) -> FloatArray:
    z = rows_matmul(x, coef.T) + intercept
    return np.asarray(z, dtype=np.float32)


def is_sparse(x: Any) -> bool:
    return bool(sparse.issparse(x))


def multilabel_metrics(y: NDArray[np.bool_], pred: NDArray[np.bool_],
                       proba: NDArray[Any] | None = None) -> dict[str, Any]:
    """Macro F1 (primary), micro F1, macro precision/recall, subset accuracy, per goal.

    The macro means run over the goals that are labelled or predicted at least once, so a
    goal predicted but never labelled counts with precision and F1 0 (a false positive must
    not vanish); ``per_goal_f1`` is None for a goal neither labelled nor predicted."""
    tp = (y & pred).sum(axis=0).astype(float)
    fp = (~y & pred).sum(axis=0).astype(float)
    fn = (y & ~pred).sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        rec = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    present = (tp + fn + fp) > 0
    micro_p = tp.sum() / max(1.0, tp.sum() + fp.sum())
    micro_r = tp.sum() / max(1.0, tp.sum() + fn.sum())
    out: dict[str, Any] = {
        "primary_metric": "macro_f1",
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "micro_f1": float(2 * micro_p * micro_r / max(1e-12, micro_p + micro_r)),
        "macro_precision": float(prec[present].mean()) if present.any() else 0.0,
        "macro_recall": float(rec[present].mean()) if present.any() else 0.0,
        "subset_accuracy": float((y == pred).all(axis=1).mean()) if len(y) else 0.0,
        "n": len(y),
        "per_goal_f1": {str(g + 1): round(float(f1[g]), 4) if present[g] else None
                        for g in range(17)},
    }
    if proba is not None and len(y):
        calibration = reliability(y, proba)
        out["brier"], out["ece"] = calibration["brier"], calibration["ece"]
    return out


def reliability(y: NDArray[Any], proba: NDArray[Any], bins: int = 10) -> dict[str, Any]:
    """How well probabilities match observed rates, over every (text, goal) pair: the
    pairs in ``bins`` equal-width probability bins (the last one closed), each bin's count,
    mean probability and share of true labels; ``ece``, the expected calibration error (the
    count-weighted mean gap between the two); ``max_gap``, the largest gap of a bin;
    ``brier``, the mean squared difference of probability and label."""
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(proba, dtype=float).ravel()
    if y.shape != p.shape:
        raise InvalidInput(f"reliability got {y.size} labels for {p.size} probabilities; give "
                           "one label per probability")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise InvalidInput(f"bins {bins!r} must be a positive integer, such as 10")
    if p.size and (np.isnan(p).any() or p.min() < 0 or p.max() > 1):
        raise InvalidInput("reliability needs probabilities between 0 and 1; pass "
                           "predict_proba's output, not decisions or scores")
    which = np.minimum((p * bins).astype(int), bins - 1)
    table, ece, worst = [], 0.0, 0.0
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        row: dict[str, Any] = {"from": round(b / bins, 6), "to": round((b + 1) / bins, 6),
                               "n": n, "mean_probability": None, "observed_rate": None}
        if n:
            mean_p, rate = float(p[inside].mean()), float(y[inside].mean())
            row["mean_probability"], row["observed_rate"] = round(mean_p, 4), round(rate, 4)
            ece += n / p.size * abs(mean_p - rate)
            worst = max(worst, abs(mean_p - rate))
        table.append(row)
    return {"ece": round(ece, 6), "max_gap": round(worst, 6),
            "brier": float(((p - y) ** 2).mean()) if p.size else 0.0, "pairs": int(p.size),
            "bins": table}
