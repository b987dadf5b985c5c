"""Partner organisations named in a case study, with a guess at their sector and role.

Names come from three kinds of cue: capitalised names that contain an organisation word
("University of Cape Town", "Mahila Housing Trust"); appositions that say what an
organisation is ("Green Cape, a not-for-profit company"; "a local NGO, the Center for …");
and verbs of partnership ("funded by the City of Cape Town", "with support from …").
The sector is guessed from the description when there is one, else from the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commonground.ingest.places import lookup_country
from commonground.ingest.text import Text, fold, squash

_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'&-]*|\d+[A-Z][\w-]*)"
# a space or one line break (a name wraps in a PDF, but never across a blank line)
_SP = r"(?:[ \t]+\n?[ \t]*|\n[ \t]*)"
_JOIN = rf"(?:(?:{_SP}(?:of|for|the|de|del|la|le|des|du|on|and(?!\s+the\b)))+{_SP}|{_SP}|-)"
NAME = rf"{_TOKEN}(?:{_JOIN}{_TOKEN})*"
_NAME_RE = re.compile(NAME)

_ACADEMIC = re.compile(r"\b(?:University|Universities|College|Polytechnic|Academy|"
                       r"Institute of Technology|School of|Research Cent(?:er|re)|universit\w*)",
                       re.I)
_INTERNATIONAL = re.compile(r"(?:^|\b)(?:United Nations|UN-\w+|UN\b|UNDP|UNEP|UNICEF|UNESCO|"
                            r"World Bank|World Health Organi[sz]ation|WHO|OECD|European Union|"
                            r"European Commission|EU\b|Inter-American|African Development Bank|"
                            r"Asian Development Bank|international organi[sz]ations?|"
                            r"multilateral)")
_CIVIL = re.compile(r"\b(?:Foundation|Trust|NGOs?|Charity|charities|Association|Society|"
                    r"Alliance|Network|Federation|Cooperative|Co-operative|non-profit|nonprofit|"
                    r"not-for-profit|non-governmental|civil society|community organi[sz]ations?|"
                    r"social enterprise|think tank|Movement|Club)\b", re.I)
_PUBLIC = re.compile(r"(?:^(?:City|Municipality|Government|County|State|Province|Region|"
                     r"Republic) of\b|\b(?:Municipal|Municipality|Council|Government|Ministry|"
                     r"Department|Agency|Authority|Commission|Mayor|Metropolitan Corporation|"
                     r"public agency|public utility|local authorit\w+|state-owned|"
                     r"government-owned|publicly owned|Centers for Disease Control)\b|"
                     r"^(?:U\.S\.|US|UK|National|Federal|State)\s)", re.I)
_PRIVATE = re.compile(r"\b(?:Company|Companies|Ltd|Limited|Inc|LLC|GmbH|PLC|plc|S\.A\.|Corp|"
                      r"Corporation|Group|Holdings|Bank|Enterprises|Industries|Energy|"
                      r"private sector|private compan\w+|firm|start-?up)\b", re.I)
_CUE = re.compile(r"\b(?:University|College|Polytechnic|Academy|Institute|Foundation|Trust|NGO|"
                  r"Association|Society|Alliance|Network|Federation|Cooperative|Council|"
                  r"Municipality|Municipal|Government|Ministry|Department|Agency|Authority|"
                  r"Commission|Company|Ltd|Inc|LLC|GmbH|Corporation|Bank|Cent(?:er|re)s?|"
                  r"Organi[sz]ation|Union|Committee|Working Group|Platform|United Nations|"
                  r"Services?)\b|"
                  r"^City of\b|^UN-")
_NOT_ORG_END = re.compile(r"\b(?:Program|Programme|Plan|Policy|Project|Initiative|Ordinance|"
                          r"Award|Prize|Journal|Framework|Strategy|Act|Law|Parks?|Exhibition|"
                          r"Pact|Day|River|Region|Action)$")

_DESC = (r"(?:non-profit|nonprofit|not-for-profit|NGO|non-governmental organi[sz]ation|charity|"
         r"company|firm|university|agency|foundation|organi[sz]ation|cooperative|association|"
         r"network|institute|start-?up|social enterprise|think tank|consultancy|authority|"
         r"trust|research cent(?:er|re)|government|municipality)")
_APPOS_AFTER = re.compile(rf"({NAME}),\s+(?:[^,.]{{1,40}},\s+)?(?:is\s+)?(?:a|an)\s+"
                          rf"((?:[\w-]+\s+){{0,4}}{_DESC})\b")
_APPOS_BEFORE = re.compile(rf"\b(?:[Aa]n?)\s+((?:[\w-]+\s+){{0,3}}{_DESC})[,:]?\s+(?:the\s+)?"
                           rf"({NAME})")
_LIST = re.compile(r"(?i)\b((?:international|local|national|regional|private|public|civil "
                   r"society|community|academic|non-governmental|government|research)\s+"
                   r"(?:organi[sz]ations|partners|agencies|institutions|companies|NGOs|"
                   r"universities|groups|bodies|networks))\s*,?\s*(?:including|such as|like|"
                   r"namely)\s+([^.;]{3,400})")
_VERBS = [
    (r"(?:funded|financed|sponsored|paid for)\s+by", "funder"),
    (r"(?:grant|funding|donation)s?\s+from", "funder"),
    (r"(?:delivered|implemented|run|managed|operated|coordinated)\s+by", "implementer"),
    (r"led\s+by", "lead"),
    (r"(?:with\s+(?:the\s+)?support\s+(?:of|from)|supported\s+by)", "supporter"),
    (r"(?:in\s+partnership\s+with|partnered\s+with|partnership\s+(?:in\s+\d{4}\s+)?with|"
     r"in\s+collaboration\s+with|collaborat(?:es|ed|ing)\s+with|cooperates\s+with|"
     r"working\s+with|worked\s+(?:alongside|with))", "partner"),
]


@dataclass
class FoundPartner:
    name: str
    sector: str | None
    role: str | None
    start: int
    end: int


def guess_sector(name: str, description: str = "") -> str | None:
    """public, private, civil_society, academic or international, from cue words."""
    for text in (squash(description), squash(name)):
        if not text:
            continue
        if _ACADEMIC.search(text):
            return "academic"
        if _CIVIL.search(text) and not _INTERNATIONAL.search(text[:3]):
            return "civil_society"
        if _INTERNATIONAL.search(text):
            return "international"
        if _PUBLIC.search(text):
            return "public"
        if _PRIVATE.search(text):
            return "private"
        if text == squash(name) and lookup_country(text.split()[0]) and _CUE.search(text):
            return "public"  # "Kenya Forest Service": a national body
        if re.search(r"(?i)\bInstitute\b|\bCent(?:er|re)\b", text):
            return "academic" if text == squash(name) else "civil_society"
    return None


def _clean(name: str) -> str:
    name = squash(name).strip(" ,.;:’'")
    name = re.sub(r"[’']s$", "", name)
    name = re.sub(r"^(?:The|the|A|An)\s+", "", name)
    return name


_DEFINITION = re.compile(rf"({NAME})\s*\(([A-Z][A-Za-z-]{{1,10}})\)")
_VERB_RES = [(re.compile(rf"\b{verb}\s+(?:the\s+)?({NAME})"), role) for verb, role in _VERBS]


def _acronyms(text: str, start: int, end: int) -> dict[str, tuple[str, int]]:
    """"Long Name (LN)" definitions whose letters are the long name's initials, in order:
    ``{short: (long, offset of the definition)}``."""
    out: dict[str, tuple[str, int]] = {}
    for m in _DEFINITION.finditer(text, start, end):
        long, short = _clean(m.group(1)), m.group(2)
        initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w’'-]*", long)).upper()
        letters = re.sub(r"[^A-Z]", "", short)
        it = iter(initials)
        if letters and all(ch in it for ch in letters) and short not in out:
            out[short] = (long, m.start(1))
    return out


def _split_and(name: str) -> list[tuple[str, int]]:
    """"Kenya Forest Service and Strathmore University" is two organisations; "Centers for
    Disease Control and Prevention" is one: split at "and" only if both sides have a cue."""
    for m in re.finditer(r"\s+and\s+", name):
        left, right = name[:m.start()], name[m.end():]
        if _CUE.search(left) and _CUE.search(_clean(right)):
            return [(left, 0), *[(p, m.end() + o) for p, o in _split_and(right)]]
    return [(name, 0)]


def find_partners(text: Text, start: int, end: int, *, exclude: list[str]) -> list[FoundPartner]:
    """Organisations in the case study; names inside ``exclude`` (title, city) are skipped."""
    masked = text.masked
    found: dict[str, FoundPartner] = {}
    skip = [fold(x) for x in exclude if x]
    acronyms = _acronyms(masked, start, end)

    def add(raw: str, s: int, sector: str | None = None, role: str | None = None,
            description: str = "") -> None:
        for part, offset in _split_and(raw):
            add_one(part, s + offset, sector, role, description)

    def add_one(raw: str, s: int, sector: str | None, role: str | None,
                description: str) -> None:
        # a possessive splits "the UK’s National Programme" into two names
        raw = re.split(r"[’']s\s", raw)[-1]
        name = _clean(raw)
        if name in acronyms:
            name, s = acronyms[name]  # cite the definition, where the full name stands
        if len(name) < 2 or not name[0].isupper() or (_NOT_ORG_END.search(name) and not (
                _CUE.search(name) and re.search(r"United Nations|UN-", name))):
            return
        if lookup_country(name) or any(fold(name) in x or x == fold(name) for x in skip):
            return
        if re.fullmatch(r"(?:In|On|At|By|With|For|When|Then|After|Since|This|These|It|Its|"
                        r"Today|Between|Over|During|Meanwhile|Together)", name):
            return
        key = fold(name)
        sector = sector or guess_sector(name, description)
        found_at = masked.find(name, s, s + len(raw) + len(name) + 8)
        s = found_at if found_at >= 0 else s
        current = found.get(key)
        if current is None:
            found[key] = FoundPartner(name, sector, role, s, s + len(name))
        else:
            current.sector = current.sector or sector
            current.role = current.role or role

    for m in _APPOS_AFTER.finditer(masked, start, end):
        add(m.group(1), m.start(1), description=m.group(2))
    for m in _APPOS_BEFORE.finditer(masked, start, end):
        add(m.group(2), m.start(2), description=m.group(1))
    for m in _LIST.finditer(masked, start, end):
        sector = guess_sector("", m.group(1))
        for part in m.group(2).split(","):
            for nm in _NAME_RE.finditer(part):
                add(nm.group(0), m.start(2) + m.group(2).find(part), sector=sector)
    for rx, role in _VERB_RES:
        for m in rx.finditer(masked, start, end):
            add(m.group(1), m.start(1), role=role)
            tail = masked[m.end(1):m.end(1) + 200]
            more = re.match(rf"(?:\s*\([^)]{{1,20}}\))?\s*(?:,|and)\s+(?:the\s+)?({NAME})", tail)
            if more:
                add(more.group(1), m.end(1) + more.start(1), role=role)
    for m in _NAME_RE.finditer(masked, start, end):
        name = m.group(0)
        if " " in name and _CUE.search(_clean(name)):
            add(name, m.start())
    return sorted(found.values(), key=lambda p: p.start)
