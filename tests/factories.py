"""Records built in code for tests."""

from __future__ import annotations

from typing import Any

from commonground.catalog import (
    Award,
    City,
    InitiativeRecord,
    Outcome,
    Partner,
    Period,
    SdgLink,
    Source,
)


def make_initiative(
    *,
    id: str | None = None,
    title: str = "Vegetable garden parks",
    city: str = "Rosario",
    country: str = "AR",
    region: str | None = "Latin America and the Caribbean",
    sdgs: list[int] | None = None,
    sdg_source: str = "stated",
    partners: list[tuple[str, str]] | None = None,
    start: int | None = 2002,
    awards: list[str] | None = None,
    **extra: Any,
) -> InitiativeRecord:
    return InitiativeRecord(
        id=id,
        title=title,
        summary=extra.pop("summary", f"{title} in {city}."),
        city=City(name=city, country=country, region=region),
        period=Period(start=start),
        sdgs=[SdgLink(goal=g, source=sdg_source) for g in (sdgs or [2, 12])],  # type: ignore[arg-type]
        partners=[Partner(name=n, sector=s) for n, s in  # type: ignore[arg-type]
                  (partners or [("Municipality of Rosario", "public")])],
        outcomes=extra.pop("outcomes", [Outcome(description="2,400 families garden",
                                                value=2400, unit="families")]),
        awards=[Award(programme=a) for a in (awards or ["Prize for Cities"])],
        sources=extra.pop("sources", [Source(document="report.md", locator="p. 8")]),
        **extra,
    )
