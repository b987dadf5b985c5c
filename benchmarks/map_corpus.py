"""Corpus mapping throughput: one process, and a local Dask cluster of 1 and of 2 workers.

    .venv/bin/python benchmarks/map_corpus.py [--snippets 20000] [--runs 3] [--mode fast]

Builds ``--snippets`` snippets from a seed (two or three official SDG target texts in English,
Spanish, French or Portuguese from the package framework, joined into one benchmark-sized
paragraph), writes them to a Parquet corpus, then times ``map_corpus`` on it several times
per system. Both clusters are started once and warmed on a small corpus first, so the timings
are of mapping (each worker loads the model once); cluster start-up is reported apart.
Prints median, min and max seconds, snippets per second and the ratio against 1 worker
measured in the same run (runs alternate between the systems, so a change in the machine's
load weighs on all alike), checks that every system wrote byte-identical output, and writes
``benchmarks/results/map_corpus.json`` (``map_corpus_accurate.json`` with ``--mode accurate``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
LANGUAGES = ("en", "es", "fr", "pt")


def build_corpus(path: Path, n: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from commonground.sdg.framework import framework

    rng = random.Random(seed)
    targets = framework().targets
    rows = []
    for i in range(n):
        lang = rng.choice(LANGUAGES)
        picked = rng.sample(targets, rng.choice((2, 3)))
        rows.append({"id": f"s{i:06d}", "text": " ".join(t.text(lang) for t in picked)})
    pq.write_table(pa.Table.from_pylist(rows), path)


def _spin(n: int) -> float:
    began = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i % 7
    return time.perf_counter() - began


def parallel_capacity(n: int = 10_000_000) -> float:
    """How many times the work of one pure-Python process two processes get done at once.

    About 2 on an idle 2-core machine; less while other programs use the cores. Measured
    before and after the runs so that the 2-vs-1-worker ratio can be read against it.
    """
    from concurrent.futures import ProcessPoolExecutor

    one = _spin(n)
    with ProcessPoolExecutor(2) as pool:
        began = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        two = time.perf_counter() - began
    return round(2 * one / two, 2)


def time_runs(corpus: Path, out: Path, runs: int, batch_size: int, source: Any,
              executor: Any) -> list[float]:
    from commonground.batch import map_corpus

    times = []
    for _ in range(runs):
        began = time.perf_counter()
        map_corpus(corpus, out, text_column="text", id_column="id", batch_size=batch_size,
                   source=source, executor=executor, overwrite=True, restart=True)
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    from commonground.batch import LocalExecutor, ModelSpec
    from commonground.batch.dask_runner import DaskExecutor, dask_client

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--snippets", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--mode", default="fast", choices=("fast", "accurate"))
    ap.add_argument("--seed", type=int, default=20260)
    ap.add_argument("--no-local", action="store_true", help="Skip the one-process reference.")
    args = ap.parse_args()

    source = ModelSpec(mode=args.mode)
    source.load()  # fail early, with the model's own message, if it is missing
    capacity = [parallel_capacity()]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="map-corpus-bench-") as tmp:
        folder = Path(tmp)
        corpus, warm = folder / "corpus.parquet", folder / "warm.parquet"
        build_corpus(corpus, args.snippets, args.seed)
        build_corpus(warm, 2 * args.batch_size, args.seed + 1)
        outputs: dict[str, Path] = {}
        executors: dict[str, Any] = {}
        with contextlib.ExitStack() as stack:
            if not args.no_local:
                executors["1 process"] = LocalExecutor()
            for workers in (1, 2):
                name = f"{workers} Dask worker" + ("s" if workers > 1 else "")
                began = time.perf_counter()
                client = stack.enter_context(dask_client(workers=workers))
                results[name] = {"cluster_start_seconds": round(time.perf_counter() - began, 2)}
                executors[name] = DaskExecutor(client)
            for name, executor in executors.items():
                # the warm-up corpus has a batch per worker: each one loads the model once
                time_runs(warm, folder / "warm.out.parquet", 1, args.batch_size, source,
                          executor)
                results.setdefault(name, {})["seconds"] = []
                outputs[name] = folder / f"{name.replace(' ', '-')}.parquet"
            # Runs alternate between the systems, in a rotating order, so that a change in
            # the machine's load during the benchmark weighs on every system alike.
            names = list(executors)
            for run in range(args.runs):
                for name in names[run % len(names):] + names[:run % len(names)]:
                    secs = time_runs(corpus, outputs[name], 1, args.batch_size, source,
                                     executors[name])[0]
                    results[name]["seconds"].append(secs)
                    print(f"run {run + 1}: {name}: {secs:.2f} s", file=sys.stderr)
        reference = outputs["1 Dask worker"].read_bytes()
        identical = all(p.read_bytes() == reference for p in outputs.values())

    capacity.append(parallel_capacity())
    results = {name: results[name] for name in executors}
    base = statistics.median(results["1 Dask worker"]["seconds"])
    print(f"map-corpus, {args.snippets:,} snippets, {args.mode} mode, batch size "
          f"{args.batch_size}, {args.runs} runs, {os.cpu_count()} CPUs")
    print(f"{'system':18} {'median s':>9} {'min s':>7} {'max s':>7} {'snippets/s':>11} "
          f"{'vs 1 worker':>12}")
    for name, r in results.items():
        secs = r["seconds"]
        med = statistics.median(secs)
        r.update(median=round(med, 3), min=round(min(secs), 3), max=round(max(secs), 3),
                 snippets_per_second=round(args.snippets / med, 1),
                 speedup_vs_1_worker=round(base / med, 3))
        r["seconds"] = [round(s, 3) for s in secs]
        print(f"{name:18} {med:9.2f} {min(secs):7.2f} {max(secs):7.2f} "
              f"{args.snippets / med:11.0f} {base / med:11.2f}x")
    ratio = results["2 Dask workers"]["speedup_vs_1_worker"]
    print(f"2 workers vs 1: {ratio:.2f}x faster; outputs identical: {identical}")
    print(f"machine: two pure-Python processes did {capacity[0]:.2f}x (before) and "
          f"{capacity[1]:.2f}x (after) the work of one (2.0 on two idle cores)")

    out = RESULTS / ("map_corpus.json" if args.mode == "fast" else "map_corpus_accurate.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "map_corpus",
        "command": "python benchmarks/map_corpus.py " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "processor": platform.processor()},
        "snippets": args.snippets, "mode": args.mode, "batch_size": args.batch_size,
        "runs": args.runs, "seed": args.seed, "outputs_identical": identical,
        "two_vs_one_worker_speedup": ratio, "systems": results,
        "parallel_capacity_before_after": capacity,
    }, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
