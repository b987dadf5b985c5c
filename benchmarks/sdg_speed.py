"""SDG mapper speed and memory: snippets per second, a 30-page report, peak memory.

    .venv/bin/python benchmarks/sdg_speed.py [--runs 3] [--snippets 300]
        [--modes fast accurate accurate-int8]

For each mode (``accurate-int8``: the accurate mode with its MiniLM in int8, the
``--precision int8`` option), in a fresh child process (so peak memory is that mode's own):
- snippets/s of ``predict`` on the first ``--snippets`` benchmark texts (benchmark-sized
  snippets: median 85 words), after a warm-up; median, min, max of ``--runs`` runs;
- snippets/s of ``map_many`` (full answers) on the same snippets, with and without
  evidence (``evidence=False``, what corpus mapping uses), alternating, median of the runs,
  in snippets/s and CPU milliseconds per snippet;
- seconds for ``map`` (probabilities, decisions, targets, evidence) of a 30-page report:
  15,000 words built from the seed report (../shared/seed) when present, else from the
  official target texts, deterministically;
- peak resident memory (ru_maxrss) of the process, model load included;
- CPU milliseconds per snippet (all threads), which other jobs on the machine disturb far
  less than wall time.
Single process, default ONNX Runtime threading. Prints a table with ratios against the fast
and the accurate mode measured in the same run; writes ``benchmarks/results/sdg_speed.json``
with the CPU model and the SIMD extensions that decide the int8 and fp32 kernels' speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "sdg_speed.json"
SEED = ROOT.parent / "shared" / "seed" / "partnerships-and-innovation-sdgs-in-cities-2023.md"
REPORT_WORDS = 15_000  # about 30 pages of 500 words
MODES = ("fast", "accurate", "accurate-int8")


def report_text() -> tuple[str, str]:
    if SEED.is_file():
        base, source = SEED.read_text(encoding="utf-8"), SEED.name
    else:
        from commonground.sdg.framework import framework

        base = "\n\n".join(t.text("en") for t in framework().targets)
        source = "official target texts"
    paragraphs = [p for p in base.split("\n\n") if p.strip()]
    out: list[str] = []
    words = 0
    i = 0
    while words < REPORT_WORDS:
        p = paragraphs[i % len(paragraphs)]
        out.append(p)
        words += len(p.split())
        i += 1
    return "\n\n".join(out), source


def child(mode: str, runs: int, n: int) -> dict[str, Any]:
    from commonground.sdg import load_mapper
    from commonground.sdg.benchmark import load_benchmark

    began = time.perf_counter()
    base, _, precision = mode.partition("-")
    mapper = load_mapper(mode=base, precision=precision or None)
    texts = [r.text for r in load_benchmark()][:n]
    mapper.predict(texts[:8])
    load_s = time.perf_counter() - began
    speeds, cpu_ms = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        mapper.predict(texts)
        speeds.append(len(texts) / (time.perf_counter() - t))
        cpu_ms.append(1000 * (time.process_time() - c) / len(texts))
    # full answers (decisions, targets, evidence) and the same without evidence, alternating
    full: dict[str, list[float]] = {"with evidence": [], "without evidence": []}
    full_cpu: dict[str, list[float]] = {"with evidence": [], "without evidence": []}
    for _ in range(runs):
        for label, evidence in (("with evidence", True), ("without evidence", False)):
            t, c = time.perf_counter(), time.process_time()
            mapper.map_many(texts, evidence=evidence)
            full[label].append(len(texts) / (time.perf_counter() - t))
            full_cpu[label].append(1000 * (time.process_time() - c) / len(texts))
    report, source = report_text()
    report_s = []
    for _ in range(runs):
        t = time.perf_counter()
        mapping = mapper.map(report)
        report_s.append(time.perf_counter() - t)
    return {
        "mode": mode, "snippets": len(texts),
        "snippets_per_second": {"median": round(statistics.median(speeds), 1),
                                "min": round(min(speeds), 1), "max": round(max(speeds), 1)},
        # CPU time (all threads) per snippet: far less sensitive to other jobs than wall time
        "cpu_ms_per_snippet": round(statistics.median(cpu_ms), 2),
        "map_many_snippets_per_second": {k: round(statistics.median(v), 1)
                                         for k, v in full.items()},
        "map_many_cpu_ms_per_snippet": {k: round(statistics.median(v), 2)
                                        for k, v in full_cpu.items()},
        "report_words": len(report.split()), "report_source": source,
        "report_seconds": {"median": round(statistics.median(report_s), 2),
                           "min": round(min(report_s), 2), "max": round(max(report_s), 2)},
        "report_goals": mapping.predicted_goals(),
        "load_and_warmup_seconds": round(load_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--snippets", type=int, default=300)
    ap.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--out", type=Path, default=RESULTS,
                    help="where to write the JSON (another path for a run of other code, "
                         "e.g. PYTHONPATH=<a checkout>/src)")
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.snippets)))
        return
    out: dict[str, Any] = {}
    for mode in args.modes:
        proc = subprocess.run([sys.executable, __file__, "--child", mode, "--runs", str(args.runs),
                               "--snippets", str(args.snippets)],
                              check=True, capture_output=True, text=True)
        out[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    def ratio(mode: str, peer: str) -> str:
        if peer not in out:
            return "-"
        mine, theirs = (out[m]["snippets_per_second"]["median"] for m in (mode, peer))
        return f"{mine / theirs:.3f}"

    print(f"{'mode':<14} {'snippets/s (med/min/max)':>26} {'vs fast':>8} {'vs accurate':>12} "
          f"{'CPU ms/snippet':>15} {'30-page report s (med)':>23} {'peak RSS MB':>12}")
    for mode, r in out.items():
        s = r["snippets_per_second"]
        print(f"{mode:<14} {s['median']:>10.1f} {s['min']:>7.1f} {s['max']:>7.1f} "
              f"{ratio(mode, 'fast'):>8} {ratio(mode, 'accurate'):>12} "
              f"{r['cpu_ms_per_snippet']:>15.2f} "
              f"{r['report_seconds']['median']:>23.2f} "
              f"{r['peak_rss_mb']:>12.0f}")
    for mode, r in out.items():
        m, c = r["map_many_snippets_per_second"], r["map_many_cpu_ms_per_snippet"]
        print(f"{mode:<14} map_many snippets/s (median): with evidence {m['with evidence']:.1f}, "
              f"without {m['without evidence']:.1f} "
              f"({m['without evidence'] / m['with evidence']:.2f}x); CPU ms/snippet "
              f"{c['with evidence']:.2f} / {c['without evidence']:.2f}")
    from commonground.sdg.embed import cpu_features

    load = os.getloadavg()
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python benchmarks/sdg_speed.py " + " ".join(argv or sys.argv[1:]),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "cpu": cpu_features(),
                          "load_average_1m": round(load[0], 2),
                          "note": "shared 2-core development machine; timings are pessimistic "
                                  "when other jobs run"},
              "runs": args.runs, "modes": out}
    import commonground

    result["code"] = str(Path(commonground.__file__).resolve().parent)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (load average {load[0]:.1f}; code from {result['code']})")


if __name__ == "__main__":
    main()
