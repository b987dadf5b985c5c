"""Result objects shared by the JSON API and the HTML pages.

Each function here is the one place a screen's data is computed: the API returns the object
as JSON, the page renders the same object with a template. Nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pydantic import BaseModel, Field

from commonground.catalog import (
    SECTORS,
    Facets,
    Filters,
    InitiativeRecord,
    InitiativeSummary,
    Page,
    SdgLink,
    facets,
    goal_counts,
    list_initiatives,
)
from commonground.catalog.countries import country_name
from commonground.errors import InvalidInput
from commonground.sdg.framework import Framework, Goal
from commonground.sdg.mapping import GoalScore, SdgMapping, TargetScore
from commonground.sdg.text import check_text
from commonground.store import Store
from commonground.web.deps import MapperLoader

#: facet name in :class:`Facets` -> the filter field it narrows
FACET_FILTERS: dict[str, str] = {
    "goals": "goal",
    "countries": "country",
    "regions": "region",
    "awards": "award",
    "sectors": "sector",
}

SDG_SOURCES: tuple[str, ...] = ("stated", "editor", "model")


class InitiativeList(Page):
    """A page of initiatives with the facet counts of the filtered result.

    The counts of each facet ignore that facet's own filter (the usual faceted-search rule),
    so that a client can show how many results every other choice would give.
    """

    facets: Facets
    filters: dict[str, str | int] = Field(
        default_factory=dict, description="The filters applied, as given."
    )


def initiative_list(store: Store, filters: Filters, *, limit: int, offset: int) -> InitiativeList:
    page = list_initiatives(store, filters, limit=limit, offset=offset)
    base = facets(store, filters)
    parts = base.model_dump()
    for facet_name, filter_name in FACET_FILTERS.items():
        if getattr(filters, filter_name) not in (None, ""):
            wider = facets(store, replace(filters, **{filter_name: None}))
            parts[facet_name] = getattr(wider, facet_name)
    active = {k: v for k, v in filters.active().items() if isinstance(v, str | int)}
    return InitiativeList(items=page.items, total=page.total, limit=page.limit,
                          offset=page.offset, facets=Facets.model_validate(parts),
                          filters=active)


# --- SDGs -----------------------------------------------------------------------------------


TITLE_LANGUAGE = ("The title's language: the one asked for, or 'en' where that language "
                  "lacks this text.")


class IndicatorOut(BaseModel):
    id: str
    title: str
    lang: str = Field(description=TITLE_LANGUAGE)


class TargetOut(BaseModel):
    id: str
    title: str
    lang: str = Field(description=TITLE_LANGUAGE)
    indicators: list[IndicatorOut]


class GoalSummary(BaseModel):
    """One goal with its colours and the number of initiatives linked to it."""

    goal: int
    short_title: str
    title: str
    colour: str = Field(description="Official background colour, '#RRGGBB'.")
    text_colour: str = Field(description="Text colour with enough contrast on `colour`.")
    initiatives: int = Field(description="Initiatives linked to the goal by any source.")
    by_source: dict[str, int] = Field(
        description="Initiatives linked by each source: stated, editor, model."
    )


class GoalIndex(BaseModel):
    lang: str
    goals: list[GoalSummary]
    attribution: str


class MappedInitiative(BaseModel):
    """An initiative linked to a goal, with the sources that link it."""

    initiative: InitiativeSummary
    sources: list[str]


class GoalDetail(GoalSummary):
    lang: str
    targets: list[TargetOut]
    mapped: list[MappedInitiative]
    attribution: str


def _goal_summary(goal: Goal, lang: str, counts: dict[str, dict[int, int]]) -> GoalSummary:
    return GoalSummary(
        goal=goal.number, short_title=goal.label(lang), title=goal.long(lang),
        colour=goal.colour, text_colour=goal.text_colour,
        initiatives=counts["all"].get(goal.number, 0),
        by_source={s: counts[s].get(goal.number, 0) for s in SDG_SOURCES},
    )


def _counts(store: Store) -> dict[str, dict[int, int]]:
    out = {"all": goal_counts(store)}
    out.update({s: goal_counts(store, source=s) for s in SDG_SOURCES})
    return out


def goal_index(store: Store, fw: Framework, lang: str = "en") -> GoalIndex:
    lang = fw.check_language(lang)
    counts = _counts(store)
    return GoalIndex(lang=lang, goals=[_goal_summary(g, lang, counts) for g in fw.goals],
                     attribution=fw.attribution)


def goal_detail(store: Store, fw: Framework, number: int, lang: str = "en", *,
                limit: int = 200) -> GoalDetail:
    lang = fw.check_language(lang)
    goal = fw.goal(number)
    sources: dict[str, list[str]] = {}
    items: dict[str, InitiativeSummary] = {}
    for src in SDG_SOURCES:
        page = list_initiatives(store, Filters(goal=number, sdg_source=src), limit=limit)
        for item in page.items:
            items.setdefault(item.id, item)
            sources.setdefault(item.id, []).append(src)
    mapped = [MappedInitiative(initiative=items[i], sources=sources[i])
              for i in sorted(items, key=lambda i: (items[i].title, i))]
    summary = _goal_summary(goal, lang, _counts(store))
    targets = [TargetOut(id=t.id, title=t.text(lang), lang=t.text_language(lang),
                         indicators=[IndicatorOut(id=i.id, title=i.text(lang),
                                                  lang=i.text_language(lang))
                                     for i in t.indicators])
               for t in goal.targets]
    return GoalDetail(**summary.model_dump(), lang=lang, targets=targets, mapped=mapped,
                      attribution=fw.attribution)


# --- the mapper ---------------------------------------------------------------------------


def map_text(loader: MapperLoader, text: str, mode: str | None = None,
             precision: str | None = None) -> SdgMapping:
    """The mapper's answer for ``text``; blank or wordless text is refused before any model
    loads."""
    if not text.strip():
        raise InvalidInput("text is blank; send the words to map onto the SDGs",
                           detail={"text": text})
    check_text(text)
    return loader(mode, precision).map(text)


@dataclass
class MappingView:
    """A mapping arranged for reading: predicted goals first, then every probability."""

    mapping: SdgMapping
    predicted: list[tuple[Goal, GoalScore, list[TargetScore]]]
    ranked: list[tuple[Goal, GoalScore]]
    #: goals not proposed whose probability makes them possible secondary themes
    secondary: set[int]


def mapping_view(mapping: SdgMapping, fw: Framework) -> MappingView:
    ranked = sorted(mapping.goals, key=lambda g: (-g.probability, g.goal))
    predicted = [(fw.goal(g.goal), g,
                  [t for t in mapping.targets if t.target.split(".")[0] == str(g.goal)])
                 for g in ranked if g.predicted]
    return MappingView(mapping=mapping, predicted=predicted,
                       ranked=[(fw.goal(g.goal), g) for g in ranked],
                       secondary={g.goal for g in mapping.secondary_goals()})


# --- one initiative, arranged for reading -----------------------------------------------------


@dataclass
class GoalLinks:
    """The links of one initiative to one goal from one kind of source."""

    goal: Goal
    sources: list[str] = field(default_factory=list)
    #: target ids with the model's score of each (None for stated targets)
    targets: list[tuple[str, float | None]] = field(default_factory=list)
    #: the goal-level probability (target scores are a different quantity)
    score: float | None = None
    evidence: list[str] = field(default_factory=list)
    #: indexes into the record's sources that back the link
    refs: list[int] = field(default_factory=list)


@dataclass
class InitiativeView:
    record: InitiativeRecord
    country: str
    stated: list[GoalLinks]
    suggested: list[GoalLinks]
    partners_by_sector: list[tuple[str, list[tuple[str, str | None, int | None]]]]


def _group(links: list[SdgLink], fw: Framework) -> list[GoalLinks]:
    out: dict[int, GoalLinks] = {}
    for link in links:
        g = out.setdefault(link.goal, GoalLinks(goal=fw.goal(link.goal)))
        if link.source not in g.sources:
            g.sources.append(link.source)
        if link.target:
            if link.target not in (t for t, _ in g.targets):
                g.targets.append((link.target, link.score))
        elif link.score is not None:
            g.score = max(g.score or 0.0, link.score)
        g.evidence.extend(e for e in link.evidence if e not in g.evidence)
        if link.source_ref is not None and link.source_ref not in g.refs:
            g.refs.append(link.source_ref)
    return list(out.values())


SECTOR_LABELS: dict[str, str] = {
    "public": "Public sector",
    "private": "Private sector",
    "civil_society": "Civil society",
    "academic": "Academia",
    "international": "International organisations",
    "": "Sector not recorded",
}


def initiative_view(record: InitiativeRecord, fw: Framework) -> InitiativeView:
    stated = _group([s for s in record.sdgs if s.source != "model"], fw)
    suggested = _group([s for s in record.sdgs if s.source == "model"], fw)
    suggested.sort(key=lambda g: (-(g.score or 0.0), g.goal.number))
    groups: dict[str, list[tuple[str, str | None, int | None]]] = {}
    for p in record.partners:
        groups.setdefault(p.sector or "", []).append((p.name, p.role, p.source_ref))
    order = [*SECTORS, ""]
    partners = [(SECTOR_LABELS[s], groups[s]) for s in order if s in groups]
    return InitiativeView(record=record, country=country_name(record.city.country),
                          stated=stated, suggested=suggested, partners_by_sector=partners)
