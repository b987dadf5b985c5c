"""The seed report, as Markdown and as a PDF rendering of it: eight initiatives, cited facts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from commonground.catalog import InitiativeRecord
from commonground.cli import main
from commonground.ingest import extract_file, read_document
from commonground.settings import Settings

EXPECTED = {
    "Odisha": ("IN", {"Prize for Cities", "Guangzhou Award"}, [8, 9]),
    "Cape Town": ("ZA", {"Guangzhou Award"}, [12, 13]),
    "Quito": ("EC", {"Guangzhou Award"}, [6, 7]),
    "Saint-Louis": ("SN", {"Guangzhou Award"}, [13, 14]),
    "Rosario": ("AR", {"Prize for Cities"}, [5, 12]),
    "Milan": ("IT", {"Guangzhou Award"}, [5, 12]),
    "Dar es Salaam": ("TZ", {"Prize for Cities"}, [4, 9]),
    "Ahmedabad": ("IN", {"Prize for Cities"}, [1, 5, 13]),
}


@pytest.fixture(params=["markdown", "pdf"])
def seed_doc(request: pytest.FixtureRequest, seed_report: Path) -> Path:
    if request.param == "pdf":
        return Path(request.getfixturevalue("seed_pdf"))
    return seed_report


def _by_city(path: Path, settings: Settings) -> dict[str, InitiativeRecord]:
    records = extract_file(path, settings).records
    by_city = {r.city.name: r for r in records}
    assert len(by_city) == len(records)
    return by_city


def _figure(rec: InitiativeRecord, value: float, unit_prefix: str) -> str:
    hits = [o for o in rec.outcomes if o.value == value and (o.unit or "").startswith(unit_prefix)]
    assert hits, (f"{rec.city.name}: no outcome {value} {unit_prefix} among "
                  f"{[(o.value, o.unit) for o in rec.outcomes]}")
    return hits[0].description


def test_eight_initiatives_with_places_awards_and_stated_sdgs(seed_doc: Path,
                                                             settings: Settings) -> None:
    by_city = _by_city(seed_doc, settings)
    assert sorted(by_city) == sorted(EXPECTED)
    for city, (country, awards, goals) in EXPECTED.items():
        rec = by_city[city]
        assert rec.city.country == country, city
        assert {a.programme for a in rec.awards} == awards, city
        assert rec.goals("stated") == goals, city
        stated = [s for s in rec.sdgs if s.source == "stated"]
        # the evidence is the sentence stating the goals, without the box's label
        assert all(s.evidence and "SDGs" in s.evidence[0] for s in stated), city
        assert not any(s.evidence[0].startswith("SDG Urban") for s in stated), city


def test_key_figures_are_among_the_outcomes(seed_doc: Path, settings: Settings) -> None:
    by_city = _by_city(seed_doc, settings)
    assert "road traffic injuries" in _figure(by_city["Dar es Salaam"], 26, "%")
    assert "development rights" in _figure(by_city["Quito"], 10_700_000, "USD")
    assert "mangroves" in _figure(by_city["Saint-Louis"], 50, "ha")
    assert "carbon" in _figure(by_city["Saint-Louis"], 350, "t")
    assert "gardens" in _figure(by_city["Rosario"], 2400, "families")
    assert by_city["Ahmedabad"].outcomes and _figure(by_city["Ahmedabad"], 125_000, "people")
    assert by_city["Cape Town"].city.population == 4_700_000
    assert by_city["Quito"].period.start == 2016
    assert by_city["Dar es Salaam"].period.start == 2012


def test_partners_with_sectors(seed_doc: Path, settings: Settings) -> None:
    by_city = _by_city(seed_doc, settings)
    cape = {p.name: p.sector for p in by_city["Cape Town"].partners}
    assert cape == {"City of Cape Town": "public", "Green Cape": "civil_society",
                    "University of Cape Town": "academic"}
    dar = {p.name: p.sector for p in by_city["Dar es Salaam"].partners}
    assert dar["Amend"] == "civil_society" and dar["FIA Foundation"] == "civil_society"
    assert any("Centers for Disease Control" in n for n in dar)
    rosario = {p.name: p.sector for p in by_city["Rosario"].partners}
    assert rosario["National University of Rosario"] == "academic"
    assert rosario["United Nations Human Settlements Program"] == "international"


def test_every_fact_cites_the_passage_it_came_from(seed_doc: Path, settings: Settings) -> None:
    doc = read_document(seed_doc, settings)
    pages = doc.text.split("\f")
    for rec in _by_city(seed_doc, settings).values():
        whole = rec.sources[0]
        assert whole.document == seed_doc.name and whole.start is not None
        assert rec.title.split()[0] in doc.text[whole.start:whole.end]
        facts = rec.facts()
        assert facts and all(f.source_ref is not None for f in facts)
        for partner in rec.partners:
            assert partner.source_ref is not None
            src = rec.sources[partner.source_ref]
            cited = " ".join(doc.text[src.start or 0:src.end or 0].split())
            assert partner.name in cited, (partner.name, cited)
        for outcome in rec.outcomes:
            assert outcome.source_ref is not None
            src = rec.sources[outcome.source_ref]
            assert src.start is not None and src.end is not None and src.page is not None
            cited = " ".join(doc.text[src.start:src.end].split())
            assert cited.replace("\\$", "$").startswith(outcome.description[:20].rstrip("…"))
            assert src.locator and src.locator.startswith(("p. ", "pp. "))
            # the page the source names holds the start of the passage
            assert " ".join(pages[src.page - 1].split()).find(cited[:30]) >= 0


def test_pdf_cites_real_pages_and_markdown_the_contents_page(seed_report: Path, seed_pdf: Path,
                                                            settings: Settings) -> None:
    md = _by_city(seed_report, settings)
    pdf = _by_city(seed_pdf, settings)
    assert [r.id for r in md.values()] == [r.id for r in pdf.values()]
    assert "(report p. 10 per contents)" in (md["Dar es Salaam"].sources[0].locator or "")
    pages = [r.sources[0].page or 0 for r in pdf.values()]
    assert pages == sorted(pages) and pages[0] > 1 and len(set(pages)) == 8


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_cli_dry_run_prints_records_and_stores_nothing(seed_doc: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "ingest", str(seed_doc), "--dry-run", "--json")
    assert rc == 0
    records = json.loads(out)
    assert len(records) == 8
    assert {r["city"]["name"]: r["city"]["country"] for r in records}["Dar es Salaam"] == "TZ"
    InitiativeRecord.model_validate(records[0])
    rc, out, _ = _run(capsys, "list", "--json")
    assert json.loads(out)["total"] == 0


def test_cli_reingest_updates_instead_of_duplicating(seed_report: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "ingest", str(seed_report))
    assert rc == 0 and "8 case studies; 8 added" in out
    rc, out, _ = _run(capsys, "ingest", str(seed_report), "--json")
    assert rc == 0 and len(json.loads(out)["unchanged"]) == 8
    rc, out, _ = _run(capsys, "list", "--json")
    assert json.loads(out)["total"] == 8
    rc, out, _ = _run(capsys, "show", "dar-es-salaam-school-area-road-safety-assessments-and-"
                                      "improvements-sarsai")
    assert rc == 0 and "Dar es Salaam, TZ" in out and "SDGs (stated): 4, 9" in out


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf-a5", "no-contents"])
def test_the_seed_in_other_formats_gives_the_same_records(
        fmt: str, seed_report: Path, render_seed: Callable[[str], Path],
        settings: Settings) -> None:
    # DOCX headings, HTML blocks, narrow PDF pages that wrap headings and contents lines, and
    # no contents page at all (place lines split it; the list of initiatives places the
    # Dar es Salaam section, which has no place line, and is itself no case study)
    path = render_seed(fmt)

    def facts(records: list[InitiativeRecord]) -> list[tuple[object, ...]]:
        return [(r.id, r.city.name, r.city.country, [a.programme for a in r.awards],
                 r.goals("stated"), r.period.start, r.city.population,
                 sorted((o.value, o.unit) for o in r.outcomes),
                 sorted((p.name, p.sector) for p in r.partners)) for r in records]

    assert facts(extract_file(path, settings).records) == facts(
        extract_file(seed_report, settings).records)
