"""The sdg domain: the SDG framework and the SDG mapper.

Importing this package is cheap; the mapper (numpy, onnxruntime, scikit-learn state) loads
on the first :func:`load_mapper` call and is cached per (model folder, mode, MiniLM
precision).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commonground.sdg.model import SdgMapper
    from commonground.settings import Settings

__all__ = ["SHIPPED_MODEL", "load_mapper"]

#: the trained mapper shipped inside the package (scripts/train_sdg_mapper.py writes it)
SHIPPED_MODEL = Path(__file__).parent / "models" / "sdg_mapper"

_cache: dict[tuple[str, str, str, bool], SdgMapper] = {}
_lock = threading.Lock()


def _own_precision(folder: Path) -> str:
    """The MiniLM precision the model in ``folder`` was trained with (its card's), 'fp32'
    when the card does not say or cannot be read (``SdgMapper.load`` reports that)."""
    import json

    try:
        card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
        return str(card["config"].get("embedder_precision", "fp32"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "fp32"


def load_mapper(settings: Settings | None = None, mode: str | None = None,
                precision: str | None = None) -> SdgMapper:
    """The trained SDG mapper in ``mode`` ('accurate' or 'fast'), cached per (folder, mode,
    precision, language bridge).

    The folder is ``settings.sdg_model`` when set, else the model shipped in the package;
    the mode defaults to ``settings.sdg_mode``, the accurate mode's MiniLM precision to
    ``settings.sdg_precision`` (empty: the model's own); ``settings.sdg_multilingual`` off
    drops the language bridges (the accurate mode's and the fast mode's). Raises ModelError
    (with the fix) when the model is missing or corrupt, InvalidInput for an unknown mode or
    precision.
    """
    from commonground.errors import InvalidInput, ModelError
    from commonground.settings import check_precision

    mode = mode or (settings.sdg_mode if settings is not None else "accurate")
    if mode not in ("accurate", "fast"):
        raise InvalidInput(f"SDG mapper mode {mode!r} is unknown; use 'accurate' or 'fast'")
    # refused here, before the fast mode (which runs no MiniLM) would ignore it
    check_precision(precision, "MiniLM precision", unset_ok=True)
    precision = precision or (settings.sdg_precision if settings is not None else "")
    bridge = settings is None or settings.sdg_multilingual
    configured = settings.sdg_model if settings is not None else ""
    folder = Path(configured) if configured else SHIPPED_MODEL
    # one cache entry per model actually run: the fast mode runs no MiniLM, and asking for
    # the precision the model was trained with is asking for the model as it is (an API
    # client sending either must not load another copy)
    if mode == "fast" or (precision and precision == _own_precision(folder)):
        precision = ""
    key = (str(folder.resolve()), mode, precision, bridge)
    cached = _cache.get(key)  # without the lock: a loaded model never waits for a load
    if cached is not None:
        return cached
    with _lock:
        if key in _cache:
            return _cache[key]
        if not folder.is_dir():
            where = ("COMMONGROUND_SDG_MODEL" if folder != SHIPPED_MODEL
                     else "the shipped model folder")
            raise ModelError(
                f"SDG mapper model not found at {folder} ({where}); unset COMMONGROUND_SDG_MODEL "
                "to use the shipped model, or rebuild it with scripts/train_sdg_mapper.py"
            )
        from commonground.sdg.model import SdgMapper

        # one loaded model serves both modes; share it between the two cache entries
        other = (key[0], "fast" if mode == "accurate" else "accurate", precision, True)
        mapper = (_cache[other].with_mode(mode) if other in _cache
                  else SdgMapper.load(folder, mode=mode, precision=precision or None))
        if not bridge:  # COMMONGROUND_SDG_MULTILINGUAL=0: a copy without either bridge
            mapper = mapper.with_mode(mode)
            mapper.bridge_ = mapper.word_bridge_ = None
        _cache[key] = mapper
        return mapper


def __getattr__(name: str) -> Any:
    if name == "SdgMapper":
        from commonground.sdg.model import SdgMapper

        return SdgMapper
    raise AttributeError(f"module 'commonground.sdg' has no attribute {name!r}")
