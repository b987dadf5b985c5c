"""The SDG framework shipped as package data: counts, translations, colours, lookups."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from commonground.errors import InvalidInput, NotFound
from commonground.sdg.framework import (
    Framework,
    contrast_ratio,
    framework,
    parse_target_id,
    text_colour_for,
)

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
    # (e.g. disaster losses), which leaves about 231 distinct official indicators.
    assert len(indicator_ids) == 252
    assert len({i.title["en"] for i in fw.indicators}) >= 231
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


def test_fallbacks(fw: Framework) -> None:
    g = fw.goal(3)
    assert g.label("pt") == g.label("en")  # no Portuguese: English
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
    fw = framework()
    with source.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["lang"] == "en" and row["level"] == "target":
                assert fw.target(row["id"]).title["en"] == " ".join(row["text"].split())
