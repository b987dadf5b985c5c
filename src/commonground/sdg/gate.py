"""A gate for text that is not about the goals (twenty-fifth selection round).

The stacker only ever saw text of its domain (research, policy and project writing, with or
without a goal), so "TODO", "asdf qwer" or a password prompt got goals. The gate is one
logistic regression that tells such text from the domain, on features every mode has at
hand: the static word-piece vector, each keyword system's total hit count and the length.
It is fitted with the mapper's training rows as in-domain and project-written text about
nothing the goals cover (``data/sdg_non_sdg``) as not. A document whose best chunk scores
below ``THRESHOLD`` is *unrecognised*: no goal, no target, probabilities scaled by the gate,
and a note; any other document is answered exactly as without the gate.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.features import length_features
from commonground.sdg.fitting import sigmoid

FloatArray = NDArray[np.float32]
#: fixed before the round was run (docs/benchmarks.md, twenty-fifth round)
C = 1.0
THRESHOLD = 0.5
#: what a gate fitted ``english_only`` judges (``text.guess_language``); a chunk in any
#: other language counts as in-domain (twenty-seventh round)
JUDGED_LANGUAGES = ("en", None)
NOTE = ("no SDG content recognised: the text reads as unrelated to the goals (content "
        "score {score:.2f}, below {threshold}); no goal or target is predicted")


def gate_features(static_vectors: FloatArray, kw: FloatArray, texts: Sequence[str],
                  ) -> FloatArray:
    """(n, d + systems + 1): the static vectors, each keyword system's summed log hit counts
    (``KeywordIndex.features`` is system-major, 17 columns a system) and the log length."""
    n = len(texts)
    if kw.shape[0] != n or kw.shape[1] % 17 or static_vectors.shape[0] != n:
        raise ValueError(f"gate features of {n} texts from {static_vectors.shape[0]} vectors "
                         f"and keyword features of shape {kw.shape}")
    totals = kw.reshape(n, kw.shape[1] // 17, 17).sum(axis=2)
    out: FloatArray = np.hstack([static_vectors, totals, length_features(texts)]).astype(
        np.float32)
    return out


def _fit(x_in: FloatArray, x_out: FloatArray, balanced: bool) -> tuple[FloatArray, float]:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([x_in, x_out])
    y = np.r_[np.ones(len(x_in)), np.zeros(len(x_out))]
    model = LogisticRegression(C=C, class_weight="balanced" if balanced else None,
                               max_iter=5000).fit(x, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


@dataclass(frozen=True)
class ContentGate:
    """In-domain probability of a chunk: ``sigmoid(features @ coef + intercept)``."""

    coef: FloatArray
    intercept: float
    report: dict[str, Any] = field(default_factory=dict)
    #: whether the classes weighed equally in the fit (round 25) or by their row counts
    balanced: bool = True
    #: whether it reads the fast mode's vectors (Spanish, French and Portuguese chunks
    #: carried by the word bridge) instead of the plain static ones
    bridged: bool = False
    #: whether it judges only chunks of ``JUDGED_LANGUAGES`` (fitted on such rows only)
    english_only: bool = False
    #: whether a chunk with any keyword hit counts as in-domain whatever its score
    keyword_keeps: bool = False
    #: documents of fewer words are not judged (thirty-seventh round: the gate tells short
    #: text about the goals from short unrelated text no better than chance)
    min_words: int = 0

    @classmethod
    def fit(cls, x_in: FloatArray, x_out: FloatArray, *, balanced: bool = True,
            bridged: bool = False, english_only: bool = False, keyword_keeps: bool = False,
            min_words: int = 0, **report: Any) -> ContentGate:
        """Fit on in-domain rows ``x_in`` and unrelated rows ``x_out`` (``gate_features``;
        ``bridged`` says which vectors they were made from, ``english_only`` that they are
        the rows of ``JUDGED_LANGUAGES`` alone)."""
        min_words = check_min_words(min_words)
        if not len(x_in) or not len(x_out):
            raise InvalidInput("the content gate needs in-domain texts and unrelated texts "
                               f"(got {len(x_in)} and {len(x_out)}); give both")
        coef, intercept = _fit(x_in, x_out, balanced)
        return cls(coef, intercept, {
            "C": C, "threshold": THRESHOLD, "in_domain": len(x_in), "unrelated": len(x_out),
            "class_weight": "balanced" if balanced else "none",
            "vectors": "static, word-bridged" if bridged else "static",
            "judges": "English or no language" if english_only else "every text",
            "keyword_hit_keeps": keyword_keeps, "judges_documents_of_words": min_words,
            **report},
            balanced, bridged, english_only, keyword_keeps, min_words)

    def proba(self, x: FloatArray) -> FloatArray:
        if x.shape[1:] != self.coef.shape:
            raise ModelError(f"the content gate reads {self.coef.shape[0]} features, got "
                             f"{x.shape[1:]}; rebuild it with scripts/train_sdg_mapper.py "
                             "--gate-only")
        return sigmoid(x @ self.coef + self.intercept)

    def save(self, path: Path) -> None:
        np.savez(path, coef=self.coef, intercept=np.array([self.intercept], np.float32),
                 options=np.array([self.balanced, self.bridged, self.english_only,
                                   self.keyword_keeps]),
                 min_words=np.array([self.min_words], np.int64))

    @classmethod
    def load(cls, path: Path, report: dict[str, Any], dim: int) -> ContentGate:
        """The gate saved at ``path`` for features of width ``dim``."""
        try:
            with np.load(path) as z:
                coef, intercept = z["coef"].astype(np.float32), float(z["intercept"][0])
                # without options: round 25's gate (balanced, plain vectors, every text);
                # fewer than four: an earlier round's, the later options off
                options = ([bool(v) for v in z["options"]] if "options" in z.files
                           else [True, False])
                balanced, bridged, english_only, keyword_keeps = (*options, False, False)[:4]
                # before the thirty-seventh round every document was judged
                min_words = check_min_words(int(z["min_words"][0])) if (
                    "min_words" in z.files) else 0
        except (OSError, KeyError, ValueError, IndexError, InvalidInput) as exc:
            raise ModelError(f"{path} cannot be read as the content gate ({exc}); rebuild it "
                             "with scripts/train_sdg_mapper.py --gate-only") from exc
        if coef.shape != (dim,):
            raise ModelError(f"{path} holds {coef.shape} weights for {dim} features; rebuild "
                             "it with scripts/train_sdg_mapper.py --gate-only")
        return cls(coef, intercept, dict(report), balanced, bridged, english_only,
                   keyword_keeps, min_words)


def check_min_words(min_words: object) -> int:
    """``min_words`` as an int (numpy integers too), or InvalidInput naming the fix."""
    try:
        if isinstance(min_words, bool):
            raise TypeError
        n = operator.index(min_words)  # type: ignore[arg-type]
    except TypeError:
        n = -1
    if n < 0:
        raise InvalidInput(f"min_words {min_words!r} must be a whole number of words, 0 to "
                           "judge every document")
    return n


def _group_held_out(x: FloatArray, group: NDArray[Any],
                    fit_without: Callable[[NDArray[np.bool_]], tuple[FloatArray, float]],
                    ) -> FloatArray:
    """Each row of ``x`` scored by the gate ``fit_without(held)`` fits without its group."""
    out = np.zeros(len(x), dtype=np.float32)
    for name in np.unique(group):
        held = group == name
        coef, intercept = fit_without(held)
        out[held] = sigmoid(x[held] @ coef + intercept)
    return out


def cross_fitted(x_in: FloatArray, fold: NDArray[Any], x_out: FloatArray,
                 balanced: bool = True, x_extra: FloatArray | None = None) -> FloatArray:
    """Each in-domain row's gate probability from a gate fitted without its fold (and with
    every unrelated row, and ``x_extra``: in-domain rows in every fold's fit, such as the
    keyword phrases), as unseen in-domain text meets the final gate."""
    return _group_held_out(x_in, fold, lambda held: _fit(
        x_in[~held] if x_extra is None else np.vstack([x_in[~held], x_extra]), x_out,
        balanced))


def writers_held_out(x_in: FloatArray, x_out: FloatArray, writer: NDArray[Any],
                     balanced: bool = True) -> FloatArray:
    """Each unrelated text's gate probability from a gate fitted without its writer's texts
    (and with every in-domain row): how the gate meets unrelated text of a new hand."""
    return _group_held_out(x_out, writer, lambda held: _fit(x_in, x_out[~held], balanced))


def domain_phrases(systems: dict[str, dict[str, Any]]) -> list[str]:
    """The phrases of the phrase keyword systems (``KeywordIndex.systems_raw``), each once:
    the domain's short vocabulary, in-domain rows of the gate (twenty-eighth round)."""
    seen: dict[str, None] = {}
    for name in sorted(systems):
        if systems[name].get("kind") == "phrases":
            seen.update((str(item[0]), None) for item in systems[name]["items"])
    return list(seen)


def judged(texts: Sequence[str]) -> NDArray[np.bool_]:
    """Which ``texts`` an ``english_only`` gate judges: those ``guess_language`` gives as
    English or as no known language."""
    from commonground.sdg.text import guess_language

    return np.array([guess_language(t) in JUDGED_LANGUAGES for t in texts], dtype=bool)


def training_rows(in_domain: Sequence[str], unrelated: Sequence[str], *, english_only: bool,
                  ) -> tuple[NDArray[np.bool_], list[str], dict[str, int]]:
    """What a gate with these options learns from: a mask of the ``in_domain`` texts, the
    ``unrelated`` texts kept, and the counts left out. Unrelated texts without a letter
    ('42') go, since mapping refuses them before any gate reads them; with
    ``english_only`` so do texts of other languages."""
    from commonground.sdg.text import has_words

    mappable = [t for t in unrelated if isinstance(t, str) and has_words(t)]
    inside = judged(in_domain) if english_only else np.ones(len(in_domain), dtype=bool)
    outside = ([t for t, j in zip(mappable, judged(mappable), strict=True) if j]
               if english_only else mappable)
    left_out = {"unrelated_without_words": len(unrelated) - len(mappable)}
    if english_only:
        left_out.update(in_domain_other_languages=int((~inside).sum()),
                        unrelated_other_languages=len(mappable) - len(outside))
    return inside, outside, left_out


def kept_anyway(texts: Sequence[str], kw: FloatArray, *, english_only: bool,
                keyword_keeps: bool) -> NDArray[np.bool_]:
    """The chunks a gate with these options counts as in-domain whatever its score: another
    language (``english_only``) or a keyword hit (``keyword_keeps``)."""
    out = np.zeros(len(texts), dtype=bool)
    if english_only:
        out |= ~judged(texts)
    if keyword_keeps:  # the keyword systems' direct evidence that a chunk speaks of a goal
        out |= kw.sum(axis=1) > 0
    return out


def unjudged(texts: Sequence[str], min_words: int) -> NDArray[np.bool_]:
    """Which documents a gate with ``min_words`` does not judge: those of fewer words
    (split on whitespace)."""
    return np.array([len(t.split()) < min_words for t in texts], dtype=bool)


def unrecognised(doc_gate: FloatArray) -> NDArray[np.bool_]:
    """Which documents the gate turns away (their best chunk below ``THRESHOLD``)."""
    out: NDArray[np.bool_] = np.asarray(doc_gate) < THRESHOLD
    return out
