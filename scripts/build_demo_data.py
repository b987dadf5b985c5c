"""Build src/commonground/catalog/data/demo_initiatives.json: the report's eight initiatives.

Usage: .venv/bin/python scripts/build_demo_data.py [SEED_MD] [--output PATH]

The curated content lives below. Summaries and roles are the project's own words; the facts
and figures come from the report *Partnerships and Innovation for Accelerating the
Implementation of the SDGs in Cities* (July 2023), copied as Markdown to
../shared/seed/partnerships-and-innovation-sdgs-in-cities-2023.md.

Each fact names an ``anchor``: a short phrase of the report that states it. The script finds
the phrase in the seed (whitespace-insensitive, inside the initiative's own section, or in
the report's map of initiatives for awards) and records its exact character offsets as the
fact's source, so that no offset is typed by hand. An anchor that is missing or ambiguous
stops the build with a message naming it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commonground.catalog.records import InitiativeRecord

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = "partnerships-and-innovation-sdgs-in-cities-2023.md"
DEFAULT_SEED = ROOT.parent / "shared" / "seed" / DOCUMENT
DEFAULT_OUT = ROOT / "src" / "commonground" / "catalog" / "data" / "demo_initiatives.json"

MAP_START = "# Innovative City Partnerships"
MAP_END = "# Innovative initiatives that built partnerships"
CONCLUSION = "# Conclusion"


@dataclass
class Fact:
    anchor: str


@dataclass
class Sdgs(Fact):
    goals: list[int]


@dataclass
class PartnerFact(Fact):
    name: str
    sector: str
    role: str


@dataclass
class OutcomeFact(Fact):
    description: str
    value: float | None = None
    unit: str | None = None
    year: int | None = None
    indicator: str | None = None


@dataclass
class Initiative:
    id: str
    title: str  # the report's own name for the initiative (a proper name)
    page: int  # from the report's contents page
    summary: str
    city: dict[str, Any]
    region: str
    sdgs: Sdgs
    partners: list[PartnerFact]
    outcomes: list[OutcomeFact]
    awards: list[str]
    award_anchor: str  # the initiative's entry in the report's map of initiatives
    start: int | None = None
    start_anchor: str | None = None
    population_anchor: str | None = None


GUANGZHOU = "Guangzhou Award"
PRIZE = "Prize for Cities"

# Coordinates are those of the city centre, rounded to two decimals (for Odisha, a state,
# its capital Bhubaneswar). Regions are the UN SDG regional groups.
INITIATIVES: list[Initiative] = [
    Initiative(
        id="odisha-uwei",
        title="The Urban Wage Employment Initiative (UWEI)",
        page=4,
        summary=(
            "When the COVID-19 lockdown sent migrant workers home to Odisha, the state "
            "government guaranteed urban workers a minimum number of paid workdays a year on "
            "small public works chosen with local community groups, paid from a pool of "
            "existing welfare funds. The state has since kept the scheme as a lasting "
            "anti-poverty measure."
        ),
        city={"name": "Odisha", "country": "IN", "lat": 20.27, "lon": 85.84},
        region="Central and Southern Asia",
        sdgs=Sdgs("ecologically sound and socially inclusive (SDGs 8 and 9)", [8, 9]),
        partners=[
            PartnerFact("the state government launched the Urban Wage Employment Initiative",
                        "Government of Odisha", "public",
                        "launched the scheme and funds the wage pool"),
            PartnerFact("partnering with local community groups",
                        "Local community groups", "civil_society",
                        "identify the public works their neighbourhoods need"),
        ],
        outcomes=[
            OutcomeFact("a minimum number of workdays annually at a specified daily wage",
                        "Urban workers guaranteed a minimum number of paid workdays each year"),
            OutcomeFact("adopted the initiative as a long-term measure for poverty alleviation",
                        "Kept by the state as a permanent poverty-reduction programme"),
        ],
        awards=[PRIZE, GUANGZHOU],
        award_anchor="ODISHA, INDIA The Urban Wage Employment Initiative "
                     "(Prize for Cities, Guangzhou Award)",
    ),
    Initiative(
        id="cape-town-wisp",
        title="Western Cape Industrial Symbiosis Program (WISP)",
        page=5,
        summary=(
            "A free matchmaking service that links companies, formal or informal and of any "
            "size, so that one member's unused materials or residues become another's inputs. "
            "The exchanges keep waste out of landfill, save members money, cut the carbon "
            "intensity of production and create jobs. The City of Cape Town pays for it, the "
            "not-for-profit GreenCape runs it, and the University of Cape Town maps material "
            "flows; the design adapts the UK's national industrial symbiosis programme."
        ),
        city={"name": "Cape Town", "country": "ZA", "population": 4_700_000,
              "lat": -33.92, "lon": 18.42},
        region="Sub-Saharan Africa",
        population_anchor="(pop. 4.7 million)",
        start=2013,
        start_anchor="Since 2013, when it began with a landfill diversion program",
        sdgs=Sdgs("support decent work in green industries (SDGs 12 and 13)", [12, 13]),
        partners=[
            PartnerFact("funded by the City of Cape Town", "City of Cape Town", "public",
                        "funder, as part of its sustainability programme"),
            PartnerFact("delivered by Green Cape, a not-for-profit company", "GreenCape",
                        "civil_society", "not-for-profit that delivers the programme"),
            PartnerFact("in collaboration with the University of Cape Town",
                        "University of Cape Town", "academic",
                        "material flow analyses of industrial areas"),
            PartnerFact("mutually beneficial links or synergies between member companies",
                        "WISP member companies", "private",
                        "offer and take up unused or residual resources"),
        ],
        outcomes=[
            OutcomeFact("divert waste from landfills, generate financial benefits for members",
                        "Resource exchanges divert waste from landfill and bring members "
                        "financial benefits"),
            OutcomeFact("reduce the carbon intensity of production processes and create jobs",
                        "Lower carbon intensity of production, and new jobs"),
        ],
        awards=[GUANGZHOU],
        award_anchor="CAPE TOWN, SOUTH AFRICA Western Cape Industrial Symbiosis Program "
                     "(Guangzhou Award)",
    ),
    Initiative(
        id="quito-eco-efficiency-ordinance",
        title="Eco-efficiency Ordinance for the Metropolitan District of Quito",
        page=6,
        summary=(
            "A 2016 city ordinance that lets developers build denser, energy- and "
            "water-efficient buildings near the new Metro and other transit nodes, with "
            "affordable housing, in exchange for a share of the land value the extra density "
            "creates. Community leaders and universities helped set the local plans around "
            "stations and the method for pricing the uplift."
        ),
        city={"name": "Quito", "country": "EC", "population": 1_847_000,
              "lat": -0.22, "lon": -78.51},
        region="Latin America and the Caribbean",
        population_anchor="(pop. 1,847,000)",
        start=2016,
        start_anchor="In 2016, Ecuador's capital city, Quito",
        sdgs=Sdgs("creating healthier places to live in (SDGs 6 and 7)", [6, 7]),
        partners=[
            PartnerFact("passed the Eco-efficiency Ordinance for the Metropolitan District "
                        "of Quito",
                        "Metropolitan District of Quito", "public",
                        "passed the ordinance and sells the development rights"),
            PartnerFact("partnerships with community leaders and universities",
                        "Community leaders", "civil_society",
                        "helped set the local area plans around transit stations"),
            PartnerFact("partnerships with community leaders and universities",
                        "Universities", "academic",
                        "helped design the plans and the way to calculate and recover "
                        "land value uplift"),
            PartnerFact("community and developer support for green building construction",
                        "Property developers", "private",
                        "build green, denser buildings and buy development rights"),
        ],
        outcomes=[
            OutcomeFact(r"approximately \$10.7 million in revenue from the sale of development "
                        "rights",
                        "Revenue raised from the sale of development rights",
                        10_700_000, "USD"),
        ],
        awards=[GUANGZHOU],
        award_anchor="QUITO, ECUADOR Eco-efficiency Ordinance for the Metropolitan District "
                     "of Quito (Guangzhou Award)",
    ),
    Initiative(
        id="saint-louis-mangrove-restoration",
        title="Regional Mangrove Restoration Program",
        page=7,
        summary=(
            "The Departmental Council of Saint-Louis brought three municipalities together to "
            "restore the mangroves they share where the Senegal River reaches the sea, which were "
            "being lost to firewood cutting and farming. Replanting went hand in hand with "
            "livelihoods built around the mangroves, biogas as a substitute for firewood, and "
            "school programmes in which elders share memories of the old mangroves."
        ),
        city={"name": "Saint-Louis", "country": "SN", "population": 312_369,
              "lat": 16.03, "lon": -16.50},
        region="Sub-Saharan Africa",
        population_anchor="has a population of over 312,369",
        sdgs=Sdgs("preserve life on land and below water (SDGs 13 and 14)", [13, 14]),
        partners=[
            PartnerFact("The Departmental Council of Saint Louis in Senegal developed",
                        "Departmental Council of Saint-Louis", "public",
                        "lead; set up joint governance of the mangroves"),
            PartnerFact("restoration of mangrove ecosystems across three municipalities",
                        "Three municipalities of Saint-Louis", "public",
                        "share the mangroves and their management"),
            PartnerFact("academics and environmental experts", "Academics and environmental "
                        "experts", "academic", "technical support to the restoration"),
            PartnerFact("civil society organizations and community organizations",
                        "Civil society and community organisations", "civil_society",
                        "replanting, awareness campaigns and mangrove livelihoods"),
            PartnerFact("support the local private sector", "Local private sector", "private",
                        "economic activities built around the mangroves"),
        ],
        outcomes=[
            OutcomeFact("more than 50 hectares of mangroves have been regenerated",
                        "Mangroves regenerated over the nine years of the programme",
                        50, "ha"),
            OutcomeFact("sequestration rate of 350 tons of carbon annually",
                        "Carbon sequestered each year by the regenerated mangroves",
                        350, "t C/yr"),
            OutcomeFact("growth rate has risen to 7 percent per year",
                        "Mangrove growth rate", 7, "%/yr"),
            OutcomeFact("the clearance rate is down by 25 percent",
                        "Fall in the mangrove clearance rate", 25, "%"),
            OutcomeFact("Nearly 80,000 people from over 50 organizations",
                        "People taking part in the programme", 80_000, "people"),
            OutcomeFact("Nearly 80,000 people from over 50 organizations",
                        "Organisations taking part in the programme", 50, "organisations"),
        ],
        awards=[GUANGZHOU],
        award_anchor="SAINT LOUIS, SENEGAL Regional Mangrove Restoration Program "
                     "(Guangzhou Award)",
    ),
    Initiative(
        id="rosario-sustainable-food-production",
        title="Sustainable Food Production for a Resilient Rosario",
        page=8,
        summary=(
            "Started as an emergency urban-agriculture programme after Argentina's 2001 "
            "economic collapse, it lets low-income residents farm vacant public and "
            "peri-urban land, sells their produce through dedicated markets, and now also "
            "serves flood and heat resilience: vegetable-garden parks soak up rainwater and a "
            "protected green belt of agroecological farms limits sprawl."
        ),
        city={"name": "Rosario", "country": "AR", "lat": -32.96, "lon": -60.64},
        region="Latin America and the Caribbean",
        # The report dates the launch to the wake of the 2001 crisis; the programme's first
        # full year was 2002.
        start=2002,
        start_anchor="launched in the wake of the Argentinian economic crisis of 2001",
        sdgs=Sdgs("improve food supply chains and reduce carbon emissions (SDGs 5 and 12)",
                  [5, 12]),
        partners=[
            PartnerFact("the municipality launched an urban agriculture program",
                        "Municipality of Rosario", "public",
                        "runs the programme, grants land tenure, plans the green belt"),
            PartnerFact("the Center for the Study of Agroecological Production (CEPAR)",
                        "Center for the Study of Agroecological Production (CEPAR)",
                        "civil_society", "local NGO partner since the launch"),
            PartnerFact("the national Pro Huerta program for family gardens", "Pro Huerta",
                        "public", "national family-garden programme, partner since the launch"),
            PartnerFact("United Nations Human Settlements Program (UN-Habitat)'s Urban "
                        "Management Program", "UN-Habitat Urban Management Programme",
                        "international", "inventory of vacant land fit for farming"),
            PartnerFact("the National University of Rosario on an inventory",
                        "National University of Rosario", "academic",
                        "inventory of vacant land fit for farming"),
        ],
        outcomes=[
            OutcomeFact("36 percent of the municipal area was suitable for agriculture",
                        "Share of the municipal area found suitable for farming", 36, "%"),
            OutcomeFact("grant temporary tenure of vacant land to the urban poor",
                        "Ordinance granting the urban poor temporary tenure of vacant land "
                        "for farming", year=2004),
            OutcomeFact("designating 800 hectares of peri-urban land",
                        "Peri-urban land designated for agroecological production",
                        800, "ha", 2011),
            OutcomeFact("opening five additional Vegetable Garden Parks",
                        "Additional vegetable-garden parks opened", 5, "parks"),
            OutcomeFact("reduced by as much as 95 percent",
                        "Cut in greenhouse-gas emissions from delivering vegetables",
                        95, "%"),
            OutcomeFact("more than 2,400 families have their own gardens",
                        "Families with their own sustainable gardens", 2_400, "families"),
        ],
        awards=[PRIZE],
        award_anchor="ROSARIO, ARGENTINA Sustainable Food Production for a Resilient Rosario "
                     "(Prize for Cities)",
    ),
    Initiative(
        id="milan-food-policy",
        title="Milan Food Policy",
        page=9,
        summary=(
            "Created by the city around the 2015 Expo, whose theme was feeding the planet, "
            "the policy runs the whole urban food system under five priorities: healthy food "
            "for all, sustainable production, food education, less food loss and waste, and "
            "research. Public meals in schools, hospitals and prisons now buy sustainably "
            "farmed food from the region, and the city shares its approach with other cities "
            "through European and global networks."
        ),
        city={"name": "Milan", "country": "IT", "population": 1_300_000,
              "lat": 45.47, "lon": 9.19},
        region="Europe and Northern America",
        population_anchor="with a population of approximately 1,300,000",
        start=2015,
        start_anchor="hosted in the city in 2015, the municipality of Milan created the "
                     "Milan Food Policy",
        sdgs=Sdgs("improve regional food production practices (SDGs 5,12)", [5, 12]),
        partners=[
            PartnerFact("the municipality of Milan created the Milan Food Policy program",
                        "Municipality of Milan", "public", "created and leads the policy"),
            PartnerFact("EUROCITIES Working Group Food", "EUROCITIES Working Group Food",
                        "international", "city network; exchange on urban food policy"),
            PartnerFact("the EU Platform for Food Losses and Food Waste",
                        "EU Platform on Food Losses and Food Waste", "international",
                        "cooperation on food loss and waste"),
            PartnerFact("the C40 Food System Network", "C40 Food Systems Network",
                        "international", "city network; exchange on food systems"),
        ],
        outcomes=[
            OutcomeFact("put into effect five priorities",
                        "Priorities of the policy, in effect since 2016", 5, "priorities",
                        2016),
            OutcomeFact("generated more than 40 initiatives",
                        "Initiatives on reusing food waste and shortening food miles",
                        40, "initiatives"),
        ],
        awards=[GUANGZHOU],
        award_anchor="MILAN, ITALY Milan Food Policy (Guangzhou Award)",
    ),
    Initiative(
        id="dar-es-salaam-sarsai",
        title="School Area Road Safety Assessments and Improvements (SARSAI)",
        page=10,
        summary=(
            "The small non-profit Amend makes the walk to school safer for children: it picks "
            "the riskiest schools from public data and community reports, then fits each "
            "school area with measures such as pedestrian crossings, pavements, speed humps "
            "and quieter walking routes, and teaches the pupils road safety. A controlled "
            "study with the US CDC measured the effect, and the package has spread from "
            "Dar es Salaam to other African countries."
        ),
        city={"name": "Dar es Salaam", "country": "TZ", "lat": -6.80, "lon": 39.28},
        region="Sub-Saharan Africa",
        start=2012,
        start_anchor="In 2012, Amend launched SARSAI at two schools",
        sdgs=Sdgs("fast-growing sub-Saharan African cities (SDGs 4 and 9)", [4, 9]),
        partners=[
            PartnerFact("Amend, in Tanzania, is a small non-profit", "Amend",
                        "civil_society", "lead; designs and delivers the school-area works"),
            PartnerFact("with support from the FIA Foundation, an international charity",
                        "FIA Foundation", "civil_society",
                        "funder (an international charity)"),
            PartnerFact("the U.S. Centers for Disease Control and Prevention (CDC)",
                        "US Centers for Disease Control and Prevention (CDC)", "public",
                        "research partner for the randomised controlled study"),
            PartnerFact("the FIA Foundation and the Puma Energy Foundation",
                        "Puma Energy Foundation", "civil_society",
                        "co-funder of the 2017 expansion grant"),
            PartnerFact("built key relationships with local authorities",
                        "Local authorities of Dar es Salaam", "public",
                        "approve the technical plans for each school"),
            PartnerFact("including teachers, parents and municipal engineers",
                        "Teachers and parents", "civil_society",
                        "injury benchmarking, monitoring and education"),
        ],
        outcomes=[
            OutcomeFact("26% reduction in road traffic injuries",
                        "Fewer road traffic injuries at schools that received the works",
                        26, "%", 2018),
            OutcomeFact("randomized control study of 18 schools",
                        "Schools in the randomised controlled study", 18, "schools"),
            OutcomeFact("more than 13,000 school-aged children",
                        "Children in the study sample", 13_000, "children"),
            OutcomeFact(r"\$1.7 million grant from the FIA Foundation",
                        "Grant for expanding the programme to other cities",
                        1_700_000, "USD", 2017),
            OutcomeFact("more than 50 high-risk school areas",
                        "High-risk school areas improved", 50, "school areas"),
            OutcomeFact("nine sub-Saharan African countries",
                        "Countries where the programme runs", 9, "countries"),
        ],
        awards=[PRIZE],
        award_anchor="DAR ES SALAAM, TANZANIA School Area Road Safety Assessments and "
                     "Improvements (SARSAI) (Prize for Cities)",
    ),
    Initiative(
        id="ahmedabad-womens-climate-resilience",
        title="Women's Action Towards Climate Resilience for the Urban Poor",
        page=11,
        summary=(
            "The Mahila Housing Trust trains women in Ahmedabad's slums, the Vikasinis, to "
            "lead their neighbourhoods on heat, flooding, water scarcity and disease: they "
            "run climate monitoring, bring evidence to the municipal corporation, and try out "
            "cheap fixes such as cool roofs and rainwater harvesting. Their work fed the "
            "city's heat and monsoon action plans and has spread to six more South Asian "
            "cities."
        ),
        city={"name": "Ahmedabad", "country": "IN", "lat": 23.02, "lon": 72.58},
        region="Central and Southern Asia",
        start=2014,
        start_anchor="In 2014, MHT decided to more consciously incorporate a climate "
                     "resilience perspective",
        sdgs=Sdgs("affordable solutions that address climate change (SDGs 1, 5 and 13)",
                  [1, 5, 13]),
        partners=[
            PartnerFact("The Mahila Housing Trust (MHT) is empowering women",
                        "Mahila Housing Trust (MHT)", "civil_society",
                        "lead; trains women climate leaders"),
            PartnerFact("The Ahmedabad Municipal Corporation (AMC)",
                        "Ahmedabad Municipal Corporation (AMC)", "public",
                        "municipal partner; acts on community requests, heat action plans"),
            PartnerFact("partnerships with technical institutions and innovators",
                        "Technical institutions and innovators", "academic",
                        "low-cost climate-resilience solutions"),
            PartnerFact("designated local women leaders called Vikasinis", "Vikasinis",
                        "civil_society", "local women leaders who organise residents"),
        ],
        outcomes=[
            OutcomeFact("reaching over 125,000 people", "People reached", 125_000, "people"),
            OutcomeFact("from 107 slums", "Slums reached", 107, "slums"),
            OutcomeFact("across six other South Asian cities",
                        "Other South Asian cities the model has reached", 6, "cities"),
            OutcomeFact("the development of the city's 2017 Heat Action Plan",
                        "Contributed to Ahmedabad's Heat Action Plan", year=2017),
        ],
        awards=[PRIZE],
        award_anchor="AHMEDABAD, INDIA Women's Action Towards Climate Resilience for the "
                     "Urban Poor (Prize for Cities)",
    ),
]


def _pattern(anchor: str) -> re.Pattern[str]:
    """The anchor with any run of whitespace matching any other (the seed wraps lines)."""
    return re.compile(r"\s+".join(re.escape(word) for word in anchor.split()))


def find(seed: str, anchor: str, lo: int, hi: int, where: str) -> tuple[int, int]:
    hits = [m.span() for m in _pattern(anchor).finditer(seed, lo, hi)]
    if len(hits) != 1:
        problem = "not found" if not hits else f"found {len(hits)} times"
        sys.exit(f"{where}: anchor {anchor!r} {problem} in chars {lo}-{hi} of the seed; "
                 "make it an exact, unique phrase of that section")
    return hits[0]


def sections(seed: str) -> dict[str, tuple[int, int]]:
    """Character span of each initiative's case study, found by its title heading.

    A section starts at the number and city label above its heading where there is one
    (the Dar es Salaam section has none) and ends where the next one starts.
    """
    starts: list[tuple[str, int]] = []
    for ini in INITIATIVES:
        lo, _ = find(seed, f"## {ini.title}", 0, len(seed), ini.id)
        label = re.search(r"(?:## )?0\d\s+[A-Z][A-Z ,]+\s*$", seed[max(0, lo - 80):lo])
        starts.append((ini.id, lo - 80 + label.start() if label and lo >= 80 else lo))
    end_all, _ = find(seed, CONCLUSION, 0, len(seed), "conclusion")
    spans = {}
    for i, (iid, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else end_all
        spans[iid] = (start, len(seed[:end].rstrip()))
    return spans


class Sources:
    """The sources of one record: one per distinct span, in order of first use."""

    def __init__(self, page: int) -> None:
        self.page = page
        self.items: list[dict[str, Any]] = []
        self.index: dict[tuple[int, int], int] = {}

    def add(self, span: tuple[int, int], page: int | None = None, note: str = "",
            place: str | None = None) -> int:
        if span in self.index:
            return self.index[span]
        page = self.page if page is None and place is None else page
        where = place or f"p. {page}"
        locator = f"{where}, chars {span[0]}-{span[1]}" + (f" ({note})" if note else "")
        self.items.append({"document": DOCUMENT, "locator": locator, "page": page,
                           "start": span[0], "end": span[1], "url": None})
        self.index[span] = len(self.items) - 1
        return self.index[span]


def build_record(ini: Initiative, seed: str, section: tuple[int, int],
                 map_span: tuple[int, int]) -> dict[str, Any]:
    lo, hi = section
    src = Sources(ini.page)
    src.add(section, note="case study")

    def ref(anchor: str, note: str = "") -> int:
        return src.add(find(seed, anchor, lo, hi, ini.id), note=note)

    city = {"name": ini.city["name"], "country": ini.city["country"], "region": ini.region,
            "population": ini.city.get("population"), "lat": ini.city["lat"],
            "lon": ini.city["lon"]}
    if ini.population_anchor:
        ref(ini.population_anchor, "population")
    if ini.start_anchor:
        ref(ini.start_anchor, "start year")
    sdg_ref = ref(ini.sdgs.anchor)
    box = src.items[sdg_ref]
    evidence = " ".join(seed[box["start"]:box["end"]].split())
    sdgs = [{"goal": g, "target": None, "source": "stated", "score": None,
             "evidence": [evidence], "source_ref": sdg_ref} for g in ini.sdgs.goals]
    partners = [{"name": p.name, "sector": p.sector, "role": p.role,
                 "source_ref": ref(p.anchor)} for p in ini.partners]
    outcomes = [{"description": o.description, "value": o.value, "unit": o.unit,
                 "year": o.year, "indicator": o.indicator, "source_ref": ref(o.anchor)}
                for o in ini.outcomes]
    award_span = find(seed, ini.award_anchor, *map_span, ini.id)
    award_ref = src.add(award_span, place="map of initiatives before p. 4")
    awards = [{"programme": a, "year": None, "distinction": None, "source_ref": award_ref}
              for a in ini.awards]
    record = {
        "id": ini.id, "title": ini.title, "summary": " ".join(ini.summary.split()),
        "text": None, "city": city, "period": {"start": ini.start, "end": None},
        "sdgs": sdgs, "partners": partners, "outcomes": outcomes, "awards": awards,
        "sources": src.items, "languages": ["en"], "status": "published",
    }
    # Validate now so that a bad record never reaches the package.
    return InitiativeRecord.model_validate(record).model_dump(mode="json")


def build(seed: str) -> list[dict[str, Any]]:
    map_lo, _ = find(seed, MAP_START, 0, len(seed), "map")
    map_hi, _ = find(seed, MAP_END, 0, len(seed), "map")
    spans = sections(seed)
    return [build_record(ini, seed, spans[ini.id], (map_lo, map_hi)) for ini in INITIATIVES]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", nargs="?", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.seed.is_file():
        sys.exit(f"{args.seed}: not found; pass the path of {DOCUMENT}")
    records = build(args.seed.read_text(encoding="utf-8"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
    n_src = sum(len(r["sources"]) for r in records)
    print(f"wrote {args.output}: {len(records)} initiatives, {n_src} sources")


if __name__ == "__main__":
    main()
