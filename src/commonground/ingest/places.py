"""Cities and countries in running text: "CITY, COUNTRY" lines and the best spelling of a name."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from commonground.ingest.text import fold, squash

# Short names in common use that ISO 3166 does not list under name/common/official name.
_ALIASES = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "us": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "russia": "RU",
    "turkey": "TR", "ivory coast": "CI", "cote d'ivoire": "CI", "south korea": "KR",
    "korea": "KR", "north korea": "KP", "czechia": "CZ", "holland": "NL", "burma": "MM",
    "swaziland": "SZ", "cape verde": "CV", "macedonia": "MK", "palestine": "PS",
    "dr congo": "CD", "drc": "CD", "democratic republic of the congo": "CD",
    "republic of the congo": "CG", "vatican": "VA", "east timor": "TL", "the gambia": "GM",
}


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                index[fold(value)] = c.alpha_2
    index.update(_ALIASES)
    return index


def lookup_country(name: str) -> str | None:
    """ISO alpha-2 code of an English country name (any case, accents optional), or None."""
    key = squash(fold(name)).strip(" .,;:")
    key = re.sub(r"^the ", "", key)
    return _index().get(key) or _index().get("the " + key)


@dataclass(frozen=True)
class Place:
    city: str
    country: str  # alpha-2
    rest: str  # text after the country (a title, in a contents line), or ""


_CITY = re.compile(r"[^\W\d][\w'’.\- ]{0,50}")


def parse_place(line: str, *, allow_rest: bool = False) -> Place | None:
    """Parse "CITY, COUNTRY", "City, Region, Country" or "City (Country)" at the start of a line.

    With ``allow_rest`` the country may be followed by other words (a contents entry: "QUITO,
    ECUADOR Eco-efficiency Ordinance"); otherwise only by a separator (":", "–", "|") and a
    title, or nothing.
    """
    line = squash(line)
    m = re.match(r"([^,()]{1,50})\(([^()]{2,60})\)\s*(.*)$", line)
    if m and _CITY.fullmatch(m.group(1).strip()):
        code = lookup_country(m.group(2))
        if code:
            rest = _rest(m.group(3), allow_rest)
            if rest is not None:
                return Place(m.group(1).strip(), code, rest)
    parts = line.split(",")
    if len(parts) < 2 or not _CITY.fullmatch(parts[0].strip()):
        return None
    city = parts[0].strip()
    if len(city.split()) > 5:
        return None
    for i in range(1, min(len(parts), 3)):
        tail = ",".join(parts[i:]).strip()
        words = tail.split()
        for n in range(min(6, len(words)), 0, -1):
            head = " ".join(words[:n])
            code = lookup_country(head.rstrip(":–—-|"))
            if code:
                after = " ".join(words[n:])
                if head[-1] in ":–—-|" and after:
                    after = ": " + after  # "Colombia: Title" keeps its separator
                rest = _rest(after, allow_rest)
                if rest is None:
                    break
                return Place(city, code, rest)
    return None


def _rest(rest: str, allow_rest: bool) -> str | None:
    rest = rest.strip()
    if not rest:
        return ""
    m = re.match(r"[:–—|\-]\s*(.+)$", rest)
    if m:
        return m.group(1).strip()
    return rest if allow_rest else None


def city_pattern(city: str) -> str:
    """A regex for the city in folded text, tolerant of case, accents, hyphens and spaces."""
    words = re.findall(r"\w+", fold(city))
    return r"(?<!\w)" + r"[\s\-‐'’.]*".join(re.escape(w) for w in words) + r"(?!\w)"


_PARTICLES = {"es", "de", "del", "da", "do", "dos", "das", "la", "le", "les", "el", "of",
              "the", "al", "and", "y", "e", "van", "von", "di", "du", "sur", "upon", "on"}


def best_spelling(name: str, text: str, folded: str) -> str:
    """The most informative spelling of ``name`` found in ``text``.

    Headings and contents pages often set names in capitals and drop hyphens and accents,
    and a hyphen or accent is rarely added by mistake, so mixed case beats capitals, then
    the variant with more hyphens and accents wins, then the most frequent.
    """
    variants: Counter[str] = Counter()
    for m in re.finditer(city_pattern(name), folded):
        variants[squash(text[m.start():m.end()])] += 1

    def rank(v: str) -> tuple[int, int, int]:
        mixed = int(any(c.islower() for c in v) and any(c.isupper() for c in v))
        marks = sum(1 for c in v if c in "-‐'’" or not c.isascii())
        return mixed, marks, variants[v]

    best = max(variants, key=rank) if variants else name
    if best.isupper() or best.islower():
        words = best.lower().split()
        best = " ".join(w if (i and w in _PARTICLES) else w[:1].upper() + w[1:]
                        for i, w in enumerate(words))
    return best
