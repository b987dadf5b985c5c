"""The ingest command's other outputs: plain dry run, --text, folders with duplicates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from commonground.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_plain_dry_run_lists_case_studies_with_their_locators(
        seed_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, "ingest", str(seed_report), "--dry-run")
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 8
    assert lines[6].startswith("dar-es-salaam-") and "Dar es Salaam (TZ)" in lines[6]
    assert "stated SDGs 4,9" in lines[6] and "(report p. 10 per contents)" in lines[6]
    assert "8 case studies from 1 file(s); nothing stored (--dry-run)" in err


def test_text_prints_what_the_offsets_index(seed_pdf: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "ingest", str(seed_pdf), "--dry-run", "--json")
    rec = next(r for r in json.loads(out) if r["city"]["name"] == "Quito")
    rc, text, _ = _run(capsys, "ingest", str(seed_pdf), "--text")
    assert rc == 0
    figure = next(o for o in rec["outcomes"] if o["unit"] == "USD")
    src = rec["sources"][figure["source_ref"]]
    assert "10.7 million" in text[src["start"]:src["end"]]
    assert "10.7 million" in text.split("\f")[src["page"] - 1]


def test_a_folder_with_the_same_report_twice_keeps_one_copy(
        seed_report: Path, seed_pdf: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(seed_report, folder / "a-report.md")
    shutil.copy(seed_pdf, folder / "b-report.pdf")
    rc, out, err = _run(capsys, "ingest", str(folder))
    assert rc == 0 and "reports (2 files): 8 case studies; 8 added" in out
    assert err.count("is already in a-report.md; kept the first") == 8
    rc, out, _ = _run(capsys, "export")
    records = json.loads(out)
    assert len(records) == 8
    assert {r["sources"][0]["document"] for r in records} == {"a-report.md"}


def test_ingesting_the_report_after_the_demo_adds_no_duplicates(
        seed_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "demo", "--no-serve")[0] == 0
    before = _run(capsys, "export")[1]
    rc, out, err = _run(capsys, "ingest", str(seed_report))
    assert rc == 0 and "0 added" in out and "8 already in the catalog under another id" in out
    assert err.count("is already in the catalog as '") == 8
    assert _run(capsys, "export")[1] == before


WATER = """# Water for every district

*Lima, Peru*

The city connected 20,000 households to piped water in 2015 (SDG 6).
"""


@pytest.mark.usefixtures("fake_model")
def test_the_summary_counts_model_links_and_no_map_keeps_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMONGROUND_AUTO_MAP_SDGS", "1")  # the fake mapper (tests/fakes.py)
    path = tmp_path / "water.md"
    path.write_text(WATER, encoding="utf-8")

    def model_links() -> list[object]:
        [rec] = json.loads(_run(capsys, "export")[1])
        return [s for s in rec["sdgs"] if s["source"] == "model"]

    rc, out, err = _run(capsys, "ingest", str(path))
    assert rc == 0, err
    assert "1 added, 0 updated, 0 unchanged; 6 model SDG links on the ingested records" in out
    stored = model_links()
    assert len(stored) == 6
    rc, out, _ = _run(capsys, "ingest", str(path))
    assert rc == 0 and "1 unchanged; 6 model SDG links on the ingested records" in out
    rc, out, _ = _run(capsys, "ingest", str(path), "--no-map")
    assert rc == 0 and "1 unchanged; model SDGs not mapped (--no-map" in out
    path.write_text(WATER.replace("in 2015", "in 2016"), encoding="utf-8")
    rc, out, _ = _run(capsys, "ingest", str(path), "--no-map")
    assert rc == 0 and "1 updated" in out
    assert model_links() == stored
