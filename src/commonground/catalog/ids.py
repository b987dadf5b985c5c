"""Stable, readable initiative ids."""

from __future__ import annotations

import re
import unicodedata

from commonground.catalog.records import InitiativeRecord


def slugify(text: str, max_len: int = 80) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "initiative"


def generated_id(rec: InitiativeRecord) -> str:
    """The id an initiative without one gets: city and title, so re-imports land on the same row."""
    return slugify(f"{rec.city.name} {rec.title}")
