"""The content gate (twenty-fifth selection round): what it turns away, and what it keeps.

    .venv/bin/python benchmarks/content_gate.py [--model DIR] [--against DIR]

1. *Unrelated text no gate trains on* (``data/sdg_non_sdg_test``, a writer apart from the
   four of ``data/sdg_non_sdg``): per mode, the share of texts answered with no goal by
   ``--model`` and by ``--against``, and how many ``--model`` turns away.
2. *In-domain text no model trains on* (``data/sdg_excerpts``, ``data/sdg_understated``,
   ``data/sdg_language_paragraphs``, the demo initiatives' summaries and case studies):
   of the texts labelled with at least one goal, how many ``--model`` turns away. The gate
   reads the same features in both modes, so this is counted once (fast mode).

Defaults: ``--model`` and ``--against`` the shipped model. Prints tables; writes
``benchmarks/results/content_gate.json``. An evaluation only: nothing is chosen here.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "content_gate.json"
DATA = ROOT / "data"


def unrelated_test() -> list[str]:
    from commonground.sdg.train import unrelated_texts

    return [r["text"] for r in unrelated_texts(DATA / "sdg_non_sdg_test")]


def in_domain_sets() -> dict[str, list[str]]:
    """Held-out texts labelled with at least one goal, per set."""
    from commonground.sdg.train import written_paragraphs

    out = {name: [r["text"] for r in written_paragraphs(DATA / name) if r["sdgs"]]
           for name in ("sdg_excerpts", "sdg_understated")}
    language: list[str] = []
    for path in sorted((DATA / "sdg_language_paragraphs").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            language += [json.loads(line)["text"] for line in fh if line.strip()]
    out["sdg_language_paragraphs"] = language
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from demo_goals import texts  # type: ignore[import-not-found]  # one loader of them

    for kind, rows in texts().items():
        out[f"demo: {kind}"] = [text for _, text, stated in rows if stated]
    return out


def turned_away(mapping: Any) -> bool:
    return any(note.startswith("no SDG content recognised") for note in mapping.notes)


def main(argv: list[str] | None = None) -> None:
    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.model import MODES, SdgMapper

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    ap.add_argument("--against", type=Path, default=SHIPPED_MODEL)
    args = ap.parse_args(argv)
    unrelated = unrelated_test()
    out: dict[str, Any] = {"unrelated": {"texts": len(unrelated)}, "in_domain": {}}
    print(f"unrelated held-out texts: {len(unrelated)}")
    print(f"{'mode':<9} {'no goal, against':>17} {'no goal, model':>15} {'turned away':>12}")
    for mode in MODES:
        row: dict[str, Any] = {}
        for name, folder in (("against", args.against), ("model", args.model)):
            answers = SdgMapper.load(folder, mode).map_many(unrelated, evidence=False)
            row[f"no_goal_{name}"] = sum(not a.predicted_goals() for a in answers)
            if name == "model":
                row["turned_away"] = sum(turned_away(a) for a in answers)
        out["unrelated"][mode] = row
        print(f"{mode:<9} {row['no_goal_against']:>17} {row['no_goal_model']:>15} "
              f"{row['turned_away']:>12}")
    fast = SdgMapper.load(args.model, "fast")
    print(f"\n{'in-domain set (labelled with a goal)':<40} {'texts':>6} {'turned away':>12}")
    for name, texts in in_domain_sets().items():
        away = sum(turned_away(a) for a in fast.map_many(texts, evidence=False))
        out["in_domain"][name] = {"texts": len(texts), "turned_away": away,
                                  "percent": round(100 * away / max(1, len(texts)), 2)}
        print(f"{name:<40} {len(texts):>6} {away:>12}")
    out["run"] = {"model": str(args.model), "against": str(args.against),
                  "date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "python": platform.python_version()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
