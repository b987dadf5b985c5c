"""The targets' own words: character n-grams of the official target and indicator titles.

MiniLM and the fast mode's static vectors are English models; a Spanish, French or
Portuguese paragraph finds its target first far less often than an English one. The
official texts exist in Spanish and French, and in Italian, Catalan and Romanian, whose
spelling is close to Portuguese; a paragraph about a target shares words, or the stems of
words, with them even when it avoids the target's phrasing. For text in those languages
the mapper adds the cosine of character n-grams to its vector cosines when it ranks a
goal's targets (target round 5, docs/benchmarks.md), and so does the fast mode for English
text, whose static vectors miss words like "wastewater" that a target names (round 6).

Nothing here is fitted on training data: the n-gram weights come from the official texts
shipped in the package (``framework.json.gz``), so the index is built once per process on
first use.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from commonground.errors import ModelError
from commonground.sdg.framework import Framework, framework

#: the languages of the target index (``train.TARGET_LANGUAGES``): the official texts
LANGUAGES = ("en", "es", "fr", "it", "ca", "ro")
#: the documents whose targets are ranked with the n-grams too (``guess_language``'s names)
APPLIES_TO = frozenset({"es", "fr", "pt"})
#: the modes whose English documents are ranked with the n-grams too (target round 6: the
#: fast mode's static vectors gain from the targets' words, the fine-tuned encoder does not)
ENGLISH_IN_MODES = frozenset({"fast"})
#: character n-gram lengths, counted within each word padded by a space on either side
SIZES = (3, 4, 5)
#: a longer run without a space is not a word (a URL, a hash, an encoded blob): left out,
#: so that one such run cannot cost seconds and megabytes (no official text has one)
MAX_WORD = 64
#: distinct characters whose folding is kept; the table restarts beyond it
_FOLD_CACHE = 4096


class _Folding(dict[int, str]):
    """A ``str.translate`` table filled on demand: each character, decomposed (NFKD) and
    without its combining marks. Decomposition is per character, so this equals folding
    the whole text at once."""

    def __missing__(self, code: int) -> str:
        if len(self) >= _FOLD_CACHE:
            self.clear()  # a bound on memory over text of many scripts
        parts = unicodedata.normalize("NFKD", chr(code))
        out = self[code] = "".join(c for c in parts if not unicodedata.combining(c))
        return out


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Lower case without accents ('Saneamiento básico' -> 'saneamiento basico')."""
    low = text.lower()
    return low if low.isascii() else low.translate(_FOLDING)


def word_ngrams(word: str) -> list[str]:
    """The character n-grams (SIZES) of one folded word padded with a space on either side;
    a word no longer than a size counts once, whole, and the larger sizes are skipped."""
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in SIZES:
        if size <= n:
            grams.append(padded)
            break
        grams.extend([padded[i:i + n] for i in range(size - n + 1)])
    return grams


def char_ngrams(text: str) -> Counter[str]:
    """Counts of the n-grams of every word of ``fold(text)``."""
    return Counter(g for word in fold(text).split() for g in word_ngrams(word))


def _raw_word_ngrams(word: str) -> list[str]:
    """The n-grams of one word as written: folding may split it (a spacing accent such as
    '´' decomposes to a space and a mark), so each folded part counts as a word."""
    return [g for part in fold(word).split() for g in word_ngrams(part)]


#: distinct words whose known n-gram columns are kept; the cache restarts beyond it
_WORD_CACHE = 50_000


#: one text's known n-grams: their columns and unit-length TF-IDF weights
NGramVector = tuple[NDArray[np.int64], NDArray[np.float64]]


class LexicalTargets:
    """Unit TF-IDF vectors of character 3-5-grams (``char_ngrams``) of every target's title
    and its indicators' titles in ``languages``, grouped by target. Weights: 1 + ln(count),
    times the smoothed inverse document frequency ln((1 + rows) / (1 + rows with the
    n-gram)) + 1 over the rows; n-grams no row has are left out of a text's vector."""

    def __init__(self, fw: Framework, languages: Sequence[str] = LANGUAGES) -> None:
        texts: list[str] = []
        owner: list[str] = []
        for target in fw.targets:
            for titles in (target.title, *(i.title for i in target.indicators)):
                for lang in languages:
                    text = titles.get(lang, "").strip()
                    if text:
                        texts.append(text)
                        owner.append(target.id)
        if not texts:
            raise ModelError("the SDG framework has no target titles in "
                             f"{', '.join(languages)}; reinstall commonground")
        self.languages = tuple(languages)
        grams_of: dict[str, list[str]] = {}
        df: Counter[str] = Counter()
        for text in texts:
            seen: set[str] = set()
            for word in text.split():
                if len(word) > MAX_WORD:
                    continue
                if word not in grams_of:
                    grams_of[word] = _raw_word_ngrams(word)
                seen.update(grams_of[word])
            df.update(seen)
        self.columns = {gram: k for k, gram in enumerate(df)}
        self.idf = np.array([math.log((1 + len(texts)) / (1 + n)) + 1 for n in df.values()],
                            dtype=np.float64)
        # per word as written (before folding, so that a known word costs one lookup), the
        # columns of its known n-grams, repeats kept (they are counts)
        self._words: dict[str, NDArray[np.int64]] = {
            word: np.array([self.columns[g] for g in grams], dtype=np.int64)
            for word, grams in grams_of.items()}
        # rows grouped by target, in the framework's order (the loop above keeps it)
        rows = self.vectors(texts)
        owners = np.array(owner, dtype=object)
        # per goal: its rows transposed (n-grams by rows, in CSR: a text's product walks
        # only the n-grams it has, not every n-gram of the goal's rows), where each
        # target's rows start, and each target's position
        self._goal: dict[int, tuple[sparse.csr_matrix, NDArray[np.intp], dict[str, int]]] = {}
        for goal in fw.goals:
            ids = [t.id for t in goal.targets]
            where = np.flatnonzero(np.isin(owners, ids))
            block = slice(int(where[0]), int(where[-1]) + 1)
            starts = np.flatnonzero(np.r_[True, owners[block][1:] != owners[block][:-1]])
            self._goal[goal.number] = (rows[block].T.tocsr(), starts,
                                       {str(t): k for k, t in enumerate(owners[block][starts])})

    @property
    def rows(self) -> sparse.csr_matrix:
        """Every row's vector, in the framework's order (the goals' blocks, stacked)."""
        return sparse.vstack([self._goal[g][0].T for g in sorted(self._goal)], format="csr")

    def _word_columns(self, word: str) -> NDArray[np.int64]:
        if len(self._words) >= _WORD_CACHE:
            self._words.clear()  # a bound on memory over an endless corpus
        known = [self.columns[g] for g in _raw_word_ngrams(word) if g in self.columns]
        cols = self._words[word] = np.array(known, dtype=np.int64)
        return cols

    def vector(self, text: str) -> NGramVector:
        """The columns and unit-length weights of ``text``'s n-grams that the official
        texts have (none for a text without one): what ``target_scores`` takes."""
        cache = self._words  # get, not `in` then []: another thread may clear it between
        parts = [c if (c := cache.get(w)) is not None else self._word_columns(w)
                 for w in text.split() if len(w) <= MAX_WORD]
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cols, counts = np.unique(np.concatenate(parts), return_counts=True)
        vals = (1 + np.log(counts)) * self.idf[cols]
        norm = float(np.linalg.norm(vals)) or 1.0
        return cols, vals / norm

    def vectors(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``vector`` of each of ``texts``, as the rows of a sparse matrix."""
        return _as_rows([self.vector(t) for t in texts], len(self.columns))

    def target_scores(self, vector: NGramVector, goal: int, ids: Sequence[str],
                      ) -> NDArray[np.float64]:
        """The cosine of one text's ``vector`` to each of ``ids`` (targets of ``goal``, in
        the caller's order): the best over the target's titles and indicators."""
        scores: NDArray[np.float64] = self.target_scores_many([vector], goal, ids)[0]
        return scores

    def target_scores_many(self, vectors: Sequence[NGramVector], goal: int,
                           ids: Sequence[str]) -> NDArray[np.float64]:
        """(len(vectors), len(ids)): ``target_scores`` of each of ``vectors`` in one sparse
        product. Each cosine sums over its text's n-grams in the same order whatever the
        other texts are, so a text scores the same alone and in any batch."""
        grams, starts, position = self._goal[goal]
        try:
            cols = [position[t] for t in ids]
        except KeyError as err:
            raise ModelError(f"target {err.args[0]} of goal {goal} has no official text in "
                             f"{', '.join(self.languages)} in the package's SDG framework, "
                             "which the model's targets come from; reinstall commonground, "
                             "or retrain the model with scripts/train_sdg_mapper.py") from None
        if not vectors:
            return np.zeros((0, len(cols)))
        sims = (_as_rows(vectors, len(self.columns)) @ grams).toarray()  # (texts, rows)
        best: NDArray[np.float64] = np.maximum.reduceat(sims, starts, axis=1)
        return best[:, cols]


def _as_rows(vectors: Sequence[NGramVector], width: int) -> sparse.csr_matrix:
    """``vectors`` as the rows of a sparse matrix of ``width`` columns."""
    indptr = np.cumsum([0, *(len(cols) for cols, _ in vectors)])
    cols = np.concatenate([c for c, _ in vectors]) if vectors else np.zeros(0, np.int64)
    vals = np.concatenate([v for _, v in vectors]) if vectors else np.zeros(0)
    return sparse.csr_matrix((vals, cols, indptr), shape=(len(vectors), width))


def ngrams_for(text: str, language: str | None, mode: str) -> NGramVector | None:
    """The n-grams the answers of ``mode`` rank ``text``'s targets with when its language
    guess is ``language``: None for unclear text, and for English outside
    ENGLISH_IN_MODES."""
    uses = language in APPLIES_TO or (language == "en" and mode in ENGLISH_IN_MODES)
    return lexical_targets().vector(text) if uses else None


_built: list[LexicalTargets] = []
_build_lock = threading.Lock()


def lexical_targets() -> LexicalTargets:
    """The n-gram index of the package's framework, built once per process (the first
    Spanish, French or Portuguese answers of a web server's threads wait for one build)."""
    if not _built:
        with _build_lock:
            if not _built:
                _built.append(LexicalTargets(framework()))
    return _built[0]
