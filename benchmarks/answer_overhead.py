"""What full answers cost beyond the goal decisions, paired against another checkout.

    .venv/bin/python benchmarks/answer_overhead.py [--other CHECKOUT] [--mode fast]
        [--pairs 4] [--snippets 600] [--reps 7] [--out FILE]

``map_many(evidence=False)`` (what corpus mapping runs) does what ``predict`` does and then
builds the answers: targets, notes, validation. On a shared 2-core machine wall time and
even whole-run CPU time drift by a third between runs of identical code, more than most
changes to the answer-building, so each child process measures both on the same first
``--snippets`` benchmark texts, interleaved ``--reps`` times, and reports the median CPU
milliseconds per snippet of each and of their difference (the overhead).

With ``--other`` (a checkout's root, e.g. a ``git worktree`` of the code before a change),
children of this checkout (A) and of that one (B, on ``PYTHONPATH``) run in the order
ABBA, ``--pairs`` times, so that drift and the order of runs fall on both alike; the
result is each side's median overhead over its runs and the ratio B / A. Writes
``benchmarks/results/answer_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "answer_overhead.json"


def child(mode: str, snippets: int, reps: int) -> dict[str, Any]:
    import commonground
    from commonground.sdg import load_mapper
    from commonground.sdg.benchmark import load_benchmark

    texts = [r.text for r in load_benchmark()][:snippets]
    mapper = load_mapper(mode=mode)
    mapper.map_many(texts[:64], evidence=False)  # warm-up: the n-gram index, caches
    answers, decisions = [], []
    for _ in range(reps):
        c = time.process_time()
        mapper.map_many(texts, evidence=False)
        answers.append(1000 * (time.process_time() - c) / len(texts))
        c = time.process_time()
        mapper.predict(texts)
        decisions.append(1000 * (time.process_time() - c) / len(texts))
    overhead = [a - d for a, d in zip(answers, decisions, strict=True)]
    return {"code": str(Path(commonground.__file__).resolve().parent),
            "map_many_cpu_ms": round(statistics.median(answers), 3),
            "predict_cpu_ms": round(statistics.median(decisions), 3),
            "overhead_cpu_ms": round(statistics.median(overhead), 3)}


def run_child(args: argparse.Namespace, checkout: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout / "src")
    proc = subprocess.run([sys.executable, __file__, "--child", "--mode", args.mode,
                           "--snippets", str(args.snippets), "--reps", str(args.reps)],
                          check=True, capture_output=True, text=True, env=env)
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("fast", "accurate"), default="fast")
    ap.add_argument("--other", type=Path, help="a checkout to pair against (its src/ on "
                                               "PYTHONPATH)")
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--snippets", type=int, default=600)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.mode, args.snippets, args.reps)))
        return
    if args.other is not None and not (args.other / "src" / "commonground").is_dir():
        sys.exit(f"--other {args.other} is not a commonground checkout (no "
                 "src/commonground); give the root of one, e.g. a `git worktree add`")
    order = ["A", "B", "B", "A"] * args.pairs if args.other else ["A"] * args.pairs
    runs: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
    for side in order:
        r = run_child(args, args.other if side == "B" else None)
        runs[side].append(r)
        print(f"{side}: map_many {r['map_many_cpu_ms']:.3f}, predict {r['predict_cpu_ms']:.3f}, "
              f"overhead {r['overhead_cpu_ms']:.3f} CPU ms/snippet ({r['code']})")
    summary = {side: {key: round(statistics.median(r[key] for r in rs), 3)
                      for key in ("map_many_cpu_ms", "predict_cpu_ms", "overhead_cpu_ms")}
               for side, rs in runs.items() if rs}
    for side, s in summary.items():
        print(f"{side} median of {len(runs[side])} runs: map_many {s['map_many_cpu_ms']:.3f}, "
              f"predict {s['predict_cpu_ms']:.3f}, overhead {s['overhead_cpu_ms']:.3f} "
              "CPU ms/snippet")
    if "B" in summary:
        ratio = summary["B"]["overhead_cpu_ms"] / summary["A"]["overhead_cpu_ms"]
        summary["overhead_ratio_b_over_a"] = round(ratio, 3)
        print(f"overhead B / A: {ratio:.2f}")
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": "python benchmarks/answer_overhead.py " + " ".join(
                  argv if argv is not None else sys.argv[1:]),
              "mode": args.mode, "snippets": args.snippets, "reps": args.reps,
              "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
              "runs": runs, "summary": summary}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
