"""The SDG mapper: 17 calibrated per-goal heads over embeddings, target retrieval and keywords.

Two operating points share one saved model:

- ``accurate``: MiniLM sentence embedding + per-goal max/top-3 cosine to the official
  target and indicator titles (six languages) + keyword/Boolean-query hit counts (SDG
  ontology, OSDG map, Aurora v5 queries) + length, into one logistic head per goal.
- ``fast``: the same keyword counts and length plus hashed word uni/bi-grams, no transformer.

Each head's scores are Platt-calibrated on out-of-fold predictions; a goal is predicted when
its probability reaches the goal's threshold and it is among the ``top_k`` likeliest goals.
Thresholds and ``top_k`` are chosen by cross-validation on the training data only.
Long texts are cut into sentence windows; a goal's document probability is the mean of its
best windows, and the evidence is the sentences whose keywords or targets drove it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.embed import Embedder, MiniLMEmbedder
from commonground.sdg.features import TargetIndex, hashed_ngrams, length_features
from commonground.sdg.fitting import base_decisions, knn_votes, pair_features
from commonground.sdg.keywords import KeywordIndex
from commonground.sdg.mapping import GoalScore, SdgMapping, TargetScore
from commonground.sdg.text import Chunk, check_text, check_texts, chunks, guess_language

FloatArray = NDArray[np.float32]
MODES = ("accurate", "fast")
FORMAT_VERSION = 1
GOALS = tuple(range(1, 18))


class _Head:
    """One mode's learned state: base per-goal model, pairwise stacker, thresholds, top-k."""

    KEYS = ("base_coef", "base_intercept", "stack_coef", "stack_intercept", "stack_mean",
            "stack_scale", "thresholds", "top_k")

    def __init__(self, arrays: dict[str, NDArray[Any]]) -> None:
        missing = [k for k in self.KEYS if k not in arrays]
        if missing:
            raise ModelError(f"model head lacks {', '.join(missing)}; retrain the model")
        self.a = {k: np.asarray(arrays[k]) for k in self.KEYS}
        self.a["base_coef"] = self.a["base_coef"].astype(np.float32)
        self.thresholds = self.a["thresholds"].astype(np.float32)
        self.top_k = int(self.a["top_k"][0])

    def proba(self, f: Features, bank: tuple[FloatArray, NDArray[np.int8]] | None = None,
              ) -> FloatArray:
        a = self.a
        z = base_decisions(f.base, a["base_coef"], a["base_intercept"])
        knn = knn_votes(f.base, bank[0], bank[1]) if bank is not None else None
        pairs = pair_features(z, f.retrieval, f.kw, f.length, knn)
        pairs = (pairs - a["stack_mean"]) / a["stack_scale"]
        logit = pairs @ a["stack_coef"] + a["stack_intercept"][0]
        out: FloatArray = (1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))).astype(np.float32)
        return out.reshape(-1, 17)

    def decide(self, p: FloatArray, n_chunks: Sequence[int] | None = None) -> NDArray[np.bool_]:
        """Decisions; a document of n chunks may have up to top_k + n - 1 goals."""
        k: int | NDArray[np.int64] = self.top_k
        if n_chunks is not None:
            k = np.minimum(17, self.top_k + np.asarray(n_chunks, dtype=np.int64) - 1)
        return decide(p, self.thresholds, k)

    def arrays(self, prefix: str) -> dict[str, NDArray[Any]]:
        out = {f"{prefix}_{k}": v for k, v in self.a.items()}
        # the fast mode's hashed n-gram weights dominate the file size; half precision is ample
        if prefix == "fast":
            out["fast_base_coef"] = self.a["base_coef"].astype(np.float16)
        return out

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> _Head:
        return cls({k: arrays[f"{prefix}_{k}"] for k in cls.KEYS})


@dataclass
class Features:
    base: Any  # dense embedding matrix or sparse hashed n-grams
    retrieval: FloatArray | None
    kw: FloatArray
    length: FloatArray


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
                 keywords: KeywordIndex | None = None, targets: TargetIndex | None = None,
                 target_texts: Sequence[dict[str, str]] | None = None,
                 c_base: dict[str, float] | None = None, c_stack: float = 0.1,
                 top_k: int | None = None,
                 chunk_words: int = 160, folds: int = 5, seed: int = 0,
                 precision: str = "fp32") -> None:
        if mode not in MODES:
            raise InvalidInput(f"mode {mode!r} is unknown; use 'accurate' or 'fast'")
        self.mode = mode
        self._embedder = embedder
        #: MiniLM weight precision the model was trained with ('int8' or 'fp32')
        self.precision = precision
        self.keywords = keywords
        self.targets = targets
        self.target_texts = list(target_texts or [])
        self.c_base = dict(c_base or {"accurate": 1.0, "fast": 4.0})
        self.c_stack = c_stack
        self.top_k = top_k
        self.chunk_words = chunk_words
        self.folds = folds
        self.seed = seed
        self.model_card: dict[str, Any] = {}
        self.heads_: dict[str, _Head] = {}
        self.bank_: tuple[FloatArray, NDArray[np.int8]] | None = None

    # ---- plumbing ------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = MiniLMEmbedder(precision=self.precision)
        return self._embedder

    def _need_fitted(self) -> _Head:
        if self.mode not in self.heads_ or self.keywords is None:
            raise ModelError(
                f"this SdgMapper has no trained {self.mode!r} head; call fit(texts, Y) or load "
                "a trained model with commonground.sdg.load_mapper()"
            )
        if self.mode == "accurate" and (self.targets is None or self.bank_ is None):
            raise ModelError("the accurate mode needs target and neighbour vectors; "
                             "load a complete model with SdgMapper.load")
        return self.heads_[self.mode]

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
        assert self.keywords is not None
        if kw is None:
            kw = self.keywords.features(texts)
        length = length_features(texts)
        if mode == "fast":
            return Features(hashed_ngrams(texts), None, kw, length)
        assert self.targets is not None
        if emb is None:
            emb = self.embedder.encode(texts)
        return Features(emb, self.targets.features(emb, exclude_ids), kw, length)

    # ---- training ------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], Y: NDArray[Any], *,
            embeddings: FloatArray | None = None, framework_ids: Sequence[str] | None = None,
            eval_rows: NDArray[np.bool_] | None = None) -> SdgMapper:
        """Train both modes' heads, calibrate them and pick thresholds by cross-validation.

        ``Y`` is (n, 17) 0/1. ``embeddings`` may pass cached MiniLM vectors of ``texts``;
        ``framework_ids`` marks rows that are official target/indicator titles (their own
        title is hidden from the retrieval features); ``eval_rows`` restricts the
        threshold search to realistic texts (default: all rows).
        """
        from commonground.sdg.fitting import fit_mode, hard_negative_sets

        texts = check_texts(texts)
        y = np.asarray(Y)
        if y.shape != (len(texts), 17) or not np.isin(y, (0, 1)).all():
            raise InvalidInput(f"Y must be a 0/1 array of shape ({len(texts)}, 17), got {y.shape}")
        if self.keywords is None:
            raise InvalidInput("SdgMapper.fit needs keywords=KeywordIndex(...)")
        if self.targets is None:
            if not self.target_texts:
                raise InvalidInput("SdgMapper.fit needs targets= or target_texts=")
            tt = self.target_texts
            self.targets = TargetIndex(self.embedder.encode([t["text"] for t in tt]),
                                       [t["id"] for t in tt], [int(t["goal"]) for t in tt],
                                       [t["lang"] for t in tt])
        t = self.targets
        # target vectors are stored in half precision; round now so save/load is exact
        self.targets = TargetIndex(t.vectors.astype(np.float16).astype(np.float32), t.ids.tolist(),
                                   t.goals.tolist(), t.langs.tolist())
        if embeddings is None:
            embeddings = self.embedder.encode(texts)
        kw = self.keywords.features(texts)
        eval_rows = np.ones(len(texts), bool) if eval_rows is None else np.asarray(eval_rows)
        # model-independent topicality, used to pick hard negatives for the CV metric
        topical = self.targets.features(embeddings, framework_ids)[:, :17]
        sets = hard_negative_sets(y, eval_rows, topical)
        self.heads_, self.cv_ = {}, {}
        for mode in MODES:
            f = self._features(mode, texts, embeddings, kw, framework_ids)
            bank = embeddings if mode == "accurate" else None
            arrays, report = fit_mode(f.base, f.retrieval, f.kw, f.length, y, sets, bank=bank,
                                      c_base=self.c_base[mode], c_stack=self.c_stack,
                                      top_k=self.top_k, folds=self.folds, seed=self.seed)
            if mode == "fast":
                # stored in half precision; round now so a saved model predicts identically
                arrays["base_coef"] = arrays["base_coef"].astype(np.float16)
            self.heads_[mode], self.cv_[mode] = _Head(arrays), report
        # the neighbour bank: training vectors (half precision is ample for cosine) and labels
        self.bank_ = (embeddings.astype(np.float16).astype(np.float32), y.astype(np.int8))
        self.n_train_ = len(texts)
        return self

    # ---- prediction ----------------------------------------------------------------------

    def _chunk_probs(self, texts: Sequence[str]) -> tuple[list[list[Chunk]], FloatArray,
                                                           FloatArray | None]:
        """Chunks of every text, the probabilities of every chunk, and the chunk vectors."""
        head = self._need_fitted()
        all_chunks = [chunks(t, max_words=self.chunk_words) for t in texts]
        flat = [c.text for cs in all_chunks for c in cs]
        emb = self.embedder.encode(flat) if self.mode == "accurate" else None
        bank = self.bank_ if self.mode == "accurate" else None
        return all_chunks, head.proba(self._features(self.mode, flat, emb), bank), emb

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

    def _doc_proba(self, texts: Sequence[str]) -> tuple[FloatArray, list[int]]:
        all_chunks, p, _ = self._chunk_probs(texts)
        out = np.zeros((len(texts), 17), dtype=np.float32)
        i = 0
        for row, cs in enumerate(all_chunks):
            out[row] = self._aggregate(p[i:i + len(cs)])
            i += len(cs)
        return out, [len(cs) for cs in all_chunks]

    def predict(self, texts: Sequence[str]) -> NDArray[np.bool_]:
        """(n, 17) yes/no per goal: calibrated threshold and the top-k cap."""
        head = self._need_fitted()
        p, n_chunks = self._doc_proba(check_texts(texts))
        return head.decide(p, n_chunks)

    def map(self, text: str) -> SdgMapping:
        return self.map_many([check_text(text)])[0]

    def map_many(self, texts: Sequence[str], batch_size: int = 64) -> list[SdgMapping]:
        """Full answers (probabilities, decisions, targets, evidence) for many texts."""
        texts = check_texts(texts)
        out: list[SdgMapping] = []
        for start in range(0, len(texts), batch_size):
            out.extend(self._map_batch(texts[start:start + batch_size]))
        return out

    def _map_batch(self, texts: Sequence[str]) -> list[SdgMapping]:
        from commonground.sdg.explain import explain

        head = self._need_fitted()
        all_chunks, p, emb = self._chunk_probs(texts)
        out = []
        i = 0
        for text, cs in zip(texts, all_chunks, strict=True):
            cp = p[i:i + len(cs)]
            ce = emb[i:i + len(cs)] if emb is not None else None
            i += len(cs)
            doc_p = self._aggregate(cp)
            predicted = head.decide(doc_p, [len(cs)])[0]
            goals, targets = explain(self, cs, cp, ce, doc_p, predicted)
            out.append(SdgMapping(
                goals=[GoalScore(goal=g, probability=round(float(doc_p[g - 1]), 6),
                                 predicted=bool(predicted[g - 1]), evidence=goals.get(g, []))
                       for g in GOALS],
                targets=[TargetScore(target=t, score=s) for t, s in targets],
                mode=self.mode, language=guess_language(text),
            ))
        return out

    # ---- evaluation ----------------------------------------------------------------------

    def evaluate(self, texts: Sequence[str], Y: NDArray[Any]) -> dict[str, Any]:
        """Multi-label metrics; the primary one is ``macro_f1`` over the 17 goals."""
        from commonground.sdg.fitting import multilabel_metrics

        y = np.asarray(Y).astype(bool)
        if y.shape != (len(texts), 17):
            raise InvalidInput(f"Y must have shape ({len(texts)}, 17), got {y.shape}")
        return multilabel_metrics(y, self.predict(texts), self.predict_proba(texts))

    # ---- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model folder: heads, target vectors, keyword resources, model card."""
        self._need_fitted()
        assert self.keywords is not None and self.targets is not None
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, NDArray[Any]] = {}
        for mode, head in self.heads_.items():
            arrays.update(head.arrays(mode))
        assert self.bank_ is not None
        arrays["bank_vectors"] = self.bank_[0].astype(np.float16)
        arrays["bank_labels"] = self.bank_[1]
        np.savez_compressed(folder / "heads.npz", **arrays)  # type: ignore[arg-type]
        t = self.targets
        np.savez_compressed(folder / "targets.npz", vectors=t.vectors.astype(np.float16),
                            ids=t.ids.astype(str), goals=t.goals, langs=t.langs.astype(str))
        self.keywords.save(folder / "keywords.json.gz")
        card = dict(self.model_card)
        card.update({
            "format_version": FORMAT_VERSION,
            "config": {"chunk_words": self.chunk_words, "embedder": getattr(
                self.embedder, "name", type(self.embedder).__name__),
                "embedder_precision": self.precision},
        })
        (folder / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False)
                                                + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, path: str | Path, mode: str = "accurate", *,
             embedder: Embedder | None = None) -> SdgMapper:
        folder = Path(path)
        needed = ("heads.npz", "targets.npz", "keywords.json.gz", "model_card.json")
        missing = [n for n in needed if not (folder / n).is_file()]
        if missing:
            raise ModelError(
                f"{folder} is not a complete SDG mapper model (missing {', '.join(missing)}); "
                "point COMMONGROUND_SDG_MODEL at a folder written by SdgMapper.save, or unset "
                "it to use the shipped model"
            )
        try:
            card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
            with np.load(folder / "heads.npz") as h:
                heads = {m: _Head.from_arrays(h, m) for m in MODES if f"{m}_base_coef" in h}
                bank = (h["bank_vectors"].astype(np.float32), h["bank_labels"].astype(np.int8))
            with np.load(folder / "targets.npz") as t:
                targets = TargetIndex(t["vectors"].astype(np.float32), t["ids"].tolist(),
                                      t["goals"].tolist(), t["langs"].tolist())
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{folder}: the model files are corrupt ({exc}); retrain with "
                             "scripts/train_sdg_mapper.py or reinstall commonground") from exc
        if card.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{folder}: model format {card.get('format_version')!r} is not "
                             f"{FORMAT_VERSION}; retrain with scripts/train_sdg_mapper.py")
        keywords = KeywordIndex.load(folder / "keywords.json.gz")
        mapper = cls(mode, embedder=embedder, keywords=keywords,
                     targets=targets, chunk_words=int(card["config"]["chunk_words"]),
                     precision=str(card["config"].get("embedder_precision", "fp32")))
        mapper.heads_ = heads
        mapper.bank_ = bank
        mapper.model_card = card
        mapper._need_fitted()
        return mapper
