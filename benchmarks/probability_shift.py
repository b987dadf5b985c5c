"""Error analysis only: the shipped model's probability for the labelled goal on benchmark
rows against the held-out excerpts (data/sdg_excerpts), per mode.

    .venv/bin/python benchmarks/probability_shift.py

Prints the 10th, 25th, 50th and 75th percentiles of the probability of the row's goal for
the benchmark's positive and negative rows, and for the excerpts' benchmark-shaped sets
(per goal, the paragraphs labelled with it; the near-topic paragraphs written for it).
Nothing is chosen on it: it describes why thresholds fitted on written text transfer badly
(docs/benchmarks.md, thirteenth round). Writes ``benchmarks/results/probability_shift.json``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "probability_shift.json"
QUANTILES = (0.1, 0.25, 0.5, 0.75)


def main() -> None:
    from commonground.sdg import load_mapper
    from commonground.sdg.benchmark import load_benchmark
    from commonground.sdg.train import benchmark_shaped_sets, written_paragraphs

    rows = load_benchmark()
    excerpts = written_paragraphs(ROOT / "data" / "sdg_excerpts")
    labels = np.zeros((len(excerpts), 17), dtype=np.int8)
    for i, r in enumerate(excerpts):
        labels[i, [g - 1 for g in r["sdgs"]]] = 1
    sets = benchmark_shaped_sets(labels, [r["focus"] if r["kind"] == "near" else 0
                                          for r in excerpts])
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
                                          ("excerpt_positive", written[sets == 1]),
                                          ("excerpt_negative", written[sets == -1]))}
        for name, qs in out[mode].items():
            print(f"{mode:9s} {name:19s} p at q10/q25/q50/q75: "
                  + " ".join(f"{q:.2f}" for q in qs))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "probability_shift", "quantiles": QUANTILES,
        "command": "python benchmarks/probability_shift.py",
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "results": out},
        indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
