"""The SDG framework as package data: 17 goals, 169 targets, indicators, colours, translations.

The data file is built by ``scripts/build_sdg_framework.py`` from the official UN texts as
collected by open-sdg/sdg-translations (see docs/sdg-framework.md). Loading it needs nothing
outside the package.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from commonground.errors import InvalidInput, NotFound

DATA_FILE = "framework.json.gz"
FORMAT_VERSION = 1
DEFAULT_LANGUAGE = "en"

_TARGET_ID = re.compile(r"^(?P<goal>[1-9]|1[0-7])\.(?P<part>[1-9][0-9]?|[a-z])$")
_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")

BLACK = "#000000"
WHITE = "#FFFFFF"


def normalise_lang(lang: str) -> str:
    """BCP 47 spelling: 'nb_NO' -> 'nb-NO'; other case and spelling kept as given."""
    return lang.strip().replace("_", "-")


def _pick(texts: dict[str, str], lang: str) -> str:
    """The text in ``lang``, else in its base language ('es-MX' -> 'es'), else in English."""
    return texts[_pick_language(texts, lang)]


def _pick_language(texts: dict[str, str], lang: str) -> str:
    """The key of ``texts`` that ``_pick`` reads for ``lang``: the language really shown."""
    wanted = normalise_lang(lang)
    if wanted in texts:
        return wanted
    for key in texts:
        if key.lower() == wanted.lower():
            return key
    base = wanted.split("-", 1)[0].lower()
    for key in texts:
        if key.split("-", 1)[0].lower() == base:
            return key
    return DEFAULT_LANGUAGE


#: a language tag as BCP 47 spells it (language, then script, region or variant subtags)
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
#: Chinese tags asking for the traditional script, which the official texts lack
_TRADITIONAL_CHINESE = {"hant", "tw", "hk", "mo"}


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written '#RRGGBB'."""
    if not _HEX_COLOUR.match(colour):
        raise InvalidInput(
            f"colour {colour!r} is not written as '#RRGGBB'; give six hexadecimal digits after '#'"
        )
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours, from 1 (none) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_colour_for(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (ties go to white)."""
    if contrast_ratio(background, BLACK) > contrast_ratio(background, WHITE):
        return BLACK
    return WHITE


class _Titled:
    """A target's or an indicator's official title, by language."""

    title: dict[str, str]

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The official text in ``lang`` (English where that language lacks it)."""
        return _pick(self.title, lang)

    def text_language(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The language ``text(lang)`` is in: ``lang``, or English where it lacks the text."""
        return _pick_language(self.title, lang)


@dataclass(frozen=True)
class Indicator(_Titled):
    id: str
    target: str
    title: dict[str, str]


@dataclass(frozen=True)
class Target(_Titled):
    id: str
    goal: int
    title: dict[str, str]
    indicators: list[Indicator]


@dataclass(frozen=True)
class Goal:
    number: int
    short: dict[str, str]
    title: dict[str, str]
    colour: str
    text_colour: str
    targets: list[Target]

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The short title ('Sustainable cities and communities'), English as fallback."""
        return _pick(self.short, lang)

    def long(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The full official goal title, English as fallback."""
        return _pick(self.title, lang)


@dataclass(frozen=True)
class Framework:
    goals: list[Goal]
    languages: list[str]
    attribution: str
    _targets: dict[str, Target] = field(init=False, repr=False, compare=False)
    _indicators: dict[str, Indicator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        targets = {t.id: t for g in self.goals for t in g.targets}
        indicators = {i.id: i for t in targets.values() for i in t.indicators}
        object.__setattr__(self, "_targets", targets)
        object.__setattr__(self, "_indicators", indicators)

    @property
    def targets(self) -> list[Target]:
        """All 169 targets, in goal order then official order (1.1 … 1.b, 2.1 …)."""
        return list(self._targets.values())

    @property
    def indicators(self) -> list[Indicator]:
        return list(self._indicators.values())

    def check_language(self, lang: str) -> str:
        """The framework's own code for ``lang`` ('es-ES' -> 'es', 'zh' -> 'zh-Hans'), or
        InvalidInput listing the languages there are: for a tag that is not one, a language
        without texts, or traditional Chinese (the texts are simplified)."""
        wanted = normalise_lang(lang)
        available = sorted(self.languages)
        listed = ", ".join(available)
        if not _LANGUAGE_TAG.match(wanted):
            raise InvalidInput(f"language {lang!r} is not a language tag; use one of {listed}",
                               detail={"lang": lang, "available": available})
        parts = wanted.lower().split("-")
        # a region alone implies its script (zh-TW: traditional); an explicit script wins
        if parts[0] == "zh" and "hans" not in parts and _TRADITIONAL_CHINESE & set(parts[1:]):
            raise InvalidInput(f"language {lang!r}: the SDG texts are in simplified Chinese "
                               "only; use zh-Hans", detail={"lang": lang, "available": available})
        code = _pick_language(dict.fromkeys(self.languages, ""), wanted)
        if code == DEFAULT_LANGUAGE and parts[0] != DEFAULT_LANGUAGE:
            raise InvalidInput(f"language {lang!r} has no SDG texts; use one of {listed}",
                               detail={"lang": lang, "available": available})
        return code

    def goal(self, n: int) -> Goal:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(self.goals):
            raise NotFound(
                f"SDG goal {n!r} does not exist; goals are numbered 1 to {len(self.goals)}"
            )
        return self.goals[n - 1]

    def target(self, tid: str) -> Target:
        key = str(tid).strip()
        found = self._targets.get(key)
        if found is None:
            if not _TARGET_ID.match(key):
                raise NotFound(
                    f"SDG target {tid!r} is not a target id; write it as goal.number or "
                    "goal.letter, such as '11.2' or '6.a'"
                )
            raise NotFound(
                f"SDG target {tid!r} does not exist; see the targets of goal "
                f"{key.split('.')[0]} for the valid ids"
            )
        return found

    def target_text(self, tid: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """The official text of target ``tid`` in ``lang`` (English where that language
        lacks it), or '' for an id this framework lacks (a model of one's own may name
        one): for labels next to a model's answer, where a missing title must not fail."""
        found = self._targets.get(str(tid).strip())
        return found.text(lang) if found is not None else ""

    def indicator(self, iid: str) -> Indicator:
        found = self._indicators.get(str(iid).strip())
        if found is None:
            raise NotFound(
                f"SDG indicator {iid!r} does not exist; indicator ids look like '11.2.1'"
            )
        return found


def parse_target_id(tid: str) -> tuple[int, str]:
    """'6.a' -> (6, 'a'); '11.2' -> (11, '2'). Raises InvalidInput for anything else."""
    m = _TARGET_ID.match(str(tid).strip())
    if m is None:
        raise InvalidInput(
            f"{tid!r} is not an SDG target id; write goal.number or goal.letter, such as '6.a'"
        )
    return int(m["goal"]), m["part"]


def from_dict(data: dict[str, Any]) -> Framework:
    """Build a Framework from the package data's JSON shape (see the build script)."""
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise InvalidInput(
            f"SDG framework data has format_version {version!r}, expected {FORMAT_VERSION}; "
            "rebuild it with scripts/build_sdg_framework.py"
        )
    indicators: dict[str, list[Indicator]] = {}
    for row in data["indicators"]:
        ind = Indicator(id=row["id"], target=row["target"], title=dict(row["title"]))
        indicators.setdefault(ind.target, []).append(ind)
    targets: dict[int, list[Target]] = {}
    for row in data["targets"]:
        t = Target(
            id=row["id"],
            goal=int(row["goal"]),
            title=dict(row["title"]),
            indicators=indicators.get(row["id"], []),
        )
        targets.setdefault(t.goal, []).append(t)
    goals = [
        Goal(
            number=int(row["number"]),
            short=dict(row["short"]),
            title=dict(row["title"]),
            colour=row["colour"],
            text_colour=row["text_colour"],
            targets=targets.get(int(row["number"]), []),
        )
        for row in sorted(data["goals"], key=lambda r: int(r["number"]))
    ]
    return Framework(goals=goals, languages=list(data["languages"]),
                     attribution=str(data["attribution"]))


@lru_cache(maxsize=1)
def framework() -> Framework:
    """The SDG framework shipped with the package (loaded once per process)."""
    raw = resources.files("commonground.sdg").joinpath("data", DATA_FILE).read_bytes()
    return from_dict(json.loads(gzip.decompress(raw).decode("utf-8")))
