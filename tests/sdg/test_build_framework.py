"""scripts/build_sdg_framework.py: text clean-up and the checks on its CSV, on small CSVs
built here (17 goals and 169 targets, as the script requires, with made-up texts)."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import load_script

# Targets per goal in the 2030 Agenda (169 in all); only the count matters to the script.
TARGETS_PER_GOAL = (7, 8, 13, 10, 9, 8, 5, 12, 8, 10, 10, 11, 5, 10, 12, 12, 19)
HEADER = ["lang", "level", "id", "goal", "field", "text"]


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("scripts/build_sdg_framework.py")


def make_rows(langs: tuple[str, ...] = ("en", "fr")) -> list[dict[str, str]]:
    """A complete framework in ``langs``: goals, targets and one indicator per target."""
    rows: list[dict[str, str]] = []

    def add(level: str, rid: str, fld: str) -> None:
        goal = rid.split(".")[0]
        for lang in langs:
            rows.append({"lang": lang, "level": level, "id": rid, "goal": goal,
                         "field": fld, "text": f"{lang} {level} {rid} {fld}"})

    for goal, n in enumerate(TARGETS_PER_GOAL, start=1):
        add("goal", str(goal), "short")
        add("goal", str(goal), "title")
        for k in range(1, n + 1):
            add("target", f"{goal}.{k}", "title")
            add("indicator", f"{goal}.{k}.1", "title")
    return rows


def without(rows: list[dict[str, str]], **match: str) -> list[dict[str, str]]:
    return [r for r in rows if any(r[k] != v for k, v in match.items())]


def set_text(rows: list[dict[str, str]], text: str, **match: str) -> list[dict[str, str]]:
    return [dict(r, text=text) if all(r[k] == v for k, v in match.items()) else r
            for r in rows]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def target_title(data: dict[str, Any], tid: str) -> dict[str, str]:
    return next(t["title"] for t in data["targets"] if t["id"] == tid)


def test_complete_fixture_builds(script: ModuleType) -> None:
    data = script.build(make_rows())
    assert data["languages"] == ["en", "fr"]
    assert len(data["goals"]) == 17 and len(data["targets"]) == 169
    assert target_title(data, "6.2") == {"en": "en target 6.2 title", "fr": "fr target 6.2 title"}


def test_clean_text(script: ModuleType) -> None:
    clean = script.clean_text
    # NFC: a decomposed é becomes one code point
    assert clean("E\u0301liminer la pauvrete\u0301") == "Éliminer la pauvreté"
    # C1 controls that are cp1252 punctuation read as Latin-1 (German target 14.c)
    assert clean("Dokuments \x84Die Zukunft, die wir wollen\x93") == (
        "Dokuments „Die Zukunft, die wir wollen“")
    assert clean("a\x85") == "a…"  # repaired before whitespace is collapsed
    assert clean("x\x81y") == "x\x81y"  # undefined in cp1252: kept as it is
    # soft hyphens are line-break hints inside words; one must not split a letter and its accent
    assert clean("aconse\xadguint") == "aconseguint"
    assert clean("e\xad\u0301") == "é"
    # wording, tatweel and joiners stay; whitespace collapses
    assert clean("  Travaux  décent\n") == "Travaux décent"
    assert clean("\u0627\u0640\u0644") == "\u0627\u0640\u0644"
    assert clean("\u1000\u200c\u1001") == "\u1000\u200c\u1001"


def test_build_cleans_every_text(script: ModuleType) -> None:
    rows = set_text(make_rows(), "Re\u0301duire \x93x\x94 dura\xadble", lang="fr", id="1.2")
    data = script.build(rows)
    assert target_title(data, "1.2")["fr"] == "Réduire “x” durable"


@pytest.mark.parametrize(("match", "named"), [
    ({"lang": "en", "level": "target", "id": "6.2"}, "target 6.2 title"),
    ({"lang": "en", "level": "indicator", "id": "11.2.1"}, "indicator 11.2.1 title"),
    ({"lang": "en", "level": "goal", "id": "3", "field": "short"}, "goal 3 short"),
])
def test_missing_english_text_is_an_error(script: ModuleType, match: dict[str, str],
                                          named: str) -> None:
    with pytest.raises(SystemExit, match=f"no English text for {named};.*add the missing"):
        script.build(without(make_rows(), **match))


def test_empty_english_text_is_missing(script: ModuleType) -> None:
    rows = set_text(make_rows(), "  ", lang="en", level="target", id="6.2")
    with pytest.raises(SystemExit, match=r"no English text for target 6\.2 title"):
        script.build(rows)


def test_goal_short_title_missing_everywhere(script: ModuleType) -> None:
    rows = without(make_rows(), level="goal", id="5", field="short")
    with pytest.raises(SystemExit, match=r"goal 5 short \(in no language either\)"):
        script.build(rows)


def test_empty_translation_is_left_out(script: ModuleType,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = script.build(set_text(make_rows(), "", lang="fr", level="target", id="6.2"))
    assert "fr" not in target_title(data, "6.2")  # not shipped as '': English is shown
    assert "fr" in data["languages"]
    assert "fr target 6.2 title" in capsys.readouterr().err


def test_sparse_languages_are_dropped(script: ModuleType,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    rows = make_rows(("en", "fr", "de", "uk", "xx"))
    rows = [r for r in rows if r["lang"] != "uk" or r["level"] == "goal"]  # 34 of 372
    rows = set_text(rows, "", lang="xx")  # named, but no text at all
    # 'de' lacks 28 of 372 texts (92%): above the floor, kept
    rows = [r for r in rows if not (r["lang"] == "de" and r["level"] == "indicator"
                                    and int(r["goal"]) <= 3)]
    data = script.build(rows)
    assert data["languages"] == ["en", "de", "fr"]
    every = [d for g in data["goals"] for d in (g["short"], g["title"])]
    every += [t["title"] for t in data["targets"]] + [i["title"] for i in data["indicators"]]
    assert not any("uk" in d or "xx" in d for d in every)
    err = capsys.readouterr().err
    assert "language 'uk' left out: it has 9%" in err
    assert "language 'xx' left out: it has 0%" in err
    assert "'de'" not in err


@pytest.mark.parametrize("content", [
    "lang,level,id,goal,field,text\nfr,goal,1,1,short,Pas de pauvret\xe9\n".encode("latin-1"),
    bytes(range(256)) * 4,
])
def test_undecodable_csv_is_a_clear_error(script: ModuleType, tmp_path: Path,
                                          content: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(SystemExit, match=r"not UTF-8 text .*Export the CSV as UTF-8"):
        script.main([str(path), "--output", str(tmp_path / "out.gz")])
    assert not (tmp_path / "out.gz").exists()


def test_script_errors_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xf0\x80\x00binary")
    run = subprocess.run([sys.executable, "scripts/build_sdg_framework.py", str(path),
                          "--output", str(tmp_path / "out.gz")],
                         capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert run.returncode == 1
    assert "not UTF-8 text" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("en,goal,1,1,short\n", "line 2: not the header's 6 fields"),
    ("en,goal,1,1,short,a,b\n", "line 2: not the header's 6 fields"),
    ("en,region,1,1,title,x\n", "unknown level or field"),
    ("en,target,6.z.1,6,title,x\n", "target id '6.z.1' .* is not an SDG target id"),
])
def test_malformed_rows(script: ModuleType, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(",".join(HEADER) + "\n" + text, encoding="utf-8")
    with pytest.raises(SystemExit, match=message):
        script.main([str(path), "--output", str(tmp_path / "out.gz")])


def test_output_is_deterministic(script: ModuleType, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "texts.csv", make_rows())
    outs = [tmp_path / "a.json.gz", tmp_path / "b.json.gz"]
    for out in outs:
        script.main([str(source), "--output", str(out)])
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert json.loads(gzip.decompress(outs[0].read_bytes()))["languages"] == ["en", "fr"]
