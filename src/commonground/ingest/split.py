"""Split a report into case studies.

Cues, strongest first:

1. a contents page whose entries name a place ("03 QUITO, ECUADOR Eco-efficiency … 6"): it
   says how many case studies there are and their titles; each title is then found where it
   stands as a heading in the body (not in a running sentence, not in a list that follows
   it with an award in brackets), together with the number and place lines just above it;
2. "CITY, COUNTRY" lines (optionally numbered, optionally followed by ": title");
3. numbered headings ("## 2. Title", "Case study 3");
4. otherwise the whole document is one case study.

A case study ends where the next begins, or at a heading that closes the series: a contents
entry that is not a case study (e.g. "Conclusion"), a heading of a higher level, or a
heading such as "References" or "Annex".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from commonground.ingest.places import Place, city_pattern, lookup_country, parse_place
from commonground.ingest.text import Line, Text, fold, squash, words_pattern


@dataclass(frozen=True)
class GuideEntry:
    number: int | None
    title: str
    place: Place | None
    page: int | None


@dataclass(frozen=True)
class Guide:
    start: int
    end: int
    entries: tuple[GuideEntry, ...]

    @property
    def cases(self) -> list[GuideEntry]:
        return [e for e in self.entries if e.place is not None]

    @property
    def others(self) -> list[GuideEntry]:
        return [e for e in self.entries if e.place is None]


@dataclass
class CaseStudy:
    start: int
    end: int
    title: str
    title_span: tuple[int, int]
    city: str | None = None
    country: str | None = None
    place_span: tuple[int, int] | None = None
    number: int | None = None
    printed_page: int | None = None
    heading_level: int = 0


_NUMBER_LINE = re.compile(
    r"(?i)(?:(?:case study|case|chapter|section|part|initiative|no\.?)\s*)?0?(\d{1,3})[.):]?")
_NUMBER_PREFIX = re.compile(
    r"(?i)^(?:(?:case study|case|chapter|section|part|initiative|no\.?)\s*)?0?(\d{1,3})"
    r"(?:\s*[.):\-–—]\s*|\s+)")
_ENTRY = re.compile(r"(?:(\d{1,2})[.):]?\s+)?(\D.{0,160}?)\s*(?:\.{2,}|…+|\s)\s*(\d{1,4})")
_CLOSING = re.compile(r"(?i)(?:conclusions?|references|bibliography|acknowledge?ments?|annex|"
                      r"appendix|appendices|notes|endnotes|further reading|about (?:the|this|us)"
                      r"|contacts?|glossary)\b")


def number_of(line: Line) -> int | None:
    m = _NUMBER_LINE.fullmatch(line.text)
    return int(m.group(1)) if m else None


def _title_like(line: Line, text: Text) -> bool:
    return (bool(line.text) and len(line.text) < max(0.7 * text.wide, 30)
            and len(line.text) <= 160 and line.text[0].isupper()
            and not re.search(r"[.;,]$", line.text)
            and not re.match(r"[A-Z][\w ]{0,24}:\s", line.text))  # "Award: …" metadata


# -- contents page -------------------------------------------------------------------------

def parse_guide(text: Text) -> Guide | None:
    lines = text.lines
    for i, line in enumerate(lines):
        if not re.fullmatch(r"(?i)(?:table of )?contents", line.text.strip(" :")):
            continue
        entries: list[GuideEntry] = []
        pending: list[Line] = []
        end = line.end
        for nxt in lines[i + 1:i + 120]:
            if nxt.blank or re.fullmatch(r"[-_=*\s]+", nxt.text):
                continue
            if entries and (nxt.level or len(nxt.text) > 200):
                break
            candidate = squash(" ".join(p.text for p in [*pending, nxt]))
            m = _ENTRY.fullmatch(candidate)
            if m:
                body = m.group(2).strip()
                place = parse_place(body, allow_rest=True)
                if place is not None and not place.rest:
                    place = None
                entries.append(GuideEntry(int(m.group(1)) if m.group(1) else None,
                                          place.rest if place else body, place,
                                          int(m.group(3))))
                pending = []
                end = nxt.end
            else:
                pending.append(nxt)
                if len(pending) > 2:
                    break
        guide = Guide(line.start, end, tuple(entries))
        if guide.cases:
            return guide
    return None


# -- locating contents entries in the body -------------------------------------------------

def _variants(title: str) -> list[str]:
    out = [title]
    short = re.sub(r"\s*\([A-Za-z0-9&\-]{2,12}\)\s*$", "", title)
    if short != title and short:
        out.append(short)
    return out


_AWARD_PAREN = re.compile(r"\s*(?:\([A-Za-z0-9&\-]{2,12}\)\s*)?\([^()]{0,120}"
                          r"\b(?:award|prize|medal|winner|finalist)", re.I)


def _header_above(text: Text, index: int, entry: GuideEntry | None) -> list[int]:
    """Indexes of number and place lines right above line ``index`` (at most three)."""
    found: list[int] = []
    j = index - 1
    while j >= 0 and len(found) < 3:
        line = text.lines[j]
        if line.blank:
            j -= 1
            continue
        is_place = parse_place(_strip_number(line.text)) is not None
        if entry is not None and entry.place is not None and not is_place:
            is_place = bool(re.fullmatch(city_pattern(entry.place.city) + r".{0,40}",
                                         fold(line.text)))
        if number_of(line) is None and not is_place:
            break
        found.append(j)
        j -= 1
    return found


def _title_matches(text: Text, title: str, skip_start: int,
                   skip_end: int) -> Iterator[tuple[re.Match[str], int]]:
    """Each occurrence (match, line index) of a spelling of ``title`` outside a span."""
    for variant in _variants(title):
        pattern = words_pattern(variant)
        if pattern is None:
            continue
        for m in re.finditer(pattern, text.folded):
            if not skip_start <= m.start() < skip_end:
                yield m, text.line_at(m.start())


def _locate(text: Text, entry: GuideEntry, guide: Guide) -> tuple[int, int, int] | None:
    """(score, start, end) of the best heading-like occurrence of the entry's title."""
    best: tuple[int, int, int] | None = None
    for m, idx in _title_matches(text, entry.title, guide.start, guide.end):
        line = text.lines[idx]
        score = 0
        before = text.masked[line.start:m.start()]
        score += 2 if not before.strip() else -3
        after = text.masked[m.end():text.lines[text.line_at(m.end())].end]
        if not re.sub(r"^\s*\([A-Za-z0-9&\-]{2,12}\)", "", after).strip():
            score += 2
        if _AWARD_PAREN.match(text.masked, m.end()):
            score -= 5
        if _header_above(text, idx, entry):
            score += 2
        if line.level:
            score += 1
        if best is None or score > best[0]:
            best = (score, m.start(), m.end())
    return best if best is not None and best[0] >= 1 else None


def _strip_number(line: str) -> str:
    return _NUMBER_PREFIX.sub("", line, count=1)


def _from_guide(text: Text, guide: Guide) -> list[CaseStudy]:
    cases: list[CaseStudy] = []
    for entry in guide.cases:
        found = _locate(text, entry, guide)
        if found is None:
            continue
        _, start, end = found
        idx = text.line_at(start)
        above = _header_above(text, idx, entry)
        first = min([idx, *above])
        place_span = None
        for j in above:
            if number_of(text.lines[j]) is None:
                place_span = (text.lines[j].start, text.lines[j].end)
        assert entry.place is not None
        # a heading broken over two lines leaves "(ACRONYM)" on the next one
        tail = re.compile(r"\s*\([A-Za-z0-9&\-]{2,12}\)").match(text.masked, end)
        if tail and tail.group(0).strip() in entry.title:
            end = tail.end()
        title_end = text.lines[text.line_at(end)].end
        cases.append(CaseStudy(
            start=text.lines[first].start, end=len(text.raw),
            title=squash(text.masked[start:title_end]), title_span=(start, title_end),
            city=entry.place.city, country=entry.place.country, place_span=place_span,
            number=entry.number, printed_page=entry.page, heading_level=text.lines[idx].level))
    return cases


# -- without a contents page ---------------------------------------------------------------

def _place_lines(text: Text) -> list[tuple[int, Place]]:
    out: list[tuple[int, Place]] = []
    for i, line in enumerate(text.lines):
        if line.blank or len(line.text) > 150 or line.text.endswith("."):
            continue
        place = parse_place(_strip_number(line.text))
        if place is not None:
            out.append((i, place))
    return out


def _heading_below(text: Text, i: int) -> int | None:
    """Index of the heading right below place line ``i`` (its title), if there is one."""
    line = text.lines[i]
    for j in range(i + 1, min(len(text.lines), i + 5)):
        nxt = text.lines[j]
        if nxt.blank:
            continue
        if nxt.level and (not line.level or nxt.level >= line.level) and number_of(nxt) is None:
            return j
        return None
    return None


def _from_place_lines(text: Text, found: list[tuple[int, Place]]) -> list[CaseStudy]:
    cases: list[CaseStudy] = []
    lines = text.lines
    for i, place in found:
        line = lines[i]
        below = _heading_below(text, i)
        block = [i]
        j = i - 1
        while j >= 0 and i - j <= 4:
            prev = lines[j]
            if prev.blank:
                j -= 1
                continue
            # a heading above is this case study's title unless it is a parent of the one below
            heading_above = bool(prev.level) and (not line.level or prev.level >= line.level) \
                and (below is None or prev.level >= lines[below].level)
            if number_of(prev) is not None or heading_above:
                block.insert(0, j)
                j -= 1
                if heading_above and number_of(prev) is None:
                    break  # one title heading; the one above it heads the whole report
                continue
            break
        title_idx: int | None = next((k for k in block if k != i and lines[k].level
                                      and number_of(lines[k]) is None), below)
        j = i + 1
        while title_idx is None and j < len(lines) and j - i <= 4:
            nxt = lines[j]
            if nxt.blank:
                j += 1
                continue
            if not line.level and not nxt.level and _title_like(nxt, text):
                title_idx = j
            break
        if title_idx is None:
            for k in block:
                if k != i and number_of(lines[k]) is None:
                    title_idx = k
        number = next((number_of(lines[k]) for k in block if number_of(lines[k])), None)
        m = _NUMBER_PREFIX.match(line.text)
        if number is None and m:
            number = int(m.group(1))
        if title_idx is not None:
            tl = lines[title_idx]
            title, span = squash(_strip_number(tl.text)), (tl.start, tl.end)
        elif place.rest:
            title, span = place.rest, (line.start, line.end)
        else:
            title, span = "", (line.start, line.end)
        cases.append(CaseStudy(
            start=lines[block[0]].start, end=len(text.raw), title=title, title_span=span,
            city=place.city, country=place.country, place_span=(line.start, line.end),
            number=number, heading_level=line.level or (lines[title_idx].level
                                                        if title_idx is not None else 0)))
    return cases


def _from_numbered_headings(text: Text) -> list[CaseStudy]:
    cases: list[CaseStudy] = []
    for line in text.lines:
        if not line.level:
            continue
        m = _NUMBER_PREFIX.match(line.text)
        if m and len(line.text) > m.end():
            cases.append(CaseStudy(start=line.start, end=len(text.raw),
                                   title=squash(line.text[m.end():]),
                                   title_span=(line.start, line.end), number=int(m.group(1)),
                                   heading_level=line.level))
    numbers = [c.number for c in cases]
    if len(cases) >= 2 and numbers == list(range(numbers[0] or 1, (numbers[0] or 1) + len(cases))):
        return cases
    return []


def _whole(text: Text) -> list[CaseStudy]:
    heads = [line for line in text.lines if line.level]
    top = min(heads, key=lambda h: (h.level, h.start)) if heads else next(
        (line for line in text.lines if line.text), None)
    if top is None:
        return []
    return [CaseStudy(start=0, end=len(text.raw), title=squash(top.text),
                      title_span=(top.start, top.end), heading_level=top.level)]


# -- ends ----------------------------------------------------------------------------------

def _closes(line: Line, case: CaseStudy, guide: Guide | None) -> bool:
    if line.blank:
        return False
    if case.heading_level and line.level and line.level < case.heading_level:
        return True
    short = len(line.text) <= 60 and not line.text.endswith(".")
    if (line.level or short) and _CLOSING.fullmatch(line.text.strip(" :").split(":")[0]):
        return True
    if guide is not None and short:
        return any(fold(squash(line.text)) == fold(e.title) for e in guide.others)
    return False


def _sibling_sections(text: Text, case: CaseStudy) -> list[CaseStudy]:
    """Headings at the level of the case study's own title inside it: case studies that have
    no place line of their own (their place is looked up later)."""
    out: list[CaseStudy] = []
    if not case.heading_level:
        return out
    for line in text.lines[text.line_at(case.title_span[1]) + 1:]:
        if line.start >= case.end:
            break
        if line.level == case.heading_level and number_of(line) is None:
            out.append(CaseStudy(start=line.start, end=case.end, title=squash(line.text),
                                 title_span=(line.start, line.end),
                                 heading_level=line.level))
    return out


def _has_body(text: Text, case: CaseStudy) -> bool:
    """At least one real sentence after the header: entries of a list of initiatives (title,
    place and award, no prose) are not case studies."""
    return any(len(text.masked[s:e].strip()) >= 20 and re.search(r"[.!?]['\"’”)]*$",
                                                                  text.masked[s:e].rstrip())
               for s, e in text.sentences_in(case.title_span[1], case.end))


def _set_ends(text: Text, cases: list[CaseStudy], guide: Guide | None) -> None:
    cases.sort(key=lambda c: c.start)
    for k, case in enumerate(cases):
        limit = cases[k + 1].start if k + 1 < len(cases) else len(text.raw)
        case.end = limit
        for line in text.lines[text.line_at(case.title_span[1]) + 1:]:
            if line.start >= limit:
                break
            if _closes(line, case, guide):
                case.end = line.start
                break


def split_cases(text: Text) -> list[CaseStudy]:
    guide = parse_guide(text)
    cases = _from_guide(text, guide) if guide is not None else []
    if cases:
        _set_ends(text, cases, guide)
        return cases
    found = _place_lines(text)
    cases = _from_place_lines(text, found) if found else []
    if cases:
        _set_ends(text, cases, None)
        cases = [c for c in cases if _has_body(text, c)]
        cases += [s for c in cases for s in _sibling_sections(text, c)]
        _set_ends(text, cases, None)
        if cases:
            return cases
    cases = _from_numbered_headings(text) or _whole(text)
    _set_ends(text, cases, None)
    return cases


def place_from_listing(text: Text, case: CaseStudy) -> tuple[str, str, int, int] | None:
    """The place a list of initiatives elsewhere in the document gives this title: its
    occurrence right below a "CITY, COUNTRY" line (which may itself be broken over lines)."""
    for _m, idx in _title_matches(text, case.title, case.start, case.end):
        above = [ln for ln in text.lines[max(0, idx - 3):idx] if not ln.blank]
        for n in (1, 2):
            if len(above) < n:
                break
            joined = " ".join(ln.text for ln in above[-n:])
            place = parse_place(_strip_number(joined))
            if place is not None:
                return place.city, place.country, above[-n].start, above[-1].end
    return None


def metadata_place(text: Text, start: int, end: int) -> tuple[str, str, int, int] | None:
    """A city and country named in a case study's text: "City: …" lines, else "in City, Country"."""
    seg = text.masked[start:end]
    m = re.search(r"(?im)(?:^|(?<=\f))[ \t]*(?:city|location|place|where|municipality)"
                  r"[ \t]*:[ \t]*([^\n\f]+)", seg)
    if m:
        place = parse_place(m.group(1))
        if place is not None:
            return place.city, place.country, start + m.start(1), start + m.end(1)
        c = re.search(r"(?im)(?:^|(?<=\f))[ \t]*country[ \t]*:[ \t]*([^\n\f]+)", seg)
        code = lookup_country(c.group(1)) if c else None
        if code is not None:
            return m.group(1).strip(), code, start + m.start(1), start + m.end(1)
    cap = r"[A-Z][\w'’.\-]+(?:[ \t]+(?:[A-Z][\w'’.\-]+|de|del|da|do|es|la|el))*"
    for m in re.finditer(rf"\b(?:in|of|at)\s+(?:the\s+city\s+of\s+)?({cap}),\s+({cap})", seg):
        if lookup_country(m.group(1)):
            continue  # "offices in Ghana, Mozambique and Tanzania"
        words = m.group(2).split()
        for n in range(len(words), 0, -1):
            code = lookup_country(" ".join(words[:n]))
            if code is not None:
                return m.group(1), code, start + m.start(1), start + m.start(2) + len(
                    " ".join(words[:n]))
    return None
