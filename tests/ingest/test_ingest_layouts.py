"""Layouts other than the seed report's: HTML, DOCX, plain text and Markdown, written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonground.catalog import InitiativeRecord
from commonground.ingest import extract_file, read_document
from commonground.settings import Settings

HTML_REPORT = """<!doctype html>
<html><head><meta charset="utf-8"><title>Briefs</title>
<style>h2 { color: #333 }</style><script>var x = "Lima, Peru";</script></head>
<body>
<h1>Urban Mobility Briefs</h1>
<p>Two cities that rebuilt how people move.</p>
<h2>Case study 1 &mdash; Medell&iacute;n, Colombia: Metrocable cable cars</h2>
<p>Medell&iacute;n opened its first cable car line in 2004 to link hillside neighbourhoods
with the metro. The line won the 2016 Guangzhou International Award for Urban Innovation.</p>
<p>The project was funded by the Municipality of Medell&iacute;n and delivered by
Empresas P&uacute;blicas de Medell&iacute;n, a public utility company, with the
National University of Colombia. It serves 30,000 passengers a day and cut commuting
times by 60%. It contributes to SDGs 9 and 11.</p>
<h2 style="page-break-before: always">Case study 2 &mdash; Pune, India: Cycle plan</h2>
<p>Pune adopted a cycle plan in 2017 (SDG 11). Trips by bicycle rose 12 percent and
US$4.5 million was invested in 40 kilometres of tracks. The plan was a finalist for
the WRI Ross Center Prize for Cities.</p>
<h2>References</h2>
<p>Bogot&aacute;, Colombia: a city not described here.</p>
</body></html>
"""

TEXT_REPORT = """Urban Innovation Briefs 2024

1) CURITIBA (BRAZIL)
Bus Rapid Transit for All
Curitiba launched its bus rapid transit network in 1974 and now carries 1.3 million
people a day (SDGs 9, 11). The Urbanization Institute of Curitiba plans the corridors.
\f
2) LISBON (PORTUGAL)
Participatory Budget
Lisbon started a participatory budget in 2008 with 5 million euros a year, chosen by
residents in a public vote (SDGs 11 and 16). The Lisbon City Council runs the vote.

Annex
Methodology notes.
"""

MARKDOWN_REPORT = """# Greener neighbourhoods

### Pocket forests on school grounds

*Utrecht, Netherlands*

Award: Guangzhou Award 2021

Utrecht began planting pocket forests in 2019 together with the IVN Nature Education
foundation and Utrecht University. Pupils planted 1,200 trees on 2 hectares.
SDG focus: the work advances SDGs 4, 13 and 15.

### Rain gardens for every street

*Malmö, Sweden*

Malmö built rain gardens from 2010 in partnership with VA SYD, a municipal water
company. Flood damage fell by 35% and 800 households were disconnected from the sewer
(Sustainable Development Goal 6).
"""


def _write_docx(path: Path) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_paragraph("Kigali Solar Schools", style="Title")
    d.add_paragraph("City: Kigali, Rwanda")
    d.add_heading("Summary", level=2)
    d.add_paragraph("The Kigali Solar Schools programme put solar panels on public schools "
                    "from 2018. It was supported by the Rwanda Energy Group, a state-owned "
                    "company, and the University of Rwanda (SDGs 4 and 7).")
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_heading("Results", level=2)
    d.add_paragraph("By 2022, 45 schools and 38,000 pupils had reliable power, and "
                    "electricity bills fell by 40 percent, saving $220,000 a year.")
    d.save(str(path))
    return path


def _one(records: list[InitiativeRecord], city: str) -> InitiativeRecord:
    found = [r for r in records if r.city.name == city]
    assert len(found) == 1, [r.city.name for r in records]
    return found[0]


def test_html_numbered_case_studies_with_place_and_title_in_one_heading(
        tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "briefs.html"
    path.write_text(HTML_REPORT, encoding="utf-8")
    records = extract_file(path, settings).records
    assert [(r.city.name, r.city.country, r.title) for r in records] == [
        ("Medellín", "CO", "Metrocable cable cars"), ("Pune", "IN", "Cycle plan")]
    med, pune = records
    assert med.goals("stated") == [9, 11] and pune.goals("stated") == [11]
    assert [a.programme for a in med.awards] == ["Guangzhou Award"]
    assert med.awards[0].year == 2016
    assert [a.programme for a in pune.awards] == ["Prize for Cities"]
    assert med.period.start == 2004 and pune.period.start == 2017
    sectors = {p.name: p.sector for p in med.partners}
    assert sectors["Municipality of Medellín"] == "public"
    assert sectors["National University of Colombia"] == "academic"
    assert {(o.value, o.unit) for o in med.outcomes} >= {(60, "%")}
    assert {(o.value, o.unit) for o in pune.outcomes} >= {(12, "%"), (4_500_000, "USD")}
    # the page break before case study 2 is kept; the References section is not a case study
    assert med.sources[0].page == 1 and pune.sources[0].page == 2
    assert "Bogot" not in (pune.text or "")


def test_plain_text_with_capital_place_lines_and_form_feeds(tmp_path: Path,
                                                            settings: Settings) -> None:
    path = tmp_path / "briefs.txt"
    path.write_text(TEXT_REPORT, encoding="utf-8")
    records = extract_file(path, settings).records
    assert [(r.city.name, r.city.country, r.title) for r in records] == [
        ("Curitiba", "BR", "Bus Rapid Transit for All"), ("Lisbon", "PT", "Participatory Budget")]
    curitiba, lisbon = records
    assert curitiba.goals("stated") == [9, 11] and lisbon.goals("stated") == [11, 16]
    assert (1_300_000, "people") in {(o.value, o.unit) for o in curitiba.outcomes}
    assert (5_000_000, "EUR") in {(o.value, o.unit) for o in lisbon.outcomes}
    assert curitiba.period.start == 1974 and lisbon.period.start == 2008
    assert {p.name: p.sector for p in lisbon.partners} == {"Lisbon City Council": "public"}
    assert lisbon.sources[0].page == 2 and "Methodology" not in (lisbon.text or "")


def test_markdown_headings_with_italic_place_lines(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "greener.md"
    path.write_text(MARKDOWN_REPORT, encoding="utf-8")
    records = extract_file(path, settings).records
    utrecht, malmo = _one(records, "Utrecht"), _one(records, "Malmö")
    assert utrecht.title == "Pocket forests on school grounds" and utrecht.city.country == "NL"
    assert malmo.title == "Rain gardens for every street" and malmo.city.country == "SE"
    assert utrecht.goals("stated") == [4, 13, 15] and malmo.goals("stated") == [6]
    assert [(a.programme, a.year) for a in utrecht.awards] == [("Guangzhou Award", 2021)]
    assert {(o.value, o.unit) for o in utrecht.outcomes} >= {(1200, "trees"), (2, "ha")}
    assert {p.name: p.sector for p in utrecht.partners}["Utrecht University"] == "academic"
    assert {p.name: p.sector for p in malmo.partners}["VA SYD"] == "public"


def test_docx_one_initiative_per_file_with_a_page_break(tmp_path: Path,
                                                        settings: Settings) -> None:
    path = _write_docx(tmp_path / "kigali.docx")
    doc = read_document(path, settings)
    assert doc.pages == 2 and doc.text.startswith("# Kigali Solar Schools")
    (rec,) = extract_file(path, settings).records
    assert (rec.title, rec.city.name, rec.city.country) == ("Kigali Solar Schools", "Kigali", "RW")
    assert rec.goals("stated") == [4, 7] and rec.period.start == 2018
    assert {p.name: p.sector for p in rec.partners} == {"Rwanda Energy Group": "public",
                                                       "University of Rwanda": "academic"}
    figures = {(o.value, o.unit): o for o in rec.outcomes}
    assert {(45, "schools"), (38_000, "pupils"), (40, "%"), (220_000, "USD")} <= set(figures)
    cited = rec.sources[figures[(38_000, "pupils")].source_ref or 0]
    assert cited.page == 2 and figures[(38_000, "pupils")].year == 2022


@pytest.mark.parametrize(("line", "expected"), [
    ("Guangzhou International Award for Urban Innovation", "Guangzhou Award"),
    ("WRI Ross Center Prize for Cities", "Prize for Cities"),
    ("the 2018 Guangzhou Award", "Guangzhou Award"),
    ("Aga Khan Award for Architecture", "Khan Award"),
])
def test_award_programme_names_are_normalised(line: str, expected: str) -> None:
    from commonground.ingest.facts import normalise_programme

    assert normalise_programme(line) == expected


CONTENTS_WITH_LEADERS = """# Circular Cities Compendium

## Contents

1. Amsterdam, Netherlands — Doughnut Economics Model .......... 3
2. Kampala, Uganda — Waste to Briquettes .......... 5
3. Conclusion .......... 8

## Doughnut Economics Model

**Amsterdam, Netherlands**

In 2020 the City of Amsterdam adopted the Doughnut model with Doughnut Economics Action Lab,
a non-profit organisation. The city aims to halve the use of new raw materials by 2030, a 50%
cut (SDG 12).

## Waste to Briquettes

**Kampala, Uganda**

Kampala Capital City Authority started turning market waste into fuel briquettes in 2015 with
support from the United Nations Development Programme. About 1,500 tonnes of waste are
processed each year, and 300 women earn an income. It contributes to SDGs 7, 11 and 12.

## Conclusion

Both cities show that waste is a resource, as Lagos, Nigeria found too.
"""

ONE_PER_FILE = """NAIROBI, KENYA
Green Schools Initiative

Nairobi City County launched the Green Schools Initiative in 2019. It has planted 20,000 trees
in 150 schools, supported by the Kenya Forest Service and Strathmore University. (SDGs 4, 13,
15)

Winner of the 2021 Guangzhou International Award for Urban Innovation.
"""

METADATA_HTML = """<html><body><article><h1>Seoul Sharing City</h1>
<p><strong>Location:</strong> Seoul, South Korea</p>
<p>Seoul Metropolitan Government launched Sharing City in 2012. By 2018 it supported 100
sharing enterprises and saved KRW 48 billion. It was shortlisted for the Guangzhou Award
2014.</p><p>SDGs: 11, 12</p></article></body></html>
"""


NUMBERED_HEADINGS = """# Water stories

## 1. Protecting the páramo

City: Quito, Ecuador

A water fund created in 2000 pays upstream farmers; 3,000 hectares are protected (SDG 6).

## 2. Rainwater for every roof

Launched in 2011 in Chennai, India, the rule made rainwater harvesting compulsory for
120,000 homes. It serves SDGs 6 and 11.

## 3. Lessons

What the two cities teach others.
"""


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("water.md", NUMBERED_HEADINGS, [
        ("Protecting the páramo", "Quito", "EC", [6], [], 2000, {}, {(3000, "ha")}),
        ("Rainwater for every roof", "Chennai", "IN", [6, 11], [], 2011, {},
         {(120_000, "homes")}),
    ]),
    ("compendium.md", CONTENTS_WITH_LEADERS, [
        ("Doughnut Economics Model", "Amsterdam", "NL", [12], [], 2020,
         {"City of Amsterdam": "public", "Doughnut Economics Action Lab": "civil_society"},
         {(50, "%")}),
        ("Waste to Briquettes", "Kampala", "UG", [7, 11, 12], [], 2015,
         {"Kampala Capital City Authority": "public",
          "United Nations Development Programme": "international"},
         {(1500, "t waste"), (300, "women")}),
    ]),
    ("nairobi.txt", ONE_PER_FILE, [
        ("Green Schools Initiative", "Nairobi", "KE", [4, 13, 15], ["Guangzhou Award"], 2019,
         {"Kenya Forest Service": "public", "Strathmore University": "academic"},
         {(20_000, "trees"), (150, "schools")}),
    ]),
    ("seoul.html", METADATA_HTML, [
        ("Seoul Sharing City", "Seoul", "KR", [11, 12], ["Guangzhou Award"], 2012,
         {"Seoul Metropolitan Government": "public"}, {(48e9, "KRW")}),
    ]),
])
def test_more_layouts(name: str, content: str, expected: list[tuple[object, ...]],
                      tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    records = extract_file(path, settings).records
    got = [(r.title, r.city.name, r.city.country, r.goals("stated"),
            [a.programme for a in r.awards], r.period.start,
            {p.name: p.sector for p in r.partners},
            {(o.value, o.unit) for o in r.outcomes}) for r in records]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g[:7] == e[:7]
        assert e[7] <= g[7]  # type: ignore[operator]


def _compendium(path: Path, n: int) -> Path:
    cities = [("Quito", "Ecuador"), ("Lima", "Peru"), ("Nairobi", "Kenya"), ("Pune", "India"),
              ("Lyon", "France"), ("Accra", "Ghana")]
    body = ("The city launched the programme in 2015 with the University of Lima and the Green "
            "Trust, a non-profit. It reached 2,400 families and cut emissions by 26% while "
            "investing US$1.5 million over 10 years. ") * 12
    parts = ["# Compendium\n"]
    for i in range(n):
        city, country = cities[i % len(cities)]
        parts.append(f"\n## {i + 1}. {city}, {country}: Programme number {i + 1}\n\n{body}\n"
                     "(SDGs 11 and 13)\n\f")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_a_long_compendium_with_three_digit_numbers(tmp_path: Path, settings: Settings) -> None:
    records = extract_file(_compendium(tmp_path / "c.md", 120), settings).records
    assert len(records) == 120 and records[-1].title == "Programme number 120"
    assert records[-1].sources[0].page == 120 and records[-1].goals("stated") == [11, 13]


@pytest.mark.slow
def test_extraction_time_grows_linearly(tmp_path: Path, settings: Settings) -> None:
    import time

    started = time.perf_counter()
    records = extract_file(_compendium(tmp_path / "c.md", 600), settings).records
    # about 5 s on a busy 2-core machine; the quadratic scans it guards against took minutes
    assert len(records) == 600 and time.perf_counter() - started < 30


def test_a_section_without_a_place_is_skipped_with_a_warning(tmp_path: Path,
                                                            settings: Settings) -> None:
    path = tmp_path / "water.md"
    path.write_text(NUMBERED_HEADINGS, encoding="utf-8")
    result = extract_file(path, settings)
    assert [r.city.name for r in result.records] == ["Quito", "Chennai"]
    start, end = NUMBERED_HEADINGS.index("## 3. Lessons"), len(NUMBERED_HEADINGS)
    assert result.warnings == [
        f"water.md: skipped 'Lessons' (p. 1, chars {start}-{end}): no city and country found; "
        "add a 'City, Country' line"]


def test_partner_cues_and_sectors() -> None:
    from commonground.ingest.partners import find_partners
    from commonground.ingest.text import Text

    s = ("A local charity, the Friends of the Park Trust, runs it. It is funded by Acme "
         "Holdings Ltd and the Ministry of Environment, in partnership with UN-Habitat and "
         "the University of Lagos. The Bus Rapid Transit Plan guides it.")
    text = Text(s)
    found = {p.name: (p.sector, p.role) for p in find_partners(text, 0, len(s), exclude=[])}
    assert found == {
        "Friends of the Park Trust": ("civil_society", None),
        "Acme Holdings Ltd": ("private", "funder"),
        "Ministry of Environment": ("public", "funder"),
        "UN-Habitat": ("international", "partner"),
        "University of Lagos": ("academic", "partner"),
    }
