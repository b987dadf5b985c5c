"""Stated SDGs, award programmes, start year and population in a case study's text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commonground.ingest.text import NUMBER, Text, squash, to_number

# -- SDGs ----------------------------------------------------------------------------------

_GOALS = r"(?:\d{1,2})(?:\s*(?:,|and|&|\+|or)\s*(?:SDGs?\s*)?\d{1,2}(?!\d))*"
SDG_LIST = re.compile(
    rf"\b(?:SDGs?|Sustainable\s+Development\s+Goals?|Global\s+Goals?)\s*[:#]?\s*({_GOALS})"
    rf"(?!\d|\.\d)")
_LABEL = re.compile(r"(?m)(?:^|(?<=\f))[ \t]*(?=[^\n:]{0,60}\bSDGs?\b)"
                    r"([A-Z][\w ,&/-]{0,80}):")


@dataclass(frozen=True)
class Stated:
    goals: tuple[int, ...]
    start: int
    end: int
    sentence: str


def _goals(found: str) -> list[int]:
    return [g for g in (int(n) for n in re.findall(r"\d{1,2}", found)) if 1 <= g <= 17]


def stated_sdgs(text: Text, start: int, end: int) -> Stated | None:
    """The SDGs a case study states, with the sentence that states them.

    Three tiers, the first that yields goals wins: a labelled statement ("SDG Urban
    Partnerships: … (SDGs 8 and 9)"), a bracketed list ("(SDGs 5, 12)"), any "SDGs 1, 5 and
    13" in the text. A labelled or bracketed statement is the document's own summary, so
    passing mentions elsewhere ("consistent with SDG 3") are then left to the SDG mapper.
    """
    seg = text.masked[start:end]
    for label in _LABEL.finditer(seg):
        after = start + label.end()
        m = SDG_LIST.search(text.masked, after, min(end, after + 2000))
        if m:
            s, e = text.sentence_at(m.start())
            s = max(s, start + label.start())
            labelled: list[int] = []
            for mm in SDG_LIST.finditer(text.masked, s, e):
                labelled += [g for g in _goals(mm.group(1)) if g not in labelled]
            if labelled:
                return Stated(tuple(labelled), s, e, _evidence(text, s, e, start + label.end()))
    for tier in (r"\(\s*" + SDG_LIST.pattern + r"\s*\)", SDG_LIST.pattern):
        goals: list[int] = []
        first: tuple[int, int] | None = None
        for m in re.finditer(tier, seg):
            new = [g for g in _goals(m.group(1)) if g not in goals]
            if new and first is None:
                first = text.sentence_at(start + m.start())
            goals += new
        if goals and first is not None:
            return Stated(tuple(goals), first[0], first[1], _evidence(text, *first))
    return None


def _evidence(text: Text, s: int, e: int, after_label: int | None = None) -> str:
    begin = after_label if after_label is not None and s <= after_label < e else s
    return squash(text.masked[begin:e])[:600]


# -- awards --------------------------------------------------------------------------------

AWARD_WORD = re.compile(r"(?i)\b(?:award|prize|medal|honou?rs?)\b")
_PAREN = re.compile(r"\(([^()]{3,200})\)")
_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")


def normalise_programme(name: str) -> str:
    """A short programme name: 'WRI Ross Center Prize for Cities' -> 'Prize for Cities',
    'Guangzhou International Award for Urban Innovation' -> 'Guangzhou Award'."""
    name = squash(_YEAR.sub("", name)).strip(" ,;:-–")
    name = re.sub(r"(?i)^(?:the|a|an)\s+", "", name)
    m = re.search(r"\b(Prize\s+for\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)", name)
    if m:
        return m.group(1)
    m = re.match(r"(?:[A-Z][\w.-]*\s+){0,3}?([A-Z][\w-]+)\s+(?:International\s+|Global\s+|"
                 r"World\s+)?(Award|Prize|Medal)\b", name)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    return name


def split_awards(inner: str) -> list[tuple[str, int | None]]:
    """Programme names in a bracket or list: "(Prize for Cities, Guangzhou Award 2018)"."""
    out: list[tuple[str, int | None]] = []
    for part in re.split(r"\s*(?:[,;/&]|\band\b)\s*", inner):
        if AWARD_WORD.search(part):
            year = _YEAR.search(part)
            name = normalise_programme(part)
            if name and name not in [o[0] for o in out]:
                out.append((name, int(year.group(1)) if year else None))
    return out


@dataclass(frozen=True)
class AwardMention:
    programme: str
    year: int | None
    start: int
    end: int


def award_brackets(text: Text) -> list[AwardMention]:
    """Every bracket in the document that names award programmes."""
    out: list[AwardMention] = []
    for m in _PAREN.finditer(text.masked):
        for name, year in split_awards(m.group(1)):
            out.append(AwardMention(name, year, m.start(), m.end()))
    return out


_WON = re.compile(r"(?i)\b(?:won|wins|winner|winning|awarded|received|finalist|shortlisted|"
                  r"recogni[sz]ed|honou?red|laureate)\b")
_PROGRAMME = re.compile(r"(?:\b(?:[A-Z][\w.&'-]*|of|for|the)\s+){0,7}(?:Award|Prize|Medal)"
                        r"(?:\s+for(?:\s+[A-Z][\w-]*)+)?(?:\s+(?:1[89]|2[01])\d\d)?")


def awards_in_text(text: Text, start: int, end: int) -> list[AwardMention]:
    """Awards named in a case study: "Award(s): …" lines and sentences saying it won one."""
    out: list[AwardMention] = []
    seg = text.masked[start:end]
    for m in re.finditer(r"(?im)(?:^|(?<=\f))[ \t]*(?:awards?|prizes?|recognition)[ \t]*:"
                         r"[ \t]*([^\n\f]+)", seg):
        for name, year in split_awards(m.group(1)):
            out.append(AwardMention(name, year, start + m.start(1), start + m.end(1)))
    for s, e in text.sentences_in(start, end):
        sentence = text.masked[s:e]
        if not _WON.search(sentence):
            continue
        for m in _PROGRAMME.finditer(sentence):
            phrase = m.group(0).strip()
            if not re.match(r"[A-Z]", phrase) and not re.search(r"[A-Z]\w*\s+(?:Award|Prize)",
                                                                phrase):
                continue
            when = _YEAR.search(phrase) or _YEAR.search(sentence)
            name = normalise_programme(re.sub(r"^(?:of|for|the)\s+", "", phrase))
            if len(name.split()) < 2:
                continue
            out.append(AwardMention(name, int(when.group(1)) if when else None, s, e))
    return out


# -- start year and population -------------------------------------------------------------

_START = re.compile(r"(?i)\b(?:launch(?:ed|es)?|start(?:ed|s)?|began|begun|establish(?:ed|es)|"
                    r"found(?:ed|s)|creat(?:ed|es)|initiat(?:ed|es)|introduc(?:ed|es)|"
                    r"passed|adopted|set up|since|open(?:ed|s)|inaugurat(?:ed|es)|pilot(?:ed|ing)|"
                    r"from(?=\s+(?:1[89]|20)\d\d\b))\b")


def start_year(text: Text, start: int, end: int, names: list[str]) -> tuple[int, int, int] | None:
    """(year, sentence start, end) of the first sentence that says the initiative started.

    Sentences naming the initiative (its title or acronym) are preferred to other start
    sentences (e.g. when the organisation behind it was founded); then the earliest.
    """
    candidates: list[tuple[int, int, int, int]] = []
    for s, e in text.sentences_in(start, end):
        sentence = text.masked[s:e]
        verb = _START.search(sentence)
        years = [int(y) for y in _YEAR.findall(sentence)]
        if not verb or not years:
            continue
        low = squash(sentence).lower()
        named = any(n and n.lower() in low for n in names)
        rank = 0 if named else 1
        candidates.append((rank, s, min(years), e))
    if not candidates:
        return None
    rank, s, year, e = min(candidates, key=lambda c: (c[0], c[1]))
    return year, s, e


_POP = re.compile(r"(?i)\b(?:pop\.|population)\s*(?:of\s+)?(?:about\s+|approximately\s+|"
                  r"around\s+|over\s+|more\s+than\s+|nearly\s+|some\s+|roughly\s+|almost\s+|"
                  r"of\s+|:\s*)*(" + NUMBER.pattern + r")(?:\s*(million|thousand|m|bn|billion)"
                  r"\b)?")


def population(text: Text, start: int, end: int) -> tuple[int, int, int] | None:
    """(population, start, end) of the first "population of …" or "(pop. …)" figure."""
    m = _POP.search(text.masked, start, end)
    if not m:
        return None
    value = int(to_number(m.group(1), m.group(2)))
    return (value, m.start(), m.end()) if value >= 100 else None
