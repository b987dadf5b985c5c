"""Quantified facts in a case study: money, percentages, areas, tonnes, people, durations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commonground.ingest.text import NUMBER, NUMBER_WORDS, Text, squash, to_number

_N = NUMBER.pattern
_SCALE = r"(?:\s*(million|billion|thousand|bn|mn|m|k)\b)?"
_CURRENCY = {"us$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP",
             "gbp": "GBP", "₹": "INR", "inr": "INR", "rs": "INR", "rs.": "INR", "r": "ZAR",
             "zar": "ZAR", "¥": "CNY", "rmb": "CNY", "cny": "CNY", "kes": "KES", "ksh": "KES"}
_CURRENCY_WORD = {"dollars": "USD", "us dollars": "USD", "euros": "EUR", "euro": "EUR",
                  "pounds": "GBP", "rupees": "INR", "rand": "ZAR", "yuan": "CNY"}
_PEOPLE = (r"people|persons|residents|inhabitants|families|households|children|women|men|"
           r"girls|boys|youth|students|pupils|farmers|workers|jobs|beneficiaries|members|"
           r"companies|businesses|firms|organi[sz]ations|schools|lives|volunteers|"
           r"participants|citizens|homes|houses|dwellings|trees|gardens|initiatives|vehicles")

_ISO = ("USD|EUR|GBP|INR|ZAR|CNY|KES|KRW|JPY|BRL|MXN|COP|ARS|CLP|PEN|NGN|RWF|TZS|UGX|GHS|"
        "EGP|MAD|IDR|PHP|THB|VND|MYR|SGD|AUD|CAD|CHF|SEK|NOK|DKK|PLN|TRY")
_MONEY = re.compile(rf"(?i)(US\$|\$|€|£|₹|¥|\bRs\.?|\bRMB|\bKsh|(?-i:\bR)(?=\s?\d)|"
                    rf"(?-i:\b(?:{_ISO})))\s?({_N}){_SCALE}")
_MONEY_AFTER = re.compile(rf"(?i)\b({_N}){_SCALE}\s+(US dollars|dollars|euros?|pounds|rupees|"
                          rf"rand|yuan)\b")
_PERCENT = re.compile(rf"(?i)\b({_N})\s?(%|percent\b|per\s+cent\b)")
_AREA = re.compile(rf"(?i)\b({_N}){_SCALE}\s*(hectares|hectare|ha|acres|square\s+kilomet(?:er|re)s?"
                   rf"|km2|km²|square\s+met(?:er|re)s?|m2|m²)\b")
_MASS = re.compile(rf"(?i)\b({_N}){_SCALE}\s*(?:metric\s+)?(tonnes|tons|tonne|ton|t|kilograms|kg)"
                   rf"\b(?:\s+of\s+((?:CO2|CO₂|carbon(?:\s+dioxide)?|waste|food|[a-z]+)"
                   rf"(?:\s+(?:equivalent|emissions))?))?")
_COUNT = re.compile(rf"(?i)\b({_N}){_SCALE}\s+(?:[a-z]+-[a-z]+\s+|new\s+|more\s+|additional\s+|"
                    rf"local\s+|young\s+|low-income\s+|poor\s+)?({_PEOPLE})\b(?!\s+per\b)")
_DURATION = re.compile(r"(?i)\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")\s+years?\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class Found:
    value: float
    unit: str
    start: int
    end: int
    sentence: tuple[int, int]
    description: str
    year: int | None


def _unit_mass(word: str, what: str | None) -> str:
    unit = "kg" if word.lower() in ("kilograms", "kg") else "t"
    if what:
        what = what.lower().replace("₂", "2")
        return f"{unit} {'CO2' if what.startswith('co2') else what.split()[0]}"
    return unit


def _unit_area(word: str) -> str:
    w = word.lower()
    if w.startswith(("hectare", "ha")):
        return "ha"
    if w.startswith("acre"):
        return "acres"
    if "kilomet" in w or w.startswith("km"):
        return "km²"
    return "m²"


def find_outcomes(text: Text, start: int, end: int) -> list[Found]:
    """Every quantity with a unit in the case study, each with its sentence and year."""
    hits: list[tuple[int, int, float, str]] = []
    seg_from, seg_to = start, end
    masked = text.masked

    def add(m: re.Match[str], value: float, unit: str) -> None:
        if any(not (m.end() <= s or m.start() >= e) for s, e, _, _ in hits):
            return
        hits.append((m.start(), m.end(), value, unit))

    for m in _MONEY.finditer(masked, seg_from, seg_to):
        symbol = m.group(1)
        add(m, to_number(m.group(2), m.group(3)),
            symbol if re.fullmatch(_ISO, symbol) else _CURRENCY.get(symbol.lower(), "USD"))
    for m in _MONEY_AFTER.finditer(masked, seg_from, seg_to):
        add(m, to_number(m.group(1), m.group(2)), _CURRENCY_WORD.get(m.group(3).lower(), "USD"))
    for m in _PERCENT.finditer(masked, seg_from, seg_to):
        add(m, to_number(m.group(1)), "%")
    for m in _AREA.finditer(masked, seg_from, seg_to):
        add(m, to_number(m.group(1), m.group(2)), _unit_area(m.group(3)))
    for m in _MASS.finditer(masked, seg_from, seg_to):
        if m.group(3).lower() == "t" and not m.group(4):
            continue
        add(m, to_number(m.group(1), m.group(2)), _unit_mass(m.group(3), m.group(4)))
    for m in _COUNT.finditer(masked, seg_from, seg_to):
        if _YEAR.fullmatch(m.group(1)) and not m.group(2):
            continue
        add(m, to_number(m.group(1), m.group(2)), m.group(3).lower())
    for m in _DURATION.finditer(masked, seg_from, seg_to):
        raw = m.group(1).lower()
        if re.search(r"(?i)\b(?:old|aged?)\s*$", masked[m.end():m.end() + 5]):
            continue
        add(m, float(int(raw) if raw.isdigit() else NUMBER_WORDS[raw]), "years")
    out: list[Found] = []
    for s, e, value, unit in sorted(hits):
        sent = text.sentence_at(s)
        if sent == (s, s):
            sent = (s, e)
        out.append(Found(value, unit, s, e, sent, _describe(text, sent, s, e),
                         _year_near(masked, sent, s, e)))
    return out


def _describe(text: Text, sentence: tuple[int, int], s: int, e: int, limit: int = 300) -> str:
    full = squash(text.masked[sentence[0]:sentence[1]])
    if len(full) <= limit:
        return full
    # keep the clause around the figure
    a = max(sentence[0], s - limit // 2)
    b = min(sentence[1], e + limit // 2)
    return ("…" if a > sentence[0] else "") + squash(text.masked[a:b]) + (
        "…" if b < sentence[1] else "")


def _year_near(masked: str, sentence: tuple[int, int], s: int, e: int) -> int | None:
    best: tuple[int, int] | None = None
    for m in _YEAR.finditer(masked, sentence[0], sentence[1]):
        if s <= m.start() < e:
            continue
        distance = min(abs(m.start() - s), abs(m.start() - e))
        if best is None or distance < best[0]:
            best = (distance, int(m.group(1)))
    return best[1] if best else None
