"""The fast mode's language bridge: static word vectors distilled from multilingual-e5.

The fast mode reads text through static MiniLM word pieces, an English table: a Spanish
paragraph's vector lies far from its English translation's. Running multilingual-e5 at run
time would cost the fast mode its speed target, so each word of a vocabulary is run
through e5 once, alone, at training time (the recipe of ``commonground.sdg.static``:
centred, reduced by PCA, each row scaled by a smooth-inverse-frequency weight). A text's
multilingual static vector is the unit sum of its words' rows. e5 read alone, a word keeps
its language, so each language's mean vector is subtracted (language round 2 failed
without it), and a ridge map fitted on English paragraphs carries the result into the
fast mode's static space. For a Spanish, French or Portuguese chunk the carried vector
replaces the fast mode's own (language rounds 3 and 4, docs/benchmarks.md).

The shipped table keeps only the words of the non-English training-side texts; unknown
words are skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.bridge import LanguageBridge
from commonground.sdg.lexical import APPLIES_TO
from commonground.sdg.static import distil, unit_row_sums

FloatArray = NDArray[np.float32]
#: a word: a run of at least two letters (digits, underscores and single letters are not)
_WORD = re.compile(r"[^\W\d_]{2,}")
#: principal components kept and the smooth-inverse-frequency constant (as the static table)
DIM = 128
SIF_A = 1e-3


class TextEncoder(Protocol):
    """What the build reads with: multilingual-e5 (words), the static table (paragraphs)."""

    def encode(self, texts: Sequence[str]) -> FloatArray: ...


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (NFC), as the table is keyed."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def _sum_rows(index: dict[str, int], table: FloatArray, texts: Sequence[str]) -> FloatArray:
    """Unit sums of each text's known words' rows (zero vectors where none is known)."""
    return unit_row_sums([[index[w] for w in words(t) if w in index] for t in texts], table)


@dataclass
class WordBridge:
    """Static multilingual word vectors, each language's mean and the map into the fast
    mode's static space; ``carry(texts, langs)`` gives the fast mode's vectors for texts
    in the languages of ``means``."""

    words: list[str]
    table: FloatArray
    means: dict[str, FloatArray]
    bridge: LanguageBridge
    report: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.table = np.ascontiguousarray(self.table, dtype=np.float32)
        self._index = {w: i for i, w in enumerate(self.words)}

    def carry(self, texts: Sequence[str], langs: Sequence[str]) -> FloatArray:
        """Unit vectors in the fast mode's static space for ``texts`` in ``langs``."""
        missing = sorted({lang for lang in langs if lang not in self.means})
        if missing or len(langs) != len(texts):
            raise InvalidInput(f"the word bridge reads {sorted(self.means)}, one language per "
                               f"text; got {len(langs)} languages for {len(texts)} texts "
                               f"({missing or 'none unknown'})")
        x = _sum_rows(self._index, self.table, texts)
        if len(texts):
            x = x - np.stack([self.means[lang] for lang in langs])
        return self.bridge.carry(x)

    # ---- building and persistence ---------------------------------------------------------

    @classmethod
    def build(cls, vocabulary: Sequence[tuple[str, str]], paragraphs: Sequence[tuple[str, str]],
              encoder: TextEncoder, static: TextEncoder, *, dim: int = DIM, sif_a: float = SIF_A,
              batch: int = 512) -> WordBridge:
        """Distil the table from ``encoder`` (multilingual-e5 passages) over the words of
        ``vocabulary`` ((text, language) pairs; word frequencies are counted on it), take
        each language's mean over ``paragraphs`` ((text, language)), and fit the map on the
        English ones to ``static``'s vectors. The saved table keeps the words of the
        vocabulary's non-English texts."""
        counts: Counter[str] = Counter()
        foreign: set[str] = set()
        for text, lang in vocabulary:
            ws = words(text)
            counts.update(ws)
            if lang != "en":
                foreign.update(ws)
        english = [t for t, lang in paragraphs if lang == "en"]
        langs = sorted({lang for _, lang in paragraphs if lang in APPLIES_TO})
        if not counts or not english or not langs:
            given = sorted({lang for _, lang in paragraphs})
            raise InvalidInput(f"the word bridge needs a vocabulary, English paragraphs and "
                               f"paragraphs in {sorted(APPLIES_TO)}; got {len(counts)} words "
                               f"and paragraphs in {given}")
        vocab = sorted(counts)
        raw = np.concatenate([encoder.encode(vocab[i:i + batch])
                              for i in range(0, len(vocab), batch)]).astype(np.float64)
        total = sum(counts.values())
        distilled, variance = distil(raw, np.array([counts[w] / total for w in vocab]), dim,
                                     sif_a)
        # at the precision it is saved in, so that the means and the map fit what is loaded
        table = distilled.astype(np.float16).astype(np.float32)
        index = {w: i for i, w in enumerate(vocab)}
        means = {lang: _sum_rows(index, table, [t for t, lg in paragraphs if lg == lang]
                                 ).mean(axis=0) for lang in ("en", *langs)}
        bridge = LanguageBridge.fit(_sum_rows(index, table, english) - means["en"],
                                    static.encode(english))
        keep = sorted(foreign)
        rows = np.array([index[w] for w in keep], dtype=np.int64)
        report = {"words": len(vocab), "kept": len(keep), "dim": table.shape[1], "sif_a": sif_a,
                  "variance_kept": round(variance, 4),
                  "paragraphs": {lg: sum(1 for _, x in paragraphs if x == lg)
                                 for lg in ("en", *langs)},
                  "map": bridge.report}
        return cls(keep, table[rows], {lang: means[lang] for lang in langs}, bridge, report)

    def save(self, path: Path) -> None:
        # half precision halves the file; the vectors are only compared by cosine
        np.savez_compressed(path, words=np.array(self.words), table=self.table.astype(np.float16),
                            languages=np.array(sorted(self.means)),
                            means=np.stack([self.means[k] for k in sorted(self.means)]),
                            **self.bridge.arrays())  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path, report: dict[str, Any], dim: int) -> WordBridge:
        """The word bridge saved at ``path`` for a fast static space of ``dim``; a file of
        another shape raises ModelError with the fix."""
        try:
            with np.load(path) as z:
                arrays = {k: z[k] for k in z.files}
            table = arrays["table"].astype(np.float32)
            means = {str(k): v.astype(np.float32)
                     for k, v in zip(arrays["languages"], arrays["means"], strict=True)}
            bridge = LanguageBridge.from_arrays(arrays, report.get("map", {}), dim)
            ok = (table.ndim == 2 and len(arrays["words"]) == len(table)
                  and table.shape[1] == bridge.weights.shape[0]
                  and all(m.shape == (table.shape[1],) for m in means.values()))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path} cannot be read as the fast mode's word bridge ({exc}); "
                             "rebuild it with scripts/train_sdg_mapper.py --bridge-only") from exc
        if not ok:
            raise ModelError(f"{path} has a table of {table.shape} for {len(arrays['words'])} "
                             "words, or means of another width; rebuild it with "
                             "scripts/train_sdg_mapper.py --bridge-only")
        return cls([str(w) for w in arrays["words"]], table, means, bridge, dict(report))
