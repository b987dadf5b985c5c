"""Which Spanish, French and Portuguese paragraphs a model answers with no goal, with and
without its language bridge (an error analysis after rounds 31-32; it chooses nothing).

    .venv/bin/python benchmarks/bridge_no_goal.py [NAME=MODEL ...]

For each model (default: the shipped one), the accurate mode maps the 507 paragraphs of
``data/sdg_language_paragraphs`` as shipped (Spanish, French and Portuguese text read
through the language bridge) and again with the bridge removed (read by MiniLM directly,
as the training rows in those languages are), and counts per language the paragraphs
given no goal, with the median of each paragraph's highest probability. Prints a table;
writes ``benchmarks/results/bridge_no_goal.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bridge_no_goal.json"


def paragraphs() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((ROOT / "data" / "sdg_language_paragraphs").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def main(argv: list[str] | None = None) -> None:
    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.model import SdgMapper

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", metavar="NAME=MODEL",
                    default=[f"shipped={SHIPPED_MODEL}"])
    args = ap.parse_args(argv)
    models = []
    for item in args.models:
        name, sep, folder = item.partition("=")
        if not sep or not name or not Path(folder).is_dir():
            raise SystemExit(f"{item!r}: give NAME=MODEL with MODEL a saved model folder")
        models.append((name, Path(folder)))
    rows = paragraphs()
    texts = [r["text"] for r in rows]
    langs = sorted({r["lang"] for r in rows})
    out: dict[str, Any] = {"paragraphs": len(rows), "models": {}}
    print(f"{'model':<12} {'bridge':<8} {'no goal':>8}  " + "  ".join(f"{x:>3}" for x in langs)
          + "  median top p")
    for name, folder in models:
        mapper = SdgMapper.load(folder, "accurate")
        for bridged in (True, False):
            if not bridged:
                mapper.bridge_ = None  # read as the training rows in these languages are
            answers = mapper.map_many(texts, evidence=False)
            none = [not a.predicted_goals() for a in answers]
            top = [max(g.probability for g in a.goals) for a in answers]
            row: dict[str, Any] = {"no_goal": sum(none),
                                   "by_language": {x: sum(n for n, r in zip(
                                       none, rows, strict=True) if r["lang"] == x)
                                       for x in langs},
                                   "median_top_probability": round(float(np.median(top)), 3)}
            out["models"].setdefault(name, {"folder": str(folder)})[
                "bridged" if bridged else "unbridged"] = row
            print(f"{name:<12} {'on' if bridged else 'off':<8} {row['no_goal']:>8}  "
                  + "  ".join(f"{row['by_language'][x]:>3}" for x in langs)
                  + f"  {row['median_top_probability']:.3f}", flush=True)
    out["run"] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "python": platform.python_version()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
