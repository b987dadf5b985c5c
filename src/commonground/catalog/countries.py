"""ISO 3166-1 alpha-2 country codes and names (from pycountry's ISO data)."""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Map alpha-2 code to the common English name."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        out[c.alpha_2] = getattr(c, "common_name", None) or c.name
    return out


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(c, attr, None)
            if name:
                index[name.lower()] = c.alpha_2
    return index


def country_name(code: str) -> str:
    return countries().get(code.upper(), code)


def country_code(name: str) -> str | None:
    """Best-effort lookup of a country name (English) to its alpha-2 code."""
    key = name.strip().lower()
    if not key:
        return None
    if len(key) == 2 and key.upper() in countries():
        return key.upper()
    return _by_name().get(key)
