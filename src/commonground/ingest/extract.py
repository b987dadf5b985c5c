"""Case studies to initiative records, every fact with the page and offsets it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commonground.catalog import (
    Award,
    City,
    InitiativeRecord,
    Outcome,
    Partner,
    Period,
    SdgLink,
    Source,
    generated_id,
)
from commonground.ingest.document import Document
from commonground.ingest.facts import (
    AwardMention,
    award_brackets,
    awards_in_text,
    population,
    start_year,
    stated_sdgs,
)
from commonground.ingest.outcomes import find_outcomes
from commonground.ingest.partners import find_partners
from commonground.ingest.places import best_spelling, city_pattern
from commonground.ingest.split import (
    CaseStudy,
    metadata_place,
    place_from_listing,
    split_cases,
)
from commonground.ingest.text import Text, squash, words_pattern


@dataclass
class Extraction:
    """What one document gave: its records and what could not be used."""

    document: Document
    records: list[InitiativeRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # titles of sections without a place


class _Sources:
    """The sources list of one record: the case study first, then one per cited passage."""

    def __init__(self, doc: Document, start: int, end: int) -> None:
        self.doc = doc
        self.items: list[Source] = [doc.source(start, end)]
        self.index: dict[tuple[int, int], int] = {}

    def ref(self, start: int, end: int) -> int:
        key = (start, end)
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(self.doc.source(start, end))
        return self.index[key]


def _assign_awards(text: Text, cases: list[CaseStudy]) -> dict[int, list[AwardMention]]:
    """Award brackets to case studies: inside one, or right after its title or city."""
    out: dict[int, list[AwardMention]] = {i: [] for i in range(len(cases))}
    mentions = award_brackets(text)
    patterns: list[list[str]] = []
    for case in cases:
        pats = [p for p in (words_pattern(case.title),
                            words_pattern(re.sub(r"\s*\([^()]{2,12}\)\s*$", "", case.title)))
                if p]
        if case.city:
            pats.append(city_pattern(case.city))
        patterns.append(pats)
    previous_end = 0
    owner: int | None = None
    for k, mention in enumerate(mentions):
        if k == 0 or mention.start != mentions[k - 1].start:  # a new bracket
            owner = _bracket_owner(text, cases, patterns, mention, previous_end)
        previous_end = mention.end
        if owner is not None and mention.programme not in [a.programme for a in out[owner]]:
            out[owner].append(mention)
    return out


def _bracket_owner(text: Text, cases: list[CaseStudy], patterns: list[list[str]],
                   mention: AwardMention, previous_end: int) -> int | None:
    """The case study holding the bracket, else the one whose title or city ends closest
    before it (within 300 characters and after the previous bracket)."""
    for i, case in enumerate(cases):
        if case.start <= mention.start < case.end:
            return i
    window_start = max(previous_end, mention.start - 300)
    window = text.folded[window_start:mention.start]
    owner, best = None, -1
    for i, pats in enumerate(patterns):
        for p in pats:
            for m in re.finditer(p, window):
                if m.end() > best:
                    best, owner = m.end(), i
    return owner


def extract(doc: Document) -> Extraction:
    """Split ``doc`` into case studies and extract a record from each."""
    text = Text(doc.text)
    result = Extraction(doc)
    cases = split_cases(text)
    awards = _assign_awards(text, cases)
    spellings: dict[str, str] = {}
    for i, case in enumerate(cases):
        label = case.title or f"case study {i + 1}"
        if case.city is None or case.country is None:
            found = metadata_place(text, case.start, case.end) or place_from_listing(text, case)
            if found is None:
                result.skipped.append(label)
                result.warnings.append(
                    f"{doc.name}: skipped '{label[:60]}' ({doc.locator(case.start, case.end)}):"
                    " no city and country found; add a 'City, Country' line")
                continue
            case.city, case.country = found[0], found[1]
            case.place_span = (found[2], found[3])
        if not case.title:
            first = text.sentences_in(case.start, case.end)[:1]
            case.title = squash(text.masked[first[0][0]:first[0][1]])[:120] if first else (
                f"{case.city} case study")
        result.records.append(_record(doc, text, case, awards[i], spellings))
    return result


def _record(doc: Document, text: Text, case: CaseStudy, bracket_awards: list[AwardMention],
            spellings: dict[str, str]) -> InitiativeRecord:
    assert case.city is not None and case.country is not None
    src = _Sources(doc, case.start, case.end)
    if case.printed_page is not None and doc.pages == 1:
        # no page breaks in the file: cite the page the report's contents page gives
        src.items[0] = src.items[0].model_copy(update={
            "locator": f"{src.items[0].locator} (report p. {case.printed_page} per contents)"})
    body_start = case.title_span[1]
    if case.city not in spellings:
        spellings[case.city] = best_spelling(case.city, text.raw, text.folded)
    city = spellings[case.city]
    title = re.sub(r"\s+\((?:[^()]*\b(?:Award|Prize)\b[^()]*)\)$", "", case.title)

    sdgs: list[SdgLink] = []
    stated = stated_sdgs(text, body_start, case.end)
    if stated is not None:
        ref = src.ref(stated.start, stated.end)
        sdgs = [SdgLink(goal=g, source="stated", evidence=[stated.sentence], source_ref=ref)
                for g in stated.goals]

    awards: list[Award] = []
    for a in [*bracket_awards, *awards_in_text(text, case.start, case.end)]:
        if a.programme not in [x.programme for x in awards]:
            awards.append(Award(programme=a.programme, year=a.year,
                                source_ref=src.ref(a.start, a.end)))

    acronym = re.search(r"\(([A-Z][A-Za-z0-9&\-]{1,11})\)", title)
    names = [title, re.sub(r"\s*\([^()]*\)\s*$", "", title)] + ([acronym.group(1)]
                                                                 if acronym else [])
    period = Period()
    started = start_year(text, body_start, case.end, names)
    if started is not None:
        period = Period(start=started[0])

    pop = population(text, case.start, case.end)
    partners = [Partner(name=p.name, sector=p.sector, role=p.role,  # type: ignore[arg-type]
                        source_ref=src.ref(*text.sentence_at(p.start)))
                for p in find_partners(text, body_start, case.end, exclude=[*names, city])]
    outcomes = [Outcome(description=o.description, value=o.value, unit=o.unit, year=o.year,
                        source_ref=src.ref(*o.sentence))
                for o in find_outcomes(text, body_start, case.end)
                if pop is None or not (pop[1] <= o.start < pop[2])]

    rec = InitiativeRecord(
        title=title[:500],
        summary=_summary(text, body_start, case.end),
        text=_full_text(text, case.start, case.end),
        city=City(name=city, country=case.country, population=pop[0] if pop else None),
        period=period, sdgs=sdgs, partners=partners, outcomes=outcomes, awards=awards,
        sources=src.items, status="draft",
    )
    rec.id = generated_id(rec)
    return rec


def _summary(text: Text, start: int, end: int, sentences: int = 2, limit: int = 600) -> str:
    out: list[str] = []
    for s, e in text.sentences_in(start, end):
        sentence = squash(text.masked[s:e])
        sentence = re.sub(r"^[A-Z][\w ,&/-]{0,60}:\s+", "", sentence)
        if len(sentence) < 25 or not re.search(r"[.!?]$", sentence):
            continue  # headings and labels
        out.append(sentence)
        if len(out) >= sentences or sum(map(len, out)) > limit:
            break
    summary = " ".join(out)
    return summary if len(summary) <= 5000 else summary[:4999] + "…"


def _full_text(text: Text, start: int, end: int) -> str:
    """The case study as plain paragraphs (markup removed, broken lines joined)."""
    paragraphs: list[list[str]] = [[]]
    cuts = {e for _, e in text.sentences_in(start, end)}
    last_ended = False
    for line in text.lines[text.line_at(start):]:
        if line.start >= end:
            break
        if line.blank:
            if last_ended and paragraphs[-1]:
                paragraphs.append([])
            continue
        if line.level and paragraphs[-1]:
            paragraphs.append([])
        paragraphs[-1].append(line.text)
        last_ended = line.end in cuts
        if line.level or (last_ended and len(line.text) < 0.7 * text.wide):
            paragraphs.append([])
    return "\n\n".join(squash(" ".join(p)) for p in paragraphs if p)
