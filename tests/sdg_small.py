"""A small SDG mapper fitted in tests, with a deterministic stub embedder (fast, hermetic)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from commonground.sdg.keywords import KeywordIndex
from commonground.sdg.model import SdgMapper
from commonground.sdg.static import StaticEmbedder


class HashEmbedder:
    """Deterministic bag-of-words vectors: enough to exercise fit/save/load quickly."""

    name = "hash-stub"
    dim = 64

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int(hashlib.md5(w.encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: np.ndarray = out / np.maximum(norms, 1e-6)
        return unit


TOPICS = {
    1: "poverty poor income social protection cash transfers",
    3: "health disease hospital vaccine mortality doctors",
    4: "school education teachers pupils literacy learning",
    6: "water sanitation drinking wells toilets hygiene",
    7: "energy solar electricity renewable power grid",
    13: "climate emissions warming adaptation carbon floods",
}


def small_training_set() -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for goal in range(1, 18):
        words = TOPICS.get(goal, f"topic{goal} subject{goal} matter{goal} theme{goal}").split()
        for _ in range(12):
            texts.append(" ".join(rng.choice(words, size=8)) + " in the city programme")
            labels.append(goal)
    y = np.zeros((len(texts), 17), dtype=np.int8)
    y[np.arange(len(texts)), np.array(labels) - 1] = 1
    return texts, y


def small_mapper() -> SdgMapper:
    keywords = KeywordIndex({
        "demo": {"kind": "phrases", "items": [["water", 6], ["school", 4], ["solar", 7]]},
        "demo_q": {"kind": "queries", "items": [['"climate" AND ("emission*" OR "warming")', 13,
                                                 "13.2"]]},
    })
    target_texts = [{"id": f"{g}.1", "goal": str(g), "lang": "en",
                     "text": TOPICS.get(g, f"topic{g} subject{g}")} for g in range(1, 18)]
    # a random word-piece table with MiniLM's real tokenizer: the fast mode's embedder
    table = np.random.default_rng(1).standard_normal((30522, 16)).astype(np.float32)
    return SdgMapper(embedder=HashEmbedder(), static=StaticEmbedder(table), keywords=keywords,
                     target_texts=target_texts, folds=3,
                     c_base={"accurate": 0.5, "fast": 0.5})
