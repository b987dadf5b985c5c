"""Build src/commonground/sdg/data/framework.json.gz from the official multilingual SDG texts.

Usage: .venv/bin/python scripts/build_sdg_framework.py [CSV] [--output PATH]

CSV defaults to ../shared/data/sdg/sdg_official_texts_multilingual.csv (columns lang, level,
id, goal, field, text), collected from open-sdg/sdg-translations (MIT) at commit
0cda585851a5c6f04040a9a2755fbb4496c4eead. The output is deterministic: same CSV, same bytes.

Every text is cleaned without changing its wording (``clean_text``): C1 control characters
that are cp1252 punctuation read as Latin-1 are repaired, soft hyphens are removed, the text
is normalised to Unicode NFC and its whitespace collapsed. The build stops with a message
naming the problem and the fix when the CSV cannot be read, a goal, target or indicator
lacks its English text, or the counts are wrong; a language covering less than
MIN_COVERAGE of the texts is left out with a warning (docs/sdg-framework.md).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
import unicodedata
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
#: the fields each level has: a goal a short and a full title, the others one title
FIELDS = {"goal": ("short", "title"), "target": ("title",), "indicator": ("title",)}
ID_PATTERNS = {
    "goal": re.compile(r"^[0-9]{1,2}$"),
    "target": re.compile(r"^[0-9]{1,2}\.([0-9]{1,2}|[a-z])$"),
    "indicator": re.compile(r"^[0-9]{1,2}\.([0-9]{1,2}|[a-z])\.[0-9]{1,2}$"),
}
#: the least share of the framework's texts (goal short and full titles, targets,
#: indicators) a language must have to be listed: the most incomplete source language,
#: Catalan, has 98%; a truncated or half-translated file falls well below 90%
MIN_COVERAGE = 0.9


def _cp1252_repairs() -> dict[int, str | None]:
    """U+0080-U+009F as the cp1252 characters those bytes stand for (text decoded as
    Latin-1: German 14.c has U+0084 and U+0093 for „ and “); the five bytes cp1252 leaves
    undefined keep their code point. U+00AD (soft hyphen) is dropped: in the source it only
    marks where a word may break, and it would split words for search and n-grams."""
    table: dict[int, str | None] = {}
    for code in range(0x80, 0xA0):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    table[0xAD] = None
    return table


_REPAIRS = _cp1252_repairs()


def clean_text(text: str) -> str:
    """The text with its wording unchanged: C1 punctuation repaired, soft hyphens removed,
    NFC, whitespace collapsed. Repair comes first because str.split() counts U+0085 as
    whitespace; soft hyphens go before NFC because one between a letter and its combining
    accent would keep them apart."""
    text = unicodedata.normalize("NFC", text.translate(_REPAIRS))
    return " ".join(text.split())


def _part_key(part: str) -> tuple[int, int, str]:
    """Official order: numbered parts (1, 2, … 10) before lettered ones (a, b, c)."""
    return (0, int(part), "") if part.isdigit() else (1, 0, part)


def target_sort_key(tid: str) -> tuple[Any, ...]:
    goal, part = tid.split(".")
    return (int(goal), *_part_key(part))


def indicator_sort_key(iid: str) -> tuple[Any, ...]:
    goal, part, number = iid.split(".")
    return (int(goal), *_part_key(part), int(number))


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        sys.exit(f"{path}: not found; pass the path of sdg_official_texts_multilingual.csv")
    needed = {"lang", "level", "id", "goal", "field", "text"}
    try:
        # utf-8-sig: a spreadsheet's byte-order mark must not rename the first column.
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = []
            for row in reader:
                if None in row or None in row.values():
                    sys.exit(f"{path}, line {reader.line_num}: not the header's "
                             f"{len(reader.fieldnames or [])} fields; check that line's "
                             "commas and quotes")
                rows.append(row)
    except UnicodeDecodeError as err:
        sys.exit(f"{path}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset "
                 f"{err.start}); is it a binary or differently encoded file? Export the "
                 "CSV as UTF-8 and pass that")
    except csv.Error as err:
        sys.exit(f"{path}: not a readable CSV ({err}); pass the UTF-8 CSV with the columns "
                 f"{', '.join(sorted(needed))}")
    if not rows or not needed <= set(rows[0]):
        sys.exit(f"{path}: expected the columns {sorted(needed)}; is this the right file?")
    return rows


def _collect(rows: list[dict[str, str]]) -> tuple[dict[tuple[str, str, str], dict[str, str]],
                                                  set[str]]:
    """The cleaned texts by (level, id, field) and language, and every language named
    (including those whose texts are all empty); an empty text counts as missing."""
    texts: dict[tuple[str, str, str], dict[str, str]] = {}
    languages: set[str] = set()
    empty: list[str] = []
    for row in rows:
        level, rid, fld = row["level"].strip(), row["id"].strip(), row["field"].strip()
        if level not in FIELDS or fld not in FIELDS[level]:
            sys.exit(f"row {row['lang']} {level} {rid} {fld}: unknown level or field; "
                     "level is goal (field short or title), target or indicator (field title)")
        if not ID_PATTERNS[level].match(rid):
            sys.exit(f"{level} id {rid!r} ({row['lang']}) is not an SDG {level} id "
                     "(goal '6', target '6.a', indicator '6.a.1'); check the CSV")
        lang = normalise_lang(row["lang"])
        if not lang:
            sys.exit(f"{level} {rid} has a row without a language code; fill in its lang")
        languages.add(lang)
        entry = texts.setdefault((level, rid, fld), {})
        text = clean_text(row["text"])
        if text:
            entry[lang] = text
        else:
            empty.append(f"{lang} {level} {rid} {fld}")
    if empty:
        more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        warn(f"empty text left out (treated as missing, so English is shown instead): "
             f"{', '.join(empty[:5])}{more}")
    return texts, languages


def _check_english(texts: dict[tuple[str, str, str], dict[str, str]],
                   goal_ids: list[str]) -> None:
    required = [("goal", gid, fld) for gid in goal_ids for fld in FIELDS["goal"]]
    required += [k for k in texts if k[0] != "goal"]
    missing = [k for k in required if "en" not in texts.get(k, {})]
    if missing:
        listed = ", ".join(f"{lvl} {rid} {fld}" + ("" if texts.get((lvl, rid, fld)) else
                                                   " (in no language either)")
                           for lvl, rid, fld in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        sys.exit(f"no English text for {listed}{more}; every goal (short and full title), "
                 "target and indicator needs its English text, the fallback of every "
                 "language: add the missing lang=en rows to the CSV")


def _keep_languages(texts: dict[tuple[str, str, str], dict[str, str]],
                    languages: set[str]) -> list[str]:
    """English first, then the languages covering at least MIN_COVERAGE of the texts; the
    others are named in a warning and their texts left out."""
    kept = ["en"]
    for lang in sorted(languages - {"en"}):
        share = sum(lang in d for d in texts.values()) / len(texts)
        if share >= MIN_COVERAGE:
            kept.append(lang)
            continue
        warn(f"language {lang!r} left out: it has {share:.0%} of the {len(texts)} goal, "
             f"target and indicator texts, under the {MIN_COVERAGE:.0%} needed; complete "
             "its rows in the CSV to ship it")
        for d in texts.values():
            d.pop(lang, None)
    return kept


def build(rows: list[dict[str, str]]) -> dict[str, Any]:
    texts, languages = _collect(rows)
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
    if [int(g) for g in goal_ids] != sorted(GOAL_COLOURS):
        sys.exit(f"goal ids {', '.join(goal_ids)}: expected 1 to 17; check the CSV")
    for tid in target_ids:
        if tid.split(".")[0] not in goal_ids:
            sys.exit(f"target {tid} belongs to no known goal; check the CSV")
    known_targets = set(target_ids)
    for iid in indicator_ids:
        if iid.rsplit(".", 1)[0] not in known_targets:
            sys.exit(f"indicator {iid} belongs to no known target "
                     f"({iid.rsplit('.', 1)[0]}); check the CSV")
    _check_english(texts, goal_ids)
    kept = _keep_languages(texts, languages)

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
    indicators = [
        {"id": iid, "target": iid.rsplit(".", 1)[0],
         "title": ordered(texts[("indicator", iid, "title")])}
        for iid in indicator_ids
    ]
    return {
        "format_version": FORMAT_VERSION,
        "languages": kept,
        "attribution": ATTRIBUTION,
        "goals": goals,
        "targets": targets,
        "indicators": indicators,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV,
                        help="the UTF-8 CSV of texts (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT,
                        help="the gzip-compressed JSON to write (default: the shipped file)")
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
