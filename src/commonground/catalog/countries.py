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


def country_name(code: str) -> str:
    return countries().get(code.upper(), code)

