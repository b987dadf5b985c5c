"""Rows <-> public records. The only place that knows both shapes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonground.catalog.records import (
    Award,
    City,
    InitiativeRecord,
    Outcome,
    Partner,
    Period,
    SdgLink,
    Source,
)
from commonground.catalog.tables import (
    AwardRow,
    Initiative,
    Organisation,
    OutcomeRow,
    Partnership,
    Place,
    SdgLinkRow,
    SourceRow,
)


def to_record(row: Initiative) -> InitiativeRecord:
    p = row.place
    return InitiativeRecord(
        format_version=row.format_version,
        id=row.id,
        title=row.title,
        summary=row.summary,
        text=row.text,
        city=City(name=p.name, country=p.country, region=p.region, population=p.population,
                  lat=p.lat, lon=p.lon),
        period=Period(start=row.period_start, end=row.period_end),
        sdgs=[SdgLink(goal=s.goal, target=s.target, source=s.source,  # type: ignore[arg-type]
                      score=s.score, evidence=list(s.evidence or []), source_ref=s.source_ref)
              for s in row.sdgs],
        partners=[Partner(name=pt.organisation.name, sector=pt.sector,  # type: ignore[arg-type]
                          role=pt.role, source_ref=pt.source_ref)
                  for pt in row.partnerships],
        outcomes=[Outcome(description=o.description, value=o.value, unit=o.unit, year=o.year,
                          indicator=o.indicator, source_ref=o.source_ref) for o in row.outcomes],
        awards=[Award(programme=a.programme, year=a.year, distinction=a.distinction,
                      source_ref=a.source_ref) for a in row.awards],
        sources=[Source(document=s.document, locator=s.locator, page=s.page, start=s.start,
                        end=s.end, url=s.url) for s in row.sources],
        languages=list(row.languages or []),
        status=row.status,  # type: ignore[arg-type]
    )


def _place(session: Session, city: City) -> Place:
    place = session.scalar(select(Place).where(Place.name == city.name,
                                               Place.country == city.country))
    if place is None:
        place = Place(name=city.name, country=city.country)
        session.add(place)
    # the latest record's facts about a place win; a None never erases a known value
    for attr in ("region", "population", "lat", "lon"):
        value = getattr(city, attr)
        if value is not None:
            setattr(place, attr, value)
    return place


def _organisation(session: Session, name: str, cache: dict[str, Organisation]) -> Organisation:
    if name in cache:
        return cache[name]
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name)
        session.add(org)
    cache[name] = org
    return org


def fill_row(session: Session, row: Initiative, rec: InitiativeRecord) -> None:
    """Write every field of ``rec`` onto ``row``, replacing its children."""
    row.format_version = rec.format_version
    row.title = rec.title
    row.summary = rec.summary
    row.text = rec.text
    row.place = _place(session, rec.city)
    row.period_start = rec.period.start
    row.period_end = rec.period.end
    row.languages = list(rec.languages)
    row.status = rec.status
    orgs: dict[str, Organisation] = {}
    row.sdgs = [SdgLinkRow(position=i, goal=s.goal, target=s.target, source=s.source,
                           score=s.score, evidence=list(s.evidence), source_ref=s.source_ref)
                for i, s in enumerate(rec.sdgs)]
    row.partnerships = [Partnership(position=i, organisation=_organisation(session, p.name, orgs),
                                    sector=p.sector, role=p.role, source_ref=p.source_ref)
                        for i, p in enumerate(rec.partners)]
    row.outcomes = [OutcomeRow(position=i, description=o.description, value=o.value,
                               unit=o.unit, year=o.year, indicator=o.indicator,
                               source_ref=o.source_ref) for i, o in enumerate(rec.outcomes)]
    row.awards = [AwardRow(position=i, programme=a.programme, year=a.year,
                           distinction=a.distinction, source_ref=a.source_ref)
                  for i, a in enumerate(rec.awards)]
    row.sources = [SourceRow(position=i, document=s.document, locator=s.locator, page=s.page,
                             start=s.start, end=s.end, url=s.url)
                   for i, s in enumerate(rec.sources)]
