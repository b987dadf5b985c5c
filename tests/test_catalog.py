"""Catalog: records, the store on SQLite and PostgreSQL, queries and the record format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commonground import catalog
from commonground.catalog import Filters, InitiativeRecord, SdgLink
from commonground.errors import InvalidInput, InvalidRecord, NotFound
from commonground.store import Store

from factories import make_initiative


def _three() -> list[InitiativeRecord]:
    return [
        make_initiative(title="Vegetable garden parks", city="Rosario", country="AR",
                        sdgs=[2, 12], partners=[("CEPAR", "civil_society")], start=2002,
                        awards=["Prize for Cities"]),
        make_initiative(title="Industrial symbiosis", city="Cape Town", country="ZA",
                        region="Sub-Saharan Africa", sdgs=[12, 13],
                        partners=[("GreenCape", "civil_society"),
                                  ("University of Cape Town", "academic")],
                        start=2013, awards=["Guangzhou Award"]),
        make_initiative(title="Heat action", city="Ahmedabad", country="IN",
                        region="Central and Southern Asia", sdgs=[1, 5, 13],
                        partners=[("Ahmedabad Municipal Corporation", "public")], start=2014,
                        awards=["Prize for Cities"]),
    ]


def test_add_then_read_back_is_the_same_record(any_store: Store) -> None:
    rec = _three()[1]
    report = catalog.add_initiatives(any_store, [rec])
    assert report.added == ["cape-town-industrial-symbiosis"]
    got = catalog.get_initiative(any_store, "cape-town-industrial-symbiosis")
    assert got.model_dump(exclude={"id"}) == rec.model_dump(exclude={"id"})


def test_reimport_updates_instead_of_duplicating(any_store: Store) -> None:
    recs = _three()
    catalog.add_initiatives(any_store, recs)
    again = catalog.add_initiatives(any_store, recs)
    assert len(again.unchanged) == 3 and not again.added
    changed = recs[0].model_copy(update={"summary": "A new summary."})
    report = catalog.add_initiatives(any_store, [changed])
    assert report.updated == [catalog.generated_id(recs[0])]
    assert catalog.count_initiatives(any_store) == 3


def test_filters_and_facets(any_store: Store) -> None:
    catalog.add_initiatives(any_store, _three())

    def titles(**kw: object) -> list[str]:
        page = catalog.list_initiatives(any_store, Filters(**kw))  # type: ignore[arg-type]
        return [i.title for i in page.items]

    assert titles(goal=13) == ["Heat action", "Industrial symbiosis"]
    assert titles(country="in") == ["Heat action"]
    assert titles(region="sub-saharan africa") == ["Industrial symbiosis"]
    assert titles(award="Prize for Cities") == ["Heat action", "Vegetable garden parks"]
    assert titles(sector="academic") == ["Industrial symbiosis"]
    assert titles(year_to=2005) == ["Vegetable garden parks"]
    assert titles(year_from=2010, goal=13) == ["Heat action", "Industrial symbiosis"]
    f = catalog.facets(any_store, Filters(goal=13))
    assert {c.value: c.count for c in f.countries} == {"IN": 1, "ZA": 1}
    assert {c.value: c.count for c in f.goals}["13"] == 2
    counts = catalog.goal_counts(any_store)
    assert counts[13] == 2 and counts[12] == 2 and counts[17] == 0


def test_pagination(any_store: Store) -> None:
    catalog.add_initiatives(any_store, _three())
    first = catalog.list_initiatives(any_store, limit=2, offset=0)
    second = catalog.list_initiatives(any_store, limit=2, offset=2)
    assert first.total == second.total == 3
    assert len(first.items) == 2 and len(second.items) == 1
    assert not {i.id for i in first.items} & {i.id for i in second.items}


def test_failed_import_writes_nothing(any_store: Store) -> None:
    catalog.add_initiatives(any_store, _three()[:1])
    dup = _three()[1]
    with pytest.raises(InvalidRecord, match="appears twice"):
        catalog.add_initiatives(any_store, [_three()[2], dup, dup])
    assert catalog.count_initiatives(any_store) == 1


def _remap(rec: InitiativeRecord) -> InitiativeRecord:
    """An enricher like the SDG mapper's: its two model links replace the record's own."""
    kept = [s for s in rec.sdgs if s.source != "model"]
    return rec.model_copy(update={"sdgs": [*kept, SdgLink(goal=11, source="model", score=0.9),
                                           SdgLink(goal=3, source="model", score=0.7)]})


def _model_links(store: Store, initiative_id: str) -> list[tuple[int, str | None]]:
    rec = catalog.get_initiative(store, initiative_id)
    return [(s.goal, s.target) for s in rec.sdgs if s.source == "model"]


def test_model_sdgs_counts_the_model_links_the_records_end_up_with(any_store: Store) -> None:
    fresh = make_initiative(id="fresh", sdgs=[2])
    mapped = make_initiative(id="mapped", sdgs=[2])
    mapped.sdgs += [SdgLink(goal=1, source="model", score=0.6),
                    SdgLink(goal=1, target="1.1", source="model", score=0.4)]
    report = catalog.add_initiatives(any_store, [fresh, mapped], enrich=_remap)
    assert report.model_sdgs == 4
    assert _model_links(any_store, "mapped") == [(11, None), (3, None)]
    again = catalog.add_initiatives(any_store, [fresh, mapped], enrich=_remap)
    assert again.unchanged == ["fresh", "mapped"] and again.model_sdgs == 4


def test_an_update_without_enricher_keeps_the_stored_model_links(any_store: Store) -> None:
    rec = make_initiative(id="bus", sdgs=[11])
    catalog.add_initiatives(any_store, [rec], enrich=_remap)
    again = catalog.add_initiatives(any_store, [rec])
    assert again.unchanged == ["bus"] and again.model_sdgs == 2  # kept, and counted
    assert _model_links(any_store, "bus") == [(11, None), (3, None)]
    edited = rec.model_copy(update={"summary": "Bus lanes on every avenue."})
    assert catalog.add_initiatives(any_store, [edited]).updated == ["bus"]
    got = catalog.get_initiative(any_store, "bus")
    assert got.summary == "Bus lanes on every avenue."
    assert [(s.goal, s.source) for s in got.sdgs] == [(11, "stated"), (11, "model"),
                                                      (3, "model")]
    # model links the record brings are what the user gave: they are stored as given
    given = edited.model_copy(update={"sdgs": [*edited.sdgs, SdgLink(goal=9, source="model")]})
    assert catalog.add_initiatives(any_store, [given]).updated == ["bus"]
    assert _model_links(any_store, "bus") == [(9, None)]


def test_a_kept_model_link_loses_a_reference_past_the_new_sources(store: Store) -> None:
    rec = make_initiative(id="bus", sdgs=[11])
    rec.sources.append(rec.sources[0].model_copy(update={"locator": "p. 9"}))
    rec.sdgs.append(SdgLink(goal=3, source="model", source_ref=1))
    catalog.add_initiatives(store, [rec])
    fewer = rec.model_copy(update={"sdgs": rec.sdgs[:1], "sources": rec.sources[:1]})
    assert catalog.add_initiatives(store, [fewer]).updated == ["bus"]
    got = catalog.get_initiative(store, "bus")
    assert [(s.goal, s.source, s.source_ref) for s in got.sdgs] == [(11, "stated", None),
                                                                    (3, "model", None)]
    InitiativeRecord.model_validate(got.model_dump())  # still a valid record


def test_a_kept_model_link_follows_its_source_when_sources_are_reordered(store: Store) -> None:
    rec = make_initiative(id="bus", sdgs=[11])
    rec.sources.append(rec.sources[0].model_copy(update={"document": "report-2.pdf"}))
    rec.sdgs.append(SdgLink(goal=3, source="model", source_ref=1))  # report-2.pdf
    catalog.add_initiatives(store, [rec])
    swapped = rec.model_copy(update={"sdgs": rec.sdgs[:1],
                                     "sources": [rec.sources[1], rec.sources[0]]})
    report = catalog.add_initiatives(store, [swapped])
    got = catalog.get_initiative(store, "bus")
    model = next(s for s in got.sdgs if s.source == "model")
    assert got.sources[model.source_ref or 0].document == "report-2.pdf"
    assert model.source_ref == 0 and report.model_sdgs == 1  # the kept link is counted


def test_unknown_id_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="commonground list"):
        catalog.get_initiative(store, "nope")


def test_bad_filters_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="1 to 17"):
        Filters(goal=18)
    with pytest.raises(InvalidInput, match="sector"):
        Filters(sector="banks")
    with pytest.raises(InvalidInput, match="swap"):
        Filters(year_from=2020, year_to=2010)


@pytest.mark.parametrize(("patch", "message"), [
    ({"city": {"name": "X", "country": "XX"}}, "ISO 3166-1"),
    ({"sdgs": [{"goal": 18, "source": "stated"}]}, "less than or equal to 17"),
    ({"sdgs": [{"goal": 6, "target": "11.2", "source": "model"}]}, "not a target of goal 6"),
    ({"sdgs": [{"goal": 6, "source": "guess"}]}, "stated"),
    ({"partners": [{"name": "A", "sector": "banks"}]}, "civil_society"),
    ({"period": {"start": 2020, "end": 2010}}, "before period.start"),
    ({"id": "Has Spaces"}, "lower-case"),
    ({"outcomes": [{"description": "x", "source_ref": 3}]}, "points past"),
    ({"colour": "red"}, "Extra inputs"),
])
def test_invalid_records_name_the_problem(tmp_path: Path, patch: dict[str, object],
                                          message: str) -> None:
    data = make_initiative().model_dump(mode="json") | patch
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([data]))
    with pytest.raises(InvalidRecord, match=message) as exc:
        catalog.read_records(path)
    assert "bad.json: record 1" in exc.value.message


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_import_export_is_byte_identical(any_store: Store, tmp_path: Path,
                                                fmt: str) -> None:
    recs = _three()
    recs[0].text = 'Quotes " and commas, and\nnew lines; ünïcode 东京'
    recs[1].outcomes[0].value = 10.7e6
    catalog.add_initiatives(any_store, recs)
    first = catalog.write_export(catalog.iter_records(any_store), fmt, None)
    assert first is not None
    path = tmp_path / f"export.{fmt}"
    path.write_text(first, encoding="utf-8")
    empty = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    report = catalog.add_initiatives(empty, catalog.read_records(path))
    assert len(report.added) == 3
    second = catalog.write_export(catalog.iter_records(empty), fmt, None)
    assert second == first


def test_datapackage_export(store: Store, tmp_path: Path) -> None:
    catalog.add_initiatives(store, _three())
    out = tmp_path / "pkg"
    catalog.write_export(catalog.iter_records(store), "datapackage", out)
    descriptor = json.loads((out / "datapackage.json").read_text())
    names = [r["name"] for r in descriptor["resources"]]
    assert names[0] == "initiatives" and "sdg_links" in names
    for res in descriptor["resources"]:
        header = (out / res["path"]).read_text().splitlines()[0].split(",")
        assert header == [f["name"] for f in res["schema"]["fields"]]
    links = (out / "sdg_links.csv").read_text().splitlines()
    assert len(links) == 1 + 2 + 2 + 3
    inline = json.loads(catalog.write_export(catalog.iter_records(store), "datapackage", None)
                        or "")
    assert inline["resources"][0]["data"][0][0] == "id"
    assert len(inline["resources"][0]["data"]) == 4


def test_csv_accepts_hand_made_sheets(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text("title,city_name,city_country,sdgs\nBus lanes,Curitiba,BR,11; 9\n")
    (rec,) = catalog.read_records(path)
    assert rec.city.country == "BR"
    assert [(s.goal, s.source) for s in rec.sdgs] == [(11, "editor"), (9, "editor")]


@pytest.mark.parametrize(("name", "body", "message"), [
    ("a.txt", b"[]", "unknown extension"),
    ("a.json", b"", "empty"),
    ("a.json", b"\xff\xfe\x00garbage", "not UTF-8"),
    ("a.json", b"{not json", "not valid JSON"),
    ("a.jsonl", b'{"title": "x"}\n[1]\n', "line 1"),
    ("a.csv", b"name,country\nx,y\n", "CSV header lacks"),
])
def test_unreadable_files_are_rejected(tmp_path: Path, name: str, body: bytes,
                                       message: str) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(InvalidInput, match=message):
        catalog.read_records(path)
