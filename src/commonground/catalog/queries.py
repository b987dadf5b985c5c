"""Reads of the catalog: one initiative, filtered pages, facets, everything for export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.orm import Session

from commonground.catalog.convert import to_record
from commonground.catalog.countries import country_name
from commonground.catalog.records import (
    SECTORS,
    FacetCount,
    Facets,
    InitiativeRecord,
    InitiativeSummary,
    Page,
)
from commonground.catalog.tables import (
    AwardRow,
    Initiative,
    Organisation,
    Partnership,
    Place,
    SdgLinkRow,
)
from commonground.errors import InvalidInput, NotFound
from commonground.store import Store


@dataclass(frozen=True)
class Filters:
    """Filters of the initiatives list; ``None`` means 'any'."""

    goal: int | None = None
    country: str | None = None
    region: str | None = None
    award: str | None = None
    sector: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    q: str | None = None
    sdg_source: str | None = None

    def __post_init__(self) -> None:
        if self.goal is not None and not 1 <= self.goal <= 17:
            raise InvalidInput(f"goal {self.goal} is not an SDG; use a number from 1 to 17")
        if self.sector is not None and self.sector not in SECTORS:
            raise InvalidInput(
                f"sector {self.sector!r} is unknown; use one of {', '.join(SECTORS)}"
            )
        if self.sdg_source is not None and self.sdg_source not in ("stated", "editor", "model"):
            raise InvalidInput(
                f"sdg_source {self.sdg_source!r} is unknown; use stated, editor or model"
            )
        if (self.year_from is not None and self.year_to is not None
                and self.year_to < self.year_from):
            raise InvalidInput(
                f"year_to {self.year_to} is before year_from {self.year_from}; swap them"
            )

    def active(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) not in (None, "")}


def _apply(stmt: Select[Any], f: Filters) -> Select[Any]:
    if f.goal is not None:
        sub = select(SdgLinkRow.initiative_id).where(SdgLinkRow.goal == f.goal)
        if f.sdg_source:
            sub = sub.where(SdgLinkRow.source == f.sdg_source)
        stmt = stmt.where(Initiative.id.in_(sub))
    if f.country or f.region:
        stmt = stmt.join(Place, Initiative.place_id == Place.id)
        if f.country:
            stmt = stmt.where(Place.country == f.country.upper())
        if f.region:
            stmt = stmt.where(func.lower(Place.region) == f.region.lower())
    if f.award:
        stmt = stmt.where(Initiative.id.in_(
            select(AwardRow.initiative_id).where(
                func.lower(AwardRow.programme) == f.award.lower())))
    if f.sector:
        stmt = stmt.where(Initiative.id.in_(
            select(Partnership.initiative_id).where(Partnership.sector == f.sector)))
    # a year range keeps initiatives active at some time inside it
    if f.year_to is not None:
        stmt = stmt.where(or_(Initiative.period_start.is_(None),
                              Initiative.period_start <= f.year_to))
    if f.year_from is not None:
        stmt = stmt.where(or_(Initiative.period_end.is_(None),
                              Initiative.period_end >= f.year_from))
    if f.q:
        like = f"%{f.q.lower()}%"
        stmt = stmt.where(or_(func.lower(Initiative.title).like(like),
                              func.lower(Initiative.summary).like(like)))
    return stmt


def _summary(row: Initiative) -> InitiativeSummary:
    rec = to_record(row)
    return InitiativeSummary(
        id=row.id, title=rec.title, summary=rec.summary, city=rec.city, period=rec.period,
        goals=sorted(set(rec.goals())), awards=sorted({a.programme for a in rec.awards}),
        sectors=sorted({p.sector for p in rec.partners if p.sector}),
    )


def list_initiatives(store: Store, filters: Filters | None = None, *, limit: int = 20,
                     offset: int = 0) -> Page:
    if limit < 1 or offset < 0:
        raise InvalidInput(f"limit {limit} / offset {offset} out of range; "
                           "use limit >= 1 and offset >= 0")
    f = filters or Filters()
    with store.read() as session:
        ids = _apply(select(Initiative.id), f)
        total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        stmt = _apply(select(Initiative), f).order_by(Initiative.title, Initiative.id)
        rows = session.scalars(stmt.limit(limit).offset(offset)).all()
        return Page(items=[_summary(r) for r in rows], total=total, limit=limit, offset=offset)


def get_initiative(store: Store, initiative_id: str) -> InitiativeRecord:
    with store.read() as session:
        row = session.get(Initiative, initiative_id)
        if row is None:
            raise NotFound(
                f"no initiative with id {initiative_id!r}; run `commonground list` to see ids"
            )
        return to_record(row)


def iter_records(store: Store) -> Iterator[InitiativeRecord]:
    """Every initiative, ordered by id (the export order)."""
    with store.read() as session:
        for row in session.scalars(select(Initiative).order_by(Initiative.id)):
            yield to_record(row)


def count_initiatives(store: Store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count(Initiative.id))) or 0


def goal_counts(store: Store, source: str | None = None) -> dict[int, int]:
    """Number of initiatives linked to each goal (1–17, zeros included)."""
    with store.read() as session:
        stmt = select(SdgLinkRow.goal, func.count(distinct(SdgLinkRow.initiative_id)))
        if source:
            stmt = stmt.where(SdgLinkRow.source == source)
        counts = {int(g): int(n) for g, n in session.execute(stmt.group_by(SdgLinkRow.goal))}
    return {g: int(counts.get(g, 0)) for g in range(1, 18)}


def facets(store: Store, filters: Filters | None = None) -> Facets:
    """Counts of each facet value among the initiatives that match ``filters``."""
    f = filters or Filters()
    with store.read() as session:
        rows = session.scalars(_apply(select(Initiative), f)).all()
        goals: Counter[int] = Counter()
        countries: Counter[str] = Counter()
        regions: Counter[str] = Counter()
        awards: Counter[str] = Counter()
        sectors: Counter[str] = Counter()
        for row in rows:
            goals.update({s.goal for s in row.sdgs
                          if not f.sdg_source or s.source == f.sdg_source})
            countries[row.place.country] += 1
            if row.place.region:
                regions[row.place.region] += 1
            awards.update({a.programme for a in row.awards})
            sectors.update({p.sector for p in row.partnerships if p.sector})

    def fc(counter: Counter[str], label: dict[str, str] | None = None) -> list[FacetCount]:
        return [FacetCount(value=k, label=(label or {}).get(k, k), count=v)
                for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]

    return Facets(
        goals=[FacetCount(value=str(g), label=f"SDG {g}", count=goals[g])
               for g in sorted(goals)],
        countries=fc(countries, {c: country_name(c) for c in countries}),
        regions=fc(regions),
        awards=fc(awards),
        sectors=fc(sectors, {s: s.replace("_", " ") for s in sectors}),
    )


def organisation_names(session: Session) -> list[str]:
    return list(session.scalars(select(Organisation.name).order_by(Organisation.name)))
