"""The one settings object, read from ``COMMONGROUND_*`` environment variables.

Nothing here is read at import time: call :func:`load_settings` and pass the result on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from commonground.errors import InvalidInput

#: MiniLM precisions of the accurate SDG mode (the embedder, the CLI and the settings agree)
SDG_PRECISIONS = ("fp32", "int8")

PREFIX = "COMMONGROUND_"


def check_precision(value: str | None, what: str, *, unset_ok: bool = False) -> str | None:
    """``value`` if it is one of SDG_PRECISIONS, or unset (None or '') where ``unset_ok``
    (the model's own precision); otherwise InvalidInput naming ``what`` and the choices."""
    if unset_ok and not value:
        return value
    if value not in SDG_PRECISIONS:
        unset = ", or leave it unset for the model's own" if unset_ok else ""
        raise InvalidInput(f"{what} {value!r} is unknown; use "
                           f"{' or '.join(repr(p) for p in SDG_PRECISIONS)}{unset}")
    return value


def _default_database_url() -> str:
    # imported here: the SDG encoder imports this module on machines without it (the GPU
    # image that runs scripts/finetune_minilm.py train)
    import platformdirs

    data_dir = Path(platformdirs.user_data_dir("commonground", appauthor=False))
    return f"sqlite:///{data_dir / 'commonground.db'}"


@dataclass(frozen=True)
class Settings:
    """Runtime settings. Each field maps to ``COMMONGROUND_<NAME>``."""

    database_url: str = field(
        default_factory=_default_database_url,
        metadata={"help": "SQLAlchemy URL of the store (sqlite:///path or postgresql+psycopg://…)."},
    )
    host: str = field(default="127.0.0.1", metadata={"help": "Address the web app listens on."})
    port: int = field(default=8000, metadata={"help": "Port the web app listens on."})
    page_size: int = field(
        default=20, metadata={"help": "Default page size of lists (API and web)."}
    )
    max_page_size: int = field(
        default=200, metadata={"help": "Largest page size a client may ask for."}
    )
    max_pdf_pages: int = field(
        default=300,
        metadata={"help": "PDFs with more pages are refused by ingest (split them first)."},
    )
    max_document_mb: int = field(
        default=50, metadata={"help": "Documents larger than this many MiB are refused by ingest."}
    )
    sdg_model: str = field(
        default="",
        metadata={"help": "SDG mapper model folder; empty uses the one shipped in the package."},
    )
    sdg_mode: str = field(
        default="accurate", metadata={"help": "Default SDG mapper mode: accurate or fast."}
    )
    sdg_precision: str = field(
        default="",
        metadata={"help": "MiniLM precision of the accurate SDG mode: fp32, or int8 (about "
                          "1.5-1.9x faster on CPUs without AVX-512); empty uses the model's "
                          "own (fp32)."},
    )
    sdg_multilingual: bool = field(
        default=True,
        metadata={"help": "Read Spanish, French and Portuguese text with the multilingual "
                          "encoder too in the accurate SDG mode (more accurate; about six "
                          "times the CPU for such text) and with its distilled word vectors "
                          "in the fast mode; 0 reads it with MiniLM alone in both."},
    )
    auto_map_sdgs: bool = field(
        default=True,
        metadata={"help": "Attach model SDGs (source 'model') on ingest and import."},
    )
    log_level: str = field(default="WARNING", metadata={"help": "Python logging level."})

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: str(f.metadata.get("help", "")) for f in fields(cls)}


def _coerce(name: str, raw: str, kind: object) -> object:
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise InvalidInput(
                f"{PREFIX}{name.upper()}={raw!r} is not a whole number; set it to e.g. 8000"
            ) from None
    if kind in (bool, "bool"):
        low = raw.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off", ""}:
            return False
        raise InvalidInput(
            f"{PREFIX}{name.upper()}={raw!r} is not a boolean; use 1/0 or true/false"
        )
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from the environment (``os.environ`` by default) and explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Settings):
        key = PREFIX + f.name.upper()
        if key in env:
            values[f.name] = _coerce(f.name, env[key], f.type)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.sdg_mode not in {"accurate", "fast"}:
        raise InvalidInput(
            f"{PREFIX}SDG_MODE={settings.sdg_mode!r} is unknown; use 'accurate' or 'fast'"
        )
    check_precision(settings.sdg_precision, f"{PREFIX}SDG_PRECISION", unset_ok=True)
    return settings
