"""MiniLM encoder with ONNX Runtime's pool threads spinning or sleeping between batches.

    .venv/bin/python benchmarks/ort_spinning.py [--runs 4] [--snippets 300] [--busy 0|1|2]

Accurate-mode ``predict`` on the first ``--snippets`` benchmark texts, with the encoder
session's ``session.intra_op.allow_spinning`` at "1" (ONNX Runtime's default) and at "0"
(what ``commonground.sdg.embed`` sets), alternating in one process so both see the same
machine. ``--busy N`` runs N busy-looping processes meanwhile, standing in for other jobs
on a shared machine or a web server's other requests. Prints snippets/s and CPU ms per
snippet for each setting; writes ``benchmarks/results/ort_spinning.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ort_spinning.json"
SETTINGS = ("1", "0")


def _busy() -> None:
    while True:
        pass


def _mapper(spin: str) -> Any:
    from commonground.sdg import SHIPPED_MODEL, embed
    from commonground.sdg.model import SdgMapper

    shipped = embed._onnx_session

    def session(threads: int, graph: Path, spinning: bool = spin == "1") -> object:
        return shipped(threads, graph, spinning)

    embed._onnx_session = session
    try:
        mapper = SdgMapper.load(SHIPPED_MODEL)
        mapper.embedder  # noqa: B018 - builds the encoder session now, with this setting
    finally:
        embed._onnx_session = shipped
    return mapper


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--snippets", type=int, default=300)
    ap.add_argument("--busy", type=int, default=0, help="busy-looping processes beside it")
    args = ap.parse_args(argv)
    from commonground.sdg.benchmark import load_benchmark

    texts = [r.text for r in load_benchmark()][:args.snippets]
    mappers = {spin: _mapper(spin) for spin in SETTINGS}
    for m in mappers.values():
        m.predict(texts[:16])
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.busy)]
    for h in hogs:
        h.start()
    speeds: dict[str, list[float]] = {s: [] for s in SETTINGS}
    cpu: dict[str, list[float]] = {s: [] for s in SETTINGS}
    try:
        for _ in range(args.runs):
            for spin, mapper in mappers.items():
                t, c = time.perf_counter(), time.process_time()
                mapper.predict(texts)
                speeds[spin].append(len(texts) / (time.perf_counter() - t))
                cpu[spin].append(1000 * (time.process_time() - c) / len(texts))
    finally:
        for h in hogs:
            h.terminate()
    out: dict[str, dict[str, Any]] = {}
    for spin in SETTINGS:
        out[spin] = {"snippets_per_second_median": round(statistics.median(speeds[spin]), 1),
                     "snippets_per_second_runs": [round(v, 1) for v in speeds[spin]],
                     "cpu_ms_per_snippet_median": round(statistics.median(cpu[spin]), 1)}
    ratio = out["0"]["snippets_per_second_median"] / out["1"]["snippets_per_second_median"]
    for spin, r in out.items():
        print(f"allow_spinning {spin}: {r['snippets_per_second_median']:.1f} snippets/s "
              f"(runs {r['snippets_per_second_runs']}), "
              f"{r['cpu_ms_per_snippet_median']:.1f} CPU ms/snippet")
    print(f"sleeping / spinning: {ratio:.2f}x with {args.busy} busy process(es) beside it")
    load = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    previous[f"busy_{args.busy}"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_1m": round(load[0], 2)},
        "runs": args.runs, "snippets": len(texts), "busy": args.busy,
        "settings": out, "ratio_sleeping_over_spinning": round(ratio, 3)}
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS} (load average {load[0]:.1f})")


if __name__ == "__main__":
    main()
