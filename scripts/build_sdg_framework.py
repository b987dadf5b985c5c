"""Build src/commonground/sdg/data/framework.json.gz from the official multilingual SDG texts.

Usage: .venv/bin/python scripts/build_sdg_framework.py [CSV] [--output PATH]

CSV defaults to ../shared/data/sdg/sdg_official_texts_multilingual.csv (columns lang, level,
id, goal, field, text), collected from open-sdg/sdg-translations (MIT) at commit
0cda585851a5c6f04040a9a2755fbb4496c4eead. The output is deterministic: same CSV, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from pathlib import Path
from typing import Any

from commonground.sdg.framework import FORMAT_VERSION, normalise_lang, text_colour_for

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "sdg" / "sdg_official_texts_multilingual.csv"
DEFAULT_OUT = ROOT / "src" / "commonground" / "sdg" / "data" / "framework.json.gz"

# The UN's official SDG colour palette (SDG communications guidelines).
GOAL_COLOURS = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
    7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
    13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A",
}

ATTRIBUTION = (
    "Goal, target and indicator texts: the official wording of the United Nations 2030 Agenda "
    "for Sustainable Development and the global indicator framework (A/RES/71/313), with "
    "translations, as collected by the open-sdg/sdg-translations project "
    "(https://github.com/open-sdg/sdg-translations, MIT licence, commit "
    "0cda585851a5c6f04040a9a2755fbb4496c4eead). Goal colours: the UN SDG colour palette."
)

EXPECTED = {"goal": 17, "target": 169}


def _part_key(part: str) -> tuple[int, int, str]:
    """Official order: numbered parts (1, 2, … 10) before lettered ones (a, b, c)."""
    return (0, int(part), "") if part.isdigit() else (1, 0, part)


def target_sort_key(tid: str) -> tuple[Any, ...]:
    goal, part = tid.split(".")
    return (int(goal), *_part_key(part))


def indicator_sort_key(iid: str) -> tuple[Any, ...]:
    goal, part, number = iid.split(".")
    return (int(goal), *_part_key(part), int(number))


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        sys.exit(f"{path}: not found; pass the path of sdg_official_texts_multilingual.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    needed = {"lang", "level", "id", "goal", "field", "text"}
    if not rows or not needed <= set(rows[0]):
        sys.exit(f"{path}: expected the columns {sorted(needed)}; is this the right file?")
    return rows


def build(rows: list[dict[str, str]]) -> dict[str, Any]:
    texts: dict[tuple[str, str, str], dict[str, str]] = {}
    languages: set[str] = set()
    for row in rows:
        lang = normalise_lang(row["lang"])
        languages.add(lang)
        key = (row["level"], row["id"].strip(), row["field"])
        texts.setdefault(key, {})[lang] = " ".join(row["text"].split())
    if "en" not in languages:
        sys.exit("the CSV has no English ('en') rows; English is the fallback and is required")

    def ids(level: str) -> list[str]:
        return sorted({k[1] for k in texts if k[0] == level})

    goal_ids = sorted(ids("goal"), key=int)
    target_ids = sorted(ids("target"), key=target_sort_key)
    indicator_ids = sorted(ids("indicator"), key=indicator_sort_key)
    for level, found in (("goal", goal_ids), ("target", target_ids)):
        if len(found) != EXPECTED[level]:
            sys.exit(f"expected {EXPECTED[level]} {level}s, found {len(found)}; check the CSV")

    def ordered(d: dict[str, str]) -> dict[str, str]:
        # English first (the fallback), then the others alphabetically, so diffs stay small.
        return {k: d[k] for k in sorted(d, key=lambda k: (k != "en", k))}

    goals = []
    for gid in goal_ids:
        n = int(gid)
        colour = GOAL_COLOURS[n]
        goals.append({
            "number": n,
            "short": ordered(texts[("goal", gid, "short")]),
            "title": ordered(texts[("goal", gid, "title")]),
            "colour": colour,
            "text_colour": text_colour_for(colour),
        })
    targets = [
        {
            "id": tid,
            "goal": int(tid.split(".")[0]),
            "title": ordered(texts[("target", tid, "title")]),
        }
        for tid in target_ids
    ]
    known_targets = set(target_ids)
    indicators = []
    for iid in indicator_ids:
        target = iid.rsplit(".", 1)[0]
        if target not in known_targets:
            sys.exit(f"indicator {iid} belongs to no known target ({target}); check the CSV")
        indicators.append(
            {"id": iid, "target": target, "title": ordered(texts[("indicator", iid, "title")])}
        )
    return {
        "format_version": FORMAT_VERSION,
        "languages": sorted(languages, key=lambda k: (k != "en", k)),
        "attribution": ATTRIBUTION,
        "goals": goals,
        "targets": targets,
        "indicators": indicators,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    data = build(read_rows(args.csv))
    payload = json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False).encode("utf-8")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the gzip bytes reproducible.
    args.output.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    print(
        f"wrote {args.output} ({args.output.stat().st_size:,} bytes; "
        f"{len(payload):,} uncompressed): {len(data['goals'])} goals, "
        f"{len(data['targets'])} targets, {len(data['indicators'])} indicators, "
        f"{len(data['languages'])} languages"
    )


if __name__ == "__main__":
    main()
