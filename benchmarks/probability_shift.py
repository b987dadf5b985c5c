"""Error analysis only: the shipped model's probability for the labelled goal on benchmark
rows against a held-out written set (default data/sdg_excerpts), per mode.

    .venv/bin/python benchmarks/probability_shift.py [--folder data/sdg_understated]

Prints the 10th, 25th, 50th and 75th percentiles of the probability of the row's goal for
the benchmark's positive and negative rows, and for the written set's benchmark-shaped sets
(per goal, the paragraphs labelled with it; the near-topic paragraphs written for it).
Nothing is chosen on it: it describes why thresholds fitted on written text transfer badly
(docs/benchmarks.md, thirteenth round). Writes ``benchmarks/results/probability_shift.json``
(``probability_shift_<folder>.json`` for another folder).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "probability_shift.json"
QUANTILES = (0.1, 0.25, 0.5, 0.75)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, default=ROOT / "data" / "sdg_excerpts",
                    help="held-out written set (data/sdg_excerpts or data/sdg_understated)")
    args = ap.parse_args(argv)
    from commonground.sdg import load_mapper
    from commonground.sdg.benchmark import load_benchmark
    from commonground.sdg.train import paragraph_sets, written_paragraphs

    rows = load_benchmark()
    excerpts = written_paragraphs(args.folder)
    sets = paragraph_sets(excerpts)
    goal = np.array([r.sdg for r in rows]) - 1
    positive = np.array([r.label for r in rows], dtype=bool)
    out: dict[str, Any] = {}
    for mode in ("accurate", "fast"):
        mapper = load_mapper(mode=mode)
        bench = np.asarray(mapper.predict_proba([r.text for r in rows]))[np.arange(len(rows)),
                                                                           goal]
        written = np.asarray(mapper.predict_proba([r["text"] for r in excerpts]))
        out[mode] = {name: [round(float(q), 3) for q in np.quantile(values, QUANTILES)]
                     for name, values in (("benchmark_positive", bench[positive]),
                                          ("benchmark_negative", bench[~positive]),
                                          ("written_positive", written[sets == 1]),
                                          ("written_negative", written[sets == -1]))}
        for name, qs in out[mode].items():
            print(f"{mode:9s} {name:19s} p at q10/q25/q50/q75: "
                  + " ".join(f"{q:.2f}" for q in qs))
    results = (RESULTS if args.folder.name == "sdg_excerpts"
               else RESULTS.with_name(f"probability_shift_{args.folder.name}.json"))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({
        "benchmark": "probability_shift", "quantiles": QUANTILES, "folder": args.folder.name,
        "command": f"python benchmarks/probability_shift.py --folder {args.folder}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "results": out},
        indent=2) + "\n", encoding="utf-8")
    print(f"wrote {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
