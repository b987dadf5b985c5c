"""A small catalog and a stand-in SDG mapper for the web tests (and the browser test)."""

from __future__ import annotations

from typing import ClassVar

from commonground.catalog import InitiativeRecord, Outcome, SdgLink, Source
from commonground.sdg.mapping import GoalScore, SdgMapping, TargetScore
from commonground.sdg.text import guess_language

from factories import make_initiative

AHMEDABAD_TITLE = "Women's Action Towards Climate Resilience for the Urban Poor"


class FakeMapper:
    """Deterministic stand-in: a goal is predicted when its keyword is in the text."""

    KEYWORDS: ClassVar[dict[int, str]] = {13: "climate", 11: "city", 6: "water"}
    #: a goal given 0.2 and not proposed when its word is in the text (a secondary theme)
    SECONDARY: ClassVar[dict[int, str]] = {1: "adaptation"}
    #: notes every answer carries (a test sets them to see how the shells show them)
    NOTES: ClassVar[list[str]] = []

    def __init__(self, mode: str | None) -> None:
        self.mode = mode or "accurate"

    def map(self, text: str) -> SdgMapping:
        low = text.lower()
        goals = [GoalScore(goal=g, probability=0.9 if self.KEYWORDS.get(g, "\0") in low else
                           0.2 if self.SECONDARY.get(g, "\0") in low else 0.05,
                           predicted=self.KEYWORDS.get(g, "\0") in low,
                           evidence=[text[:40]] if self.KEYWORDS.get(g, "\0") in low else [])
                 for g in range(1, 18)]
        targets = [TargetScore(target="13.1", score=0.7)] if "climate" in low else []
        return SdgMapping(goals=goals, targets=targets, mode=self.mode,
                          language=guess_language(text), notes=list(self.NOTES))


def ahmedabad() -> InitiativeRecord:
    return make_initiative(
        id="ahmedabad-womens-climate-resilience", title=AHMEDABAD_TITLE, city="Ahmedabad",
        country="IN", region="Central and Southern Asia", sdgs=[1, 5, 13], start=2014,
        partners=[("Mahila Housing Trust (MHT)", "civil_society"),
                  ("Ahmedabad Municipal Corporation (AMC)", "public")],
        outcomes=[Outcome(description="People reached", value=125000, unit="people"),
                  Outcome(description="Slums reached", value=107, unit="slums", source_ref=1)],
        sources=[Source(document="report.md", locator="p. 11"),
                 Source(document="report.md", locator="p. 11, chars 30360-30374")],
        summary="Women in informal settlements lead low-cost adaptation to heat and floods.",
    )


def catalog_records() -> list[InitiativeRecord]:
    rosario = make_initiative(id="rosario-gardens", title="Vegetable garden parks",
                              sdgs=[2, 12], start=2002,
                              partners=[("Municipality of Rosario", "public"),
                                        ("Pro-Huerta", "civil_society")])
    rosario.sdgs.append(SdgLink(goal=11, source="model", score=0.83,
                                evidence=["gardens on vacant city lots"]))
    rosario.sdgs.append(SdgLink(goal=11, target="11.7", source="model", score=0.61))
    cape_town = make_initiative(
        id="cape-town-wisp", title="Western Cape Industrial Symbiosis Programme",
        city="Cape Town", country="ZA", region="Sub-Saharan Africa", sdgs=[9, 12, 17],
        start=2013, awards=["Guangzhou Award"],
        partners=[("GreenCape", "civil_society"), ("City of Cape Town", "public"),
                  ("Member firms", "private")])
    return [rosario, cape_town, ahmedabad()]
