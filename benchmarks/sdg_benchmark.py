"""SDG Classification Benchmark: accuracy of both mapper modes on the 1,251 held-out texts.

    .venv/bin/python benchmarks/sdg_benchmark.py [--runs 3] [--mode accurate|fast|both]

Runs ``commonground.sdg.benchmark.run_benchmark`` (the benchmark's own metric: per-SDG
accuracy of ``row.sdg in predicted_goals``, unweighted mean over the 17 SDGs) on the shipped
model, ``--runs`` times per mode. Scores are deterministic; the runs give the median, min and
max throughput. Prints the per-SDG table and the leaderboard, and writes
``benchmarks/results/sdg_benchmark.json``. The benchmark is a test set: nothing is tuned on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "sdg_benchmark.json"


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "load_average_1m": round(load[0], 2),
            "note": "shared 2-core development machine; throughput is pessimistic under load"}


def main(argv: list[str] | None = None) -> None:
    from commonground.sdg import load_mapper
    from commonground.sdg.benchmark import format_report, load_benchmark, run_benchmark

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mode", choices=("accurate", "fast", "both"), default="both")
    args = ap.parse_args(argv)
    rows = load_benchmark()
    results: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": machine(), "runs": args.runs, "modes": {}}
    for mode in ("accurate", "fast") if args.mode == "both" else (args.mode,):
        mapper = load_mapper(mode=mode)
        reports = [run_benchmark(mapper, rows) for _ in range(args.runs)]
        assert len({r.average_accuracy for r in reports}) == 1, "scores must be deterministic"
        speeds = [r.snippets_per_second for r in reports]
        print(format_report(reports[0]))
        print(f"throughput over {args.runs} runs: median {statistics.median(speeds):.1f}, "
              f"min {min(speeds):.1f}, max {max(speeds):.1f} snippets/s\n")
        data = reports[0].model_dump()
        data["snippets_per_second"] = {"median": statistics.median(speeds), "min": min(speeds),
                                       "max": max(speeds)}
        data.pop("seconds")
        results["modes"][mode] = data
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
