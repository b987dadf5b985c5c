"""Stated against model SDGs on the demo initiatives: how often the model's goals include the
report's stated ones.

    .venv/bin/python benchmarks/demo_goals.py [--mode accurate|fast] [--out FILE]

Two texts per initiative: the demo record (title and summary written by the project, what
`make demo` loads), and, when ../shared is present, the full case-study text that
`commonground ingest` extracts from the seed report. For each, the stated goals, the
model's predicted goals and possible secondary themes (``SdgMapping.secondary_goals``),
and the rank of each stated goal among the model's 17 probabilities. Prints a table;
writes ``benchmarks/results/demo_goals.json`` (``demo_goals_fast.json`` for the fast mode,
so that one mode's run does not overwrite the other's), or ``--out``.
This is an evaluation only: nothing in the model was chosen on these texts.
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = {"accurate": ROOT / "benchmarks" / "results" / "demo_goals.json",
           "fast": ROOT / "benchmarks" / "results" / "demo_goals_fast.json"}
SEED = ROOT.parent / "shared" / "seed" / "partnerships-and-innovation-sdgs-in-cities-2023.md"


def texts() -> dict[str, list[tuple[str, str, list[int]]]]:
    """Per text kind: (city, text, stated goals) of the eight initiatives."""
    from commonground.catalog.demo import demo_records
    from commonground.sdg.enrich import record_text

    def stated(rec: Any) -> list[int]:
        return sorted({link.goal for link in rec.sdgs if link.source == "stated"})

    out = {"demo summary": [(r.city.name, record_text(r), stated(r)) for r in demo_records()]}
    if SEED.is_file():
        from commonground.ingest import extract_file
        from commonground.settings import load_settings

        found = extract_file(SEED, load_settings())
        out["seed case study"] = [(r.city.name, record_text(r), stated(r))
                                  for r in found.records]
    return out


def evaluate(mode: str) -> dict[str, Any]:
    from commonground.sdg import load_mapper

    mapper = load_mapper(mode=mode)
    report: dict[str, Any] = {}
    for kind, rows in texts().items():
        items: list[dict[str, Any]] = []
        for city, text, stated in rows:
            m = mapper.map(text)
            order = sorted(m.goals, key=lambda g: -g.probability)
            rank = {g.goal: i + 1 for i, g in enumerate(order)}
            predicted = sorted(m.predicted_goals())
            secondary = [g.goal for g in m.secondary_goals()]
            shown = set(predicted) | set(secondary)
            items.append({"city": city, "words": len(text.split()), "stated": stated,
                          "predicted": predicted, "secondary": secondary,
                          "all_stated_proposed_or_secondary": set(stated) <= shown,
                          "stated_ranks": {str(g): rank[g] for g in stated},
                          "all_stated_predicted": set(stated) <= set(predicted),
                          "some_stated_predicted": bool(set(stated) & set(predicted))})
        n_stated = sum(len(i["stated"]) for i in items)
        report[kind] = {
            "initiatives": len(items),
            "all_stated_predicted": sum(i["all_stated_predicted"] for i in items),
            "some_stated_predicted": sum(i["some_stated_predicted"] for i in items),
            "stated_goals_recalled": sum(len(set(i["stated"]) & set(i["predicted"]))
                                         for i in items),
            "stated_goals": n_stated,
            "stated_in_top_3": sum(r <= 3 for i in items for r in i["stated_ranks"].values()),
            # what a reader of `sdg map` sees: the proposed goals and the possible secondary
            # themes (SdgMapping.secondary_goals)
            "all_stated_proposed_or_secondary": sum(i["all_stated_proposed_or_secondary"]
                                                    for i in items),
            "stated_proposed_or_secondary": sum(
                len(set(i["stated"]) & (set(i["predicted"]) | set(i["secondary"])))
                for i in items),
            "items": items,
        }
    return report


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("accurate", "fast"), default="accurate")
    ap.add_argument("--out", type=Path, default=None,
                    help="the JSON to write (default: benchmarks/results/demo_goals.json, "
                         "demo_goals_fast.json for the fast mode)")
    args = ap.parse_args(argv)
    out: Path = args.out or RESULTS[args.mode]
    report = evaluate(args.mode)
    for kind, r in report.items():
        print(f"\n{kind} ({args.mode} mode)")
        print(f"{'city':<15}{'words':>6}  {'stated':<12}{'model':<26}{'secondary':<12}"
              "stated goals' ranks")
        for i in r["items"]:
            ranks = ", ".join(f"{g}: {k}" for g, k in i["stated_ranks"].items())
            print(f"{i['city']:<15}{i['words']:>6}  {i['stated']!s:<12}"
                  f"{i['predicted']!s:<26}{i['secondary']!s:<12}{ranks}")
        print(f"all stated goals predicted: {r['all_stated_predicted']} of {r['initiatives']}; "
              f"at least one: {r['some_stated_predicted']} of {r['initiatives']}; "
              f"stated goals recalled: {r['stated_goals_recalled']} of {r['stated_goals']}; "
              f"stated goals in the model's top 3: {r['stated_in_top_3']} of {r['stated_goals']}")
        print(f"among the proposed goals or the possible secondary themes: all stated goals "
              f"{r['all_stated_proposed_or_secondary']} of {r['initiatives']}; stated goals "
              f"{r['stated_proposed_or_secondary']} of {r['stated_goals']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "demo_goals", "command": f"python benchmarks/demo_goals.py --mode {args.mode}"
        + (f" --out {args.out}" if args.out else ""),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "mode": args.mode, "results": report,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
