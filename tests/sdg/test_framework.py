"""The SDG framework shipped as package data: counts, translations, colours, lookups."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
import tomllib
import unicodedata
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pytest

from commonground.errors import InvalidInput, NotFound
from commonground.sdg.framework import (
    Framework,
    contrast_ratio,
    framework,
    normalise_lang,
    parse_target_id,
    text_colour_for,
)

from conftest import load_script

ROOT = Path(__file__).resolve().parents[2]

UN_COLOURS = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
    7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
    13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A",
}


@pytest.fixture(scope="module")
def fw() -> Framework:
    return framework()


def test_counts(fw: Framework) -> None:
    assert [g.number for g in fw.goals] == list(range(1, 18))
    assert len(fw.targets) == 169
    assert len({t.id for t in fw.targets}) == 169
    assert sum(len(g.targets) for g in fw.goals) == 169
    indicator_ids = {i.id for t in fw.targets for i in t.indicators}
    # The source lists 252 indicator rows; some indicators repeat under several targets
    # (e.g. disaster losses) with their own ids, so there are 235 distinct English texts.
    assert len(indicator_ids) == 252
    assert len({i.title["en"] for i in fw.indicators}) == 235
    assert all(i.target == t.id for t in fw.targets for i in t.indicators)


def test_cached(fw: Framework) -> None:
    assert framework() is fw


def test_targets_in_official_order(fw: Framework) -> None:
    assert [t.id for t in fw.goal(6).targets] == [
        "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.a", "6.b"]
    assert [t.id for t in fw.goal(17).targets][:2] == ["17.1", "17.2"]
    assert fw.goal(17).targets[-1].id == "17.19"


def test_languages(fw: Framework) -> None:
    for lang in ("en", "es", "fr", "zh-Hans", "ar", "ru"):
        assert lang in fw.languages
    assert "pt" not in fw.languages  # not in the source: documented in docs/sdg-framework.md
    assert len(fw.languages) == 26
    g11 = fw.goal(11)
    assert g11.label() == "Sustainable cities and communities"
    assert g11.label("es") == "Ciudades y comunidades sostenibles"
    assert "villes" in g11.label("fr").lower()
    assert "城市" in g11.label("zh-Hans")
    assert "المدن" in g11.long("ar")
    assert "город" in g11.long("ru").lower()
    for lang in ("es", "fr", "zh-Hans", "ar", "ru"):
        assert g11.short[lang] and g11.title[lang] and g11.short[lang] != g11.short["en"]


def _all_texts(fw: Framework) -> list[tuple[str, str, str]]:
    """(where, lang, text) for every text of the framework."""
    fields = [(f"goal {g.number}", d) for g in fw.goals for d in (g.short, g.title)]
    fields += [(f"target {t.id}", t.title) for t in fw.targets]
    fields += [(f"indicator {i.id}", i.title) for i in fw.indicators]
    return [(where, lang, text) for where, d in fields for lang, text in d.items()]


def test_texts_are_clean(fw: Framework) -> None:
    """NFC, no C1 controls, no soft hyphens, no empty text (scripts/build_sdg_framework.py)."""
    texts = _all_texts(fw)
    assert len(texts) > 11_000
    for where, lang, text in texts:
        assert text and text == text.strip(), (where, lang)
        assert unicodedata.is_normalized("NFC", text), (where, lang)
        assert not any("\x80" <= ch <= "\x9f" or ch == "\xad" for ch in text), (where, lang)
    assert "pauvreté" in fw.goal(1).long("fr")
    assert "Éliminer" in fw.goal(1).long("fr")
    assert "„Die Zukunft, die wir wollen“" in fw.target("14.c").text("de")
    assert "aconseguint" in fw.target("3.2").text("ca")
    # Arabic tatweel is kept as the source writes it
    assert any("\u0640" in text for _, lang, text in texts if lang == "ar")


def test_fallbacks(fw: Framework) -> None:
    g = fw.goal(3)
    assert g.label("pt") == g.label("en")  # the library's text lookup: English
    assert g.label("es-MX") == g.label("es")  # regional variant: base language
    assert g.label("nb_NO") == g.label("nb-NO") != g.label("en")
    assert fw.target("11.2").text("xx") == fw.target("11.2").title["en"]
    assert "transport" in fw.target("11.2").text().lower()


def test_colours(fw: Framework) -> None:
    for g in fw.goals:
        assert g.colour == UN_COLOURS[g.number]
        assert g.text_colour in ("#000000", "#FFFFFF")
        other = "#FFFFFF" if g.text_colour == "#000000" else "#000000"
        assert contrast_ratio(g.colour, g.text_colour) >= contrast_ratio(g.colour, other)
    assert fw.goal(17).text_colour == "#FFFFFF"  # dark navy
    assert fw.goal(7).text_colour == "#000000"  # yellow


def test_contrast_maths() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert text_colour_for("#FFFFFF") == "#000000"
    assert text_colour_for("#000000") == "#FFFFFF"
    with pytest.raises(InvalidInput, match="'red'"):
        text_colour_for("red")


def test_not_found(fw: Framework) -> None:
    for bad in (0, 18, -1):
        with pytest.raises(NotFound, match="numbered 1 to 17"):
            fw.goal(bad)
    with pytest.raises(NotFound, match=re.escape("'6.z'")):
        fw.target("6.z")
    with pytest.raises(NotFound, match=re.escape("such as '11.2'")):
        fw.target("eleven")
    with pytest.raises(NotFound, match=re.escape("'99.1.1'")):
        fw.indicator("99.1.1")
    assert fw.indicator("11.2.1").target == "11.2"


def test_target_ids_parse(fw: Framework) -> None:
    assert parse_target_id("6.a") == (6, "a")
    assert parse_target_id("11.2") == (11, "2")
    for t in fw.targets:
        goal, _ = parse_target_id(t.id)
        assert goal == t.goal
        assert fw.target(t.id) is t
    with pytest.raises(InvalidInput, match=re.escape("'18.1'")):
        parse_target_id("18.1")


def test_attribution(fw: Framework) -> None:
    assert "open-sdg/sdg-translations" in fw.attribution
    assert "MIT" in fw.attribution
    assert "United Nations" in fw.attribution


def test_licence_notice_ships_beside_the_data() -> None:
    """The MIT licence asks for its copyright and permission notice in every copy."""
    name = "LICENSE-MIT-sdg-translations.txt"
    notice = resources.files("commonground.sdg").joinpath("data", name).read_text("utf-8")
    assert "Copyright (c) 2019 Open SDG" in notice
    assert "Permission is hereby granted" in notice
    assert "open-sdg/sdg-translations" in notice
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["commonground"]
    assert any(fnmatch(f"sdg/data/{name}", glob) for glob in globs)
    assert name in (ROOT / "NOTICE").read_text(encoding="utf-8")
    assert name in (ROOT / "docs" / "data-licences.md").read_text(encoding="utf-8")


def test_docs_match_the_data(fw: Framework) -> None:
    doc = (ROOT / "docs" / "sdg-framework.md").read_text(encoding="utf-8")
    section = doc.split("## Languages", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\(`([A-Za-z-]+)`\)", section))
    assert listed == set(fw.languages)
    assert f"{len(fw.languages)} languages" in section
    assert "422" in section and "exit" in section  # refused, not answered in English
    assert "252 indicator entries" in doc and "235" in doc


@pytest.mark.shared
def test_package_data_matches_source(shared_dir: Path, tmp_path: Path) -> None:
    """Rebuilding from ../shared gives the shipped file, and the file holds the CSV's texts."""
    source = shared_dir / "data" / "sdg" / "sdg_official_texts_multilingual.csv"
    out = tmp_path / "framework.json.gz"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_sdg_framework.py"),
                    str(source), "--output", str(out)], check=True, capture_output=True)
    shipped = ROOT / "src" / "commonground" / "sdg" / "data" / "framework.json.gz"
    assert json.loads(gzip.decompress(out.read_bytes())) == json.loads(
        gzip.decompress(shipped.read_bytes()))
    clean = load_script("scripts/build_sdg_framework.py").clean_text
    fw = framework()
    with source.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "target":
                lang = normalise_lang(row["lang"])
                assert fw.target(row["id"]).title[lang] == clean(row["text"])
