"""The shipped SDG mapper on the project-written paragraphs (data/sdg_paragraphs).

    .venv/bin/python benchmarks/written_paragraphs.py [--mode accurate fast]

The benchmark's metric on a set no shipped model has trained on: per goal, the paragraphs
labelled with it against the near-topic paragraphs written as its hard negatives; accuracy
per goal, unweighted mean over the 17 goals. Reported overall, per register (one writer
each) and per language, so that weaker text kinds show (Spanish, French and Portuguese
share one register). Prints a table; writes ``benchmarks/results/written_paragraphs.json``.

The shipped accurate mode trains its base models on the Spanish, French and Portuguese
paragraphs (``commonground.sdg.train.PARAGRAPH_LANGUAGES``): for it those figures are
in-sample and marked so; only the English ones are held out. The fast mode has seen none.
"""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "sdg_paragraphs"
RESULTS = ROOT / "benchmarks" / "results" / "written_paragraphs.json"


def accuracy(rows: list[dict[str, Any]], pred: np.ndarray,
             keep: Callable[[dict[str, Any]], bool]) -> tuple[float, list[float | None]]:
    """Mean over goals of accuracy on (labelled with g) + (near rows written for g)."""
    per_goal: list[float | None] = []
    for g in range(1, 18):
        pos = [i for i, r in enumerate(rows) if keep(r) and g in r["sdgs"]]
        neg = [i for i, r in enumerate(rows)
               if keep(r) and r["kind"] == "near" and r["focus"] == g]
        n = len(pos) + len(neg)
        per_goal.append(None if n == 0 else
                        float(pred[pos, g - 1].sum() + (~pred[neg, g - 1]).sum()) / n * 100)
    present = [a for a in per_goal if a is not None]
    return float(np.mean(present)), per_goal


def evaluate(mode: str) -> dict[str, Any]:
    from commonground.sdg import load_mapper
    from commonground.sdg.train import PARAGRAPH_LANGUAGES, PARAGRAPH_MODES, written_paragraphs

    rows = written_paragraphs(FOLDER)
    pred = np.asarray(load_mapper(mode=mode).predict([r["text"] for r in rows]), bool)
    average, per_goal = accuracy(rows, pred, lambda r: True)
    trained = sorted(PARAGRAPH_LANGUAGES) if mode in PARAGRAPH_MODES else []
    held_out = [r["lang"] not in trained for r in rows]
    out: dict[str, Any] = {"paragraphs": len(rows), "average_accuracy": round(average, 2),
                           "trained_on_languages": trained,
                           "held_out_average_accuracy": round(accuracy(
                               rows, pred, lambda r: r["lang"] not in trained)[0], 2),
                           "held_out_paragraphs": sum(held_out),
                           "per_goal": {str(g + 1): None if a is None else round(a, 1)
                                        for g, a in enumerate(per_goal)}}
    def subset(key: str, value: str) -> Callable[[dict[str, Any]], bool]:
        return lambda r: bool(r[key] == value)

    for key in ("register", "lang"):
        out[f"by_{key}"] = {v: round(accuracy(rows, pred, subset(key, v))[0], 2)
                            for v in sorted({r[key] for r in rows})}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", nargs="+", choices=("accurate", "fast"),
                    default=["accurate", "fast"])
    args = ap.parse_args(argv)
    report = {mode: evaluate(mode) for mode in args.mode}
    for mode, r in report.items():
        seen = ", ".join(r["trained_on_languages"]) or "none"
        print(f"\n{mode} mode: {r['average_accuracy']:.1f} on {r['paragraphs']} paragraphs; "
              f"held out {r['held_out_average_accuracy']:.1f} on {r['held_out_paragraphs']} "
              f"(languages trained on, in-sample: {seen})")
        for key in ("by_register", "by_lang"):
            print("  " + ", ".join(f"{k} {v:.1f}" for k, v in r[key].items()))
        print("  per goal: " + " ".join(f"{g}:{a:.0f}" for g, a in r["per_goal"].items()
                                        if a is not None))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "written_paragraphs",
        "command": "python benchmarks/written_paragraphs.py --mode " + " ".join(args.mode),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "results": report,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
