"""The catalog commands as a user runs them: output, exit codes, store untouched on errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run
from factories import make_initiative


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    path = tmp_path / "in.json"
    recs = [make_initiative(id="rosario-gardens", sdgs=[2, 12]),
            make_initiative(id="quito-ordinance", title="Eco-efficiency", city="Quito",
                            country="EC", sdgs=[6, 7])]
    path.write_text(json.dumps([r.model_dump(mode="json") for r in recs]))
    return path


def test_import_list_show_export(capsys: pytest.CaptureFixture[str], records_file: Path,
                                 tmp_path: Path) -> None:
    rc, out, _ = run(capsys, "import", str(records_file), "--no-map")
    assert rc == 0 and "2 added" in out
    rc, out, _ = run(capsys, "list", "--json", "--sdg", "6")
    assert rc == 0 and [i["id"] for i in json.loads(out)["items"]] == ["quito-ordinance"]
    rc, out, _ = run(capsys, "show", "quito-ordinance")
    assert rc == 0 and "Quito, EC" in out and "SDGs (stated): 6, 7" in out
    rc, out, _ = run(capsys, "show", "quito-ordinance", "--json")
    assert json.loads(out)["city"]["name"] == "Quito"
    rc, out, _ = run(capsys, "export", "--format", "csv")
    assert rc == 0 and out.startswith("id,title,")
    target = tmp_path / "out" / "all.json"
    rc, out, _ = run(capsys, "export", "-o", str(target))
    assert rc == 0 and out == "" and len(json.loads(target.read_text())) == 2


@pytest.mark.usefixtures("fake_model")
def test_reimporting_the_demo_file_with_no_map_changes_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import resources

    demo = resources.files("commonground.catalog").joinpath("data", "demo_initiatives.json")
    with resources.as_file(demo) as path:
        rc, out, _ = run(capsys, "import", str(path))
        assert rc == 0 and "8 added" in out
        before = json.loads(run(capsys, "export")[1])
        assert any(s["source"] == "model" for r in before for s in r["sdgs"])
        rc, out, _ = run(capsys, "import", str(path), "--no-map")
        assert rc == 0 and "0 updated, 8 unchanged; model SDGs not mapped (--no-map" in out
    assert json.loads(run(capsys, "export")[1]) == before


def test_errors_exit_with_documented_codes(capsys: pytest.CaptureFixture[str],
                                          records_file: Path, tmp_path: Path) -> None:
    assert run(capsys, "import", str(records_file), "--no-map")[0] == 0
    before = run(capsys, "export")[1]
    bad = tmp_path / "bad.json"
    bad.write_text('[{"title": "x", "city": {"name": "y", "country": "QQ"}}]')
    rc, _, err = run(capsys, "import", str(bad), "--no-map")
    assert rc == 2 and err.count("\n") == 1 and "bad.json: record 1: city.country" in err
    rc, _, err = run(capsys, "show", "missing-id")
    assert rc == 4 and "no initiative with id 'missing-id'" in err
    rc, _, err = run(capsys, "export", "--format", "xml")
    assert rc == 2 and "xml" in err
    assert run(capsys, "export")[1] == before


def test_schema_and_settings(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert rc == 0 and schema["version"] == "1.0" and "sdgs" in schema["properties"]
    rc, out, _ = run(capsys, "settings", "--json")
    assert json.loads(out)["database_url"]["env"] == "COMMONGROUND_DATABASE_URL"


def test_python_dash_m_and_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "commonground", "--help"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "import" in proc.stdout and "export" in proc.stdout
