"""Model SDGs attached to records: beside stated and editor links, idempotent, loud on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import commonground.sdg
from commonground.catalog import SdgLink
from commonground.errors import ModelError
from commonground.sdg.enrich import (
    EVIDENCE_CHARS,
    TARGET_FLOOR,
    TARGETS_PER_GOAL,
    ModelEnricher,
    clip_evidence,
    enrich_record,
    model_enricher,
    model_links,
    record_text,
)
from commonground.sdg.mapping import GoalScore, SdgMapping, TargetScore
from commonground.settings import Settings

from cli_helpers import run
from factories import make_initiative


class Fixed:
    """A mapper with one fixed answer: goal 11 (targets above and below the floor), goal 3 no."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def map(self, text: str) -> SdgMapping:
        self.texts.append(text)
        goals = [GoalScore(goal=g, probability=0.9 if g == 11 else 0.1, predicted=g == 11,
                           evidence=["Bus lanes cut commutes.", " "] if g == 11 else [])
                 for g in range(1, 18)]
        targets = [TargetScore(target="11.2", score=0.8), TargetScore(target="11.6", score=0.5),
                   TargetScore(target="11.1", score=0.4), TargetScore(target="3.6", score=0.7),
                   TargetScore(target="11.3", score=TARGET_FLOOR - 0.01)]
        return SdgMapping(goals=goals, targets=targets, mode="accurate", language="en")


def test_model_links_sit_beside_stated_and_editor_links() -> None:
    rec = make_initiative(id="bogota-bus", title="Bus rapid transit", sdgs=[11, 3],
                          summary="Dedicated bus lanes.", text="Full case study text.")
    rec.sdgs.append(SdgLink(goal=9, source="editor"))
    rec.sdgs.append(SdgLink(goal=1, source="model", score=0.6))  # a stale model link
    mapper = Fixed()
    out = enrich_record(mapper, rec)
    assert mapper.texts == ["Bus rapid transit\n\nDedicated bus lanes.\n\nFull case study text."]
    assert [(s.goal, s.source) for s in out.sdgs[:3]] == [(11, "stated"), (3, "stated"),
                                                          (9, "editor")]
    model = out.sdgs[3:]
    assert [(s.goal, s.target, s.score) for s in model] == [
        (11, None, 0.9), (11, "11.2", 0.8), (11, "11.6", 0.5)][: 1 + TARGETS_PER_GOAL]
    assert all(s.source == "model" for s in model)
    assert model[0].evidence == ["Bus lanes cut commutes."]
    assert rec.sdgs[-1].goal == 1  # the input record is left as it was
    assert enrich_record(mapper, out) == out  # re-import gives the same record


def test_long_evidence_is_cut_after_a_whole_word_with_an_ellipsis() -> None:
    assert clip_evidence("with provisions for affordable housing", limit=30) == (
        "with provisions for…")
    assert clip_evidence("Bus lanes cut commutes.") == "Bus lanes cut commutes."
    exact = "x" * (EVIDENCE_CHARS - 4) + " end"
    assert clip_evidence(exact) == exact  # at the limit: nothing cut
    assert clip_evidence("y" * 400) == "y" * (EVIDENCE_CHARS - 1) + "…"  # no word boundary
    url = "see https://example.org/" + "a" * 400  # a short word, then one long token
    assert clip_evidence(url) == url[:EVIDENCE_CHARS - 1] + "…"


def test_model_links_keep_whole_words_of_long_evidence() -> None:
    sentence = ("The council approved the zoning plan, " * 7
                + "with provisions for affordable housing.")
    assert sentence[EVIDENCE_CHARS - 3:EVIDENCE_CHARS] == "hou"  # the limit cuts a word
    goals = [GoalScore(goal=g, probability=0.9 if g == 11 else 0.1, predicted=g == 11,
                       evidence=[sentence, "Short one."] if g == 11 else [])
             for g in range(1, 18)]
    link = model_links(SdgMapping(goals=goals, targets=[], mode="fast", language="en"))[0]
    cut, short = link.evidence
    assert cut.endswith("affordable…") and len(cut) <= EVIDENCE_CHARS
    assert sentence.startswith(cut[:-1]) and short == "Short one."


def test_a_record_without_words_gets_no_model_links() -> None:
    rec = make_initiative(id="t-num", title="2030", summary="", sdgs=[11])
    rec.sdgs.append(SdgLink(goal=1, source="model", score=0.6))
    mapper = Fixed()
    enrich = ModelEnricher(mapper)
    out = enrich(rec)
    assert mapper.texts == [] and [(s.goal, s.source) for s in out.sdgs] == [(11, "stated")]
    assert enrich.no_words == ["t-num"]
    assert enrich.warnings() == [
        "1 record got no model SDGs because the text has no words (no letter in title, "
        "summary or full text): 't-num'; add a summary in words to have it mapped"]
    enrich(make_initiative(id="bus", title="Bus lanes", sdgs=[11]))
    assert enrich.no_words == ["t-num"]


def test_record_text_uses_what_is_present() -> None:
    rec = make_initiative(title="Vegetable garden parks", summary="")
    assert record_text(rec) == "Vegetable garden parks"


def test_a_model_that_cannot_load_is_a_model_error(tmp_path: Path, settings: Settings) -> None:
    from dataclasses import replace

    broken = replace(settings, sdg_model=str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match=r"nowhere.*--no-map"):
        model_enricher(broken)


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    path = tmp_path / "in.json"
    recs = [make_initiative(id="cape-town-water", title="Water demand management",
                            city="Cape Town", country="ZA", sdgs=[6],
                            summary="The city cut water use during the drought."),
            make_initiative(id="rosario-gardens", sdgs=[2, 12],
                            summary="Food gardens on vacant city land.")]
    path.write_text(json.dumps([r.model_dump(mode="json") for r in recs]))
    return path


def _stored_model_links(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, object]]:
    rc, out, _ = run(capsys, "export")
    assert rc == 0
    return [(r["id"], s) for r in json.loads(out) for s in r["sdgs"] if s["source"] == "model"]


@pytest.mark.usefixtures("fake_model")
def test_the_summary_counts_the_model_links_on_the_records(
        capsys: pytest.CaptureFixture[str], records_file: Path, tmp_path: Path) -> None:
    assert run(capsys, "import", str(records_file))[0] == 0
    exported = tmp_path / "export.json"
    assert run(capsys, "export", "-o", str(exported))[0] == 0
    stored = _stored_model_links(capsys)
    assert len(stored) == 12
    # the file already holds the mapper's links: they are replaced, and counted, not lost
    rc, out, _ = run(capsys, "import", str(exported))
    assert rc == 0 and "2 unchanged; 12 model SDG links on the imported records" in out
    rc, out, _ = run(capsys, "import", str(exported), "--json")
    assert json.loads(out)["model_sdgs"] == 12 and _stored_model_links(capsys) == stored


@pytest.mark.usefixtures("fake_model")
def test_no_map_keeps_the_model_links_already_stored(
        capsys: pytest.CaptureFixture[str], records_file: Path) -> None:
    assert run(capsys, "import", str(records_file))[0] == 0
    stored = _stored_model_links(capsys)
    rc, out, _ = run(capsys, "import", str(records_file), "--no-map")
    assert rc == 0 and "2 unchanged; model SDGs not mapped (--no-map" in out
    assert _stored_model_links(capsys) == stored
    edited = json.loads(records_file.read_text())
    edited[0]["summary"] = "The city cut water use by half."
    records_file.write_text(json.dumps(edited))
    rc, out, _ = run(capsys, "import", str(records_file), "--no-map")
    assert rc == 0 and "0 added, 1 updated, 1 unchanged" in out
    assert _stored_model_links(capsys) == stored


@pytest.mark.usefixtures("fake_model")
def test_a_record_without_words_is_imported_without_model_sdgs(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    recs = [make_initiative(id="t-water", title="Safe water", summary="Piped water.", sdgs=[6]),
            make_initiative(id="t-num", title="2030", summary="", sdgs=[11])]
    path.write_text(json.dumps([r.model_dump(mode="json") for r in recs]))
    rc, out, err = run(capsys, "import", str(path))
    assert rc == 0, err
    assert "2 added" in out and "1 record got no model SDGs (no words in the text)" in out
    assert "warning: 1 record got no model SDGs because the text has no words" in err
    assert "'t-num'" in err
    assert {i for i, _ in _stored_model_links(capsys)} == {"t-water"}
    rc, out, _ = run(capsys, "import", str(path), "--json")
    report = json.loads(out)
    assert report["unchanged"] == ["t-water", "t-num"] and "'t-num'" in report["warnings"][0]
    assert report["unmapped_no_words"] == ["t-num"]


@pytest.mark.usefixtures("fake_model")
def test_import_attaches_model_sdgs_once(capsys: pytest.CaptureFixture[str],
                                         records_file: Path) -> None:
    rc, out, err = run(capsys, "import", str(records_file))
    assert rc == 0, err
    assert "2 added" in out and "12 model SDG links on the imported records" in out
    rc, out, _ = run(capsys, "show", "cape-town-water", "--json")
    sdgs = json.loads(out)["sdgs"]
    assert sdgs[0] == {"goal": 6, "target": None, "source": "stated", "score": None,
                       "evidence": [], "source_ref": None}
    model = [(s["goal"], s["target"]) for s in sdgs if s["source"] == "model"]
    assert sorted(model, key=str) == sorted([(6, None), (6, "6.1"), (6, "6.2"), (11, None),
                                             (11, "11.1"), (11, "11.2")], key=str)
    assert next(s for s in sdgs if s["goal"] == 6 and s["source"] == "model")["evidence"] == [
        "water"]
    rc, out, _ = run(capsys, "import", str(records_file))
    assert rc == 0 and "2 unchanged" in out
    rc, out, _ = run(capsys, "show", "rosario-gardens")
    assert "SDGs (stated): 2, 12" in out and "SDGs (model): " in out


def test_import_with_a_broken_model_writes_nothing(capsys: pytest.CaptureFixture[str],
                                                   records_file: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMONGROUND_SDG_MODEL", str(tmp_path / "nowhere"))
    rc, out, err = run(capsys, "import", str(records_file))
    assert rc == 6 and out == "" and "--no-map" in err and err.count("\n") == 1
    rc, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)["total"] == 0
    assert run(capsys, "import", str(records_file), "--no-map")[0] == 0


@pytest.mark.slow
def test_the_shipped_model_enriches_a_record(settings: Settings) -> None:
    # tests/conftest.py turns this skip into a failure under COMMONGROUND_REQUIRE_ALL=1
    # (`from conftest import need` is shadowed by folder conftests such as tests/ingest's)
    if not (commonground.sdg.SHIPPED_MODEL / "model_card.json").is_file():
        pytest.skip(f"the trained SDG mapper is not in {commonground.sdg.SHIPPED_MODEL} yet")
    rec = make_initiative(
        id="quito-water", title="Protecting the water sources of Quito", city="Quito",
        country="EC", sdgs=[6],
        summary="A water fund pays upstream farmers to protect the páramo so that the city "
                "keeps clean drinking water and the watersheds recover.")
    out = model_enricher(settings)(rec)
    assert out.sdgs[0].source == "stated"
    model = [s for s in out.sdgs if s.source == "model"]
    assert 6 in [s.goal for s in model if s.target is None]
    assert all(s.score is not None for s in model)
    assert model_enricher(settings)(out) == out
