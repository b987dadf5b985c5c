"""The demo data: the report's eight initiatives, their facts, and where each fact comes from."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from commonground import catalog
from commonground.catalog.demo import demo_records, load_demo
from commonground.catalog.records import InitiativeRecord, SdgLink
from commonground.settings import Settings
from commonground.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = "partnerships-and-innovation-sdgs-in-cities-2023.md"

STATED = {
    "odisha-uwei": [8, 9],
    "cape-town-wisp": [12, 13],
    "quito-eco-efficiency-ordinance": [6, 7],
    "saint-louis-mangrove-restoration": [13, 14],
    "rosario-sustainable-food-production": [5, 12],
    "milan-food-policy": [5, 12],
    "dar-es-salaam-sarsai": [4, 9],
    "ahmedabad-womens-climate-resilience": [1, 5, 13],
}
CITIES = {
    "odisha-uwei": ("Odisha", "IN", "Central and Southern Asia", None),
    "cape-town-wisp": ("Cape Town", "ZA", "Sub-Saharan Africa", 4_700_000),
    "quito-eco-efficiency-ordinance": ("Quito", "EC", "Latin America and the Caribbean",
                                       1_847_000),
    "saint-louis-mangrove-restoration": ("Saint-Louis", "SN", "Sub-Saharan Africa", 312_369),
    "rosario-sustainable-food-production": ("Rosario", "AR", "Latin America and the Caribbean",
                                            None),
    "milan-food-policy": ("Milan", "IT", "Europe and Northern America", 1_300_000),
    "dar-es-salaam-sarsai": ("Dar es Salaam", "TZ", "Sub-Saharan Africa", None),
    "ahmedabad-womens-climate-resilience": ("Ahmedabad", "IN", "Central and Southern Asia",
                                            None),
}
AWARDS = {
    "odisha-uwei": {"Prize for Cities", "Guangzhou Award"},
    "cape-town-wisp": {"Guangzhou Award"},
    "quito-eco-efficiency-ordinance": {"Guangzhou Award"},
    "saint-louis-mangrove-restoration": {"Guangzhou Award"},
    "rosario-sustainable-food-production": {"Prize for Cities"},
    "milan-food-policy": {"Guangzhou Award"},
    "dar-es-salaam-sarsai": {"Prize for Cities"},
    "ahmedabad-womens-climate-resilience": {"Prize for Cities"},
}
PAGES = dict(zip(STATED, range(4, 12), strict=True))
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
         8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}


@pytest.fixture(scope="module")
def records() -> dict[str, InitiativeRecord]:
    recs = demo_records()
    assert len({r.id for r in recs}) == len(recs)
    return {str(r.id): r for r in recs}


def _norm(text: str) -> str:
    return " ".join(text.replace("\\$", "$").split()).lower()


def _number_forms(value: float) -> set[str]:
    forms: set[str] = set()
    if value >= 1_000_000:
        forms.add(f"{value / 1_000_000:g} million")
    if float(value).is_integer():
        n = int(value)
        forms |= {str(n), f"{n:,}"}
        if n in WORDS:
            forms.add(WORDS[n])
    else:
        forms.add(f"{value:g}")
    return forms


def _contains_number(span: str, value: float) -> bool:
    return any(re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d])", span)
               for f in _number_forms(value))


def test_eight_records_with_stable_ids(records: dict[str, InitiativeRecord]) -> None:
    assert set(records) == set(STATED)
    for rec in records.values():
        assert rec.status == "published"
        assert rec.languages == ["en"]
        assert rec.text is None
        assert 100 < len(rec.summary) < 700


def test_stated_sdgs_are_the_reports(records: dict[str, InitiativeRecord]) -> None:
    for iid, goals in STATED.items():
        rec = records[iid]
        assert rec.goals("stated") == goals, iid
        assert rec.goals() == goals, iid  # no model or editor links in the shipped data
        for link in rec.sdgs:
            assert link.evidence and len(link.evidence[0].split()) <= 12


def test_cities_awards_and_periods(records: dict[str, InitiativeRecord]) -> None:
    for iid, (name, country, region, population) in CITIES.items():
        city = records[iid].city
        assert (city.name, city.country, city.region, city.population) == (
            name, country, region, population)
        assert city.lat is not None and city.lon is not None
        assert {a.programme for a in records[iid].awards} == AWARDS[iid]
    starts = {iid: r.period.start for iid, r in records.items()}
    assert starts["cape-town-wisp"] == 2013
    assert starts["quito-eco-efficiency-ordinance"] == 2016
    assert starts["rosario-sustainable-food-production"] == 2002
    assert starts["dar-es-salaam-sarsai"] == 2012
    # Cape Town lies south of the equator and east of Greenwich; Quito just south and west.
    cape_town = records["cape-town-wisp"].city
    assert cape_town.lat is not None and cape_town.lon is not None
    assert cape_town.lat < -33 < cape_town.lon
    assert -1 < (records["quito-eco-efficiency-ordinance"].city.lat or 0) < 0


def test_partners_and_sectors(records: dict[str, InitiativeRecord]) -> None:
    def sectors(iid: str) -> dict[str, str | None]:
        return {p.name: p.sector for p in records[iid].partners}

    assert {"City of Cape Town": "public", "GreenCape": "civil_society",
            "University of Cape Town": "academic"}.items() <= sectors("cape-town-wisp").items()
    sarsai = sectors("dar-es-salaam-sarsai")
    assert sarsai["Amend"] == "civil_society"
    assert sarsai["FIA Foundation"] == "civil_society"
    assert sarsai["US Centers for Disease Control and Prevention (CDC)"] == "public"
    assert "Puma Energy Foundation" in sarsai
    ahmedabad = sectors("ahmedabad-womens-climate-resilience")
    assert ahmedabad["Mahila Housing Trust (MHT)"] == "civil_society"
    assert ahmedabad["Ahmedabad Municipal Corporation (AMC)"] == "public"
    rosario = sectors("rosario-sustainable-food-production")
    assert rosario["UN-Habitat Urban Management Programme"] == "international"
    assert rosario["National University of Rosario"] == "academic"
    assert "Pro Huerta" in rosario and any("CEPAR" in n for n in rosario)
    milan = sectors("milan-food-policy")
    assert milan["Municipality of Milan"] == "public"
    assert any("EUROCITIES" in n for n in milan) and any("C40" in n for n in milan)
    for rec in records.values():
        assert all(p.sector and p.role for p in rec.partners), rec.id


@pytest.mark.parametrize(("iid", "value", "unit"), [
    ("dar-es-salaam-sarsai", 26, "%"),
    ("dar-es-salaam-sarsai", 13_000, "children"),
    ("dar-es-salaam-sarsai", 50, "school areas"),
    ("dar-es-salaam-sarsai", 9, "countries"),
    ("dar-es-salaam-sarsai", 1_700_000, "USD"),
    ("quito-eco-efficiency-ordinance", 10_700_000, "USD"),
    ("saint-louis-mangrove-restoration", 50, "ha"),
    ("saint-louis-mangrove-restoration", 350, "t C/yr"),
    ("rosario-sustainable-food-production", 2_400, "families"),
    ("rosario-sustainable-food-production", 800, "ha"),
    ("rosario-sustainable-food-production", 36, "%"),
    ("rosario-sustainable-food-production", 95, "%"),
    ("ahmedabad-womens-climate-resilience", 125_000, "people"),
    ("ahmedabad-womens-climate-resilience", 107, "slums"),
    ("milan-food-policy", 40, "initiatives"),
])
def test_key_figures(records: dict[str, InitiativeRecord], iid: str, value: float,
                     unit: str) -> None:
    found = [(o.value, o.unit) for o in records[iid].outcomes]
    assert (value, unit) in found, found


def test_every_fact_cites_a_valid_source(records: dict[str, InitiativeRecord]) -> None:
    for rec in records.values():
        n = len(rec.sources)
        facts = rec.facts()
        assert facts
        for fact in facts:
            assert fact.source_ref is not None and 0 <= fact.source_ref < n, (rec.id, fact)
        for src in rec.sources:
            assert src.document == DOCUMENT
            assert src.start is not None and src.end is not None and src.start < src.end
            assert src.locator and f"chars {src.start}-{src.end}" in src.locator
            assert src.page in (None, PAGES[str(rec.id)])
        assert rec.sources[0].page == PAGES[str(rec.id)]
        assert f"p. {PAGES[str(rec.id)]}," in str(rec.sources[0].locator)


def test_load_twice_is_idempotent(store: Store, settings: Settings) -> None:
    first = load_demo(store, settings)
    assert sorted(first.added) == sorted(STATED)
    assert not first.updated and not first.unchanged
    second = load_demo(store, settings)
    assert sorted(second.unchanged) == sorted(STATED)
    assert not second.added and not second.updated
    assert catalog.count_initiatives(store) == 8
    back = catalog.get_initiative(store, "ahmedabad-womens-climate-resilience")
    assert back.goals("stated") == [1, 5, 13]
    assert {(o.value, o.unit) for o in back.outcomes} >= {(125_000, "people"), (107, "slums")}


def test_enrich_adds_model_links_beside_stated(store: Store, settings: Settings) -> None:
    def enrich(rec: InitiativeRecord) -> InitiativeRecord:
        return rec.model_copy(update={"sdgs": [
            *rec.sdgs, SdgLink(goal=11, source="model", score=0.9)]})

    report = load_demo(store, settings, enrich=enrich)
    assert report.model_sdgs == 8
    back = catalog.get_initiative(store, "milan-food-policy")
    assert back.goals("stated") == [5, 12]
    assert back.goals("model") == [11]


@pytest.mark.shared
def test_sources_point_at_the_facts(records: dict[str, InitiativeRecord],
                                    seed_report: Path) -> None:
    seed = seed_report.read_text(encoding="utf-8")

    def span(rec: InitiativeRecord, ref: int | None) -> str:
        assert ref is not None
        src = rec.sources[ref]
        assert src.start is not None and src.end is not None and src.end <= len(seed)
        return _norm(seed[src.start:src.end])

    for rec in records.values():
        section = span(rec, 0)
        assert _norm(rec.title) in section, rec.id
        for link in rec.sdgs:
            text = span(rec, link.source_ref)
            assert re.search(rf"\bsdgs?\b[^)]*\b{link.goal}\b", text), (rec.id, link.goal)
            assert _norm(link.evidence[0]) == text
        for o in rec.outcomes:
            text = span(rec, o.source_ref)
            if o.value is not None:
                assert _contains_number(text, o.value), (rec.id, o.description, text)
            if o.year is not None:
                assert str(o.year) in text or str(o.year) in section, (rec.id, o.description)
        for p in rec.partners:
            text = span(rec, p.source_ref)
            words = [w.rstrip("s") for w in re.findall(r"[a-z0-9]{4,}", p.name.lower())]
            assert any(w in text or w in text.replace(" ", "") for w in words), (rec.id, p.name)
        for a in rec.awards:
            assert _norm(a.programme) in span(rec, a.source_ref), (rec.id, a.programme)
        notes = {str(s.locator).rsplit("(", 1)[-1].rstrip(")"): i
                 for i, s in enumerate(rec.sources)}
        if rec.city.population is not None:
            assert _contains_number(span(rec, notes["population"]), rec.city.population)
        if rec.period.start is not None:
            years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b",
                                                span(rec, notes["start year"]))}
            # the stated year, or the year after an event the launch is said to follow
            assert years & {rec.period.start, rec.period.start - 1}, rec.id


@pytest.mark.shared
def test_summaries_are_our_own_words(records: dict[str, InitiativeRecord],
                                     seed_report: Path) -> None:
    seed = " ".join(re.findall(r"[a-z0-9]+", seed_report.read_text(encoding="utf-8").lower()))
    for rec in records.values():
        words = re.findall(r"[a-z0-9]+", rec.summary.lower())
        copied = [" ".join(words[i:i + 7]) for i in range(len(words) - 6)
                  if " ".join(words[i:i + 7]) in seed]
        assert not copied, (rec.id, copied)


@pytest.mark.shared
def test_package_data_is_what_the_script_builds(seed_report: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_demo_data.py"),
                    str(seed_report), "--output", str(out)], check=True, capture_output=True)
    shipped = ROOT / "src" / "commonground" / "catalog" / "data" / "demo_initiatives.json"
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        shipped.read_text(encoding="utf-8"))
