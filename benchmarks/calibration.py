"""Are the SDG mapper's probabilities calibrated on text it never trained on?

    .venv/bin/python benchmarks/calibration.py [--mode accurate fast] [--bins 10] [--out FILE]

The mapper promises a calibrated probability per goal: the thresholds and the stacker are
fitted out of fold on the training rows, so among the pairs it gives 0.3, about 30 % should
be true on text like those rows. This script measures it where nothing was fitted, per
mode, on three sets (``commonground.sdg.fitting.reliability``: equal-width bins, the
expected calibration error ``ece``, the largest gap of a bin):

* ``excerpts`` and ``understated``: the project-written held-out sets
  (``data/sdg_excerpts``, ``data/sdg_understated``, 1,560 paragraphs each, eight writers
  never trained on), every goal of every paragraph labelled: 17 pairs per paragraph;
* ``benchmark``: the SDG Classification Benchmark's 1,251 rows, each one goal with a
  true/false label: one pair per row, the probability of the row's goal. An evaluation
  only: nothing is chosen on it (docs/benchmarks.md, "How models were selected").

Also the Brier score of each set, and the model card's out-of-fold Brier score on the
training rows the thresholds were chosen on, for comparison. Prints a table per set; writes
``benchmarks/results/calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "calibration.json"
HELD_OUT = {"excerpts": ROOT / "data" / "sdg_excerpts",
            "understated": ROOT / "data" / "sdg_understated"}


def labelled_sets() -> dict[str, tuple[list[str], np.ndarray, np.ndarray | None]]:
    """Per set: its texts, its labels and, where a row labels one goal only, that goal's
    column per row (None where every goal of a row is labelled)."""
    from commonground.sdg.benchmark import load_benchmark
    from commonground.sdg.train import paragraph_labels, written_paragraphs

    out: dict[str, tuple[list[str], np.ndarray, np.ndarray | None]] = {}
    for name, folder in HELD_OUT.items():
        rows = written_paragraphs(folder)
        out[name] = ([r["text"] for r in rows], paragraph_labels(rows).astype(bool), None)
    bench = load_benchmark()
    out["benchmark"] = ([r.text for r in bench], np.array([r.label for r in bench]),
                        np.array([r.sdg - 1 for r in bench]))
    return out


def score_set(proba: np.ndarray, y: np.ndarray, goal: np.ndarray | None,
              bins: int) -> dict[str, Any]:
    """Reliability and Brier score of one set's probabilities ``proba`` (n, 17): over every
    pair, or over each row's own goal where ``goal`` gives it."""
    from commonground.sdg.fitting import reliability

    p = proba if goal is None else proba[np.arange(len(goal)), goal]
    table = reliability(y, p, bins)
    table["rows"] = len(proba)
    return table


def run(mode: str, bins: int, sets: dict[str, tuple[list[str], np.ndarray, np.ndarray | None]],
        ) -> dict[str, Any]:
    from commonground.sdg import load_mapper

    mapper = load_mapper(mode=mode)
    out: dict[str, Any] = {"sets": {}}
    for name, (texts, y, goal) in sets.items():
        out["sets"][name] = score_set(mapper.predict_proba(texts), y, goal, bins)
    cv = mapper.model_card.get("cross_validation", {}).get(mode, {}).get("cv_multilabel", {})
    out["training_out_of_fold"] = {"brier": cv.get("brier"), "rows": cv.get("n")}
    return out


def print_report(report: dict[str, Any]) -> None:
    for mode, result in report.items():
        oof = result["training_out_of_fold"]
        print(f"\n{mode} mode (the model card's out-of-fold Brier score on the {oof['rows']} "
              f"training rows the thresholds were chosen on: {oof['brier']})")
        for name, s in result["sets"].items():
            print(f"  {name}: {s['rows']} rows, {s['pairs']} pairs, ECE {s['ece']:.4f}, "
                  f"largest gap {s['max_gap']:.4f}, Brier {s['brier']:.4f}")
            print(f"    {'bin':<11} {'pairs':>7} {'mean p':>8} {'observed':>9}")
            for b in s["bins"]:
                if b["n"]:
                    print(f"    {b['from']:.2f}-{b['to']:.2f}  {b['n']:>7} "
                          f"{b['mean_probability']:>8.3f} {b['observed_rate']:>9.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", nargs="+", choices=("accurate", "fast"),
                    default=["accurate", "fast"])
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    sets = labelled_sets()
    report = {mode: run(mode, args.bins, sets) for mode in args.mode}
    print_report(report)
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python benchmarks/calibration.py " + " ".join(
                  argv if argv is not None else sys.argv[1:]),
              "python": platform.python_version(), "bins": args.bins, "modes": report}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
