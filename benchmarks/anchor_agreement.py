"""Error analysis only: the mapper's benchmark errors against the 15 published systems.

    .venv/bin/python benchmarks/anchor_agreement.py [--mode accurate|fast] [--model DIR]

``../shared/data/sdg/benchmark_meta/anchor_predictions.csv`` holds, for every benchmark row,
the yes/no of 15 published systems (GPT-4o, SDG Prospector, text2sdg, …; ids and labels,
no texts). For each mode this prints every system's score by the benchmark's own metric
(it reproduces the leaderboard), the score of their majority vote (8 of 15), and splits
the mapper's wrong rows into those where the majority answers as the mapper does (the
label stands against most systems) and those where the majority is right. It also prints
the score the mapper would have if every error of the second kind were mended: a ceiling
for changes that bring it closer to what most systems answer, not a target.

Nothing is chosen on it (the benchmark is a test set, docs/benchmarks.md): it says where
the errors lie. Writes ``benchmarks/results/anchor_agreement.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
ANCHORS = ROOT.parent / "shared" / "data" / "sdg" / "benchmark_meta" / "anchor_predictions.csv"
RESULTS = ROOT / "benchmarks" / "results" / "anchor_agreement.json"


def read_anchors(path: Path, ids: list[str]) -> tuple[list[str], NDArray[np.bool_]]:
    """(system names, (systems, rows) yes/no) in the order of ``ids``; every system must
    answer every row, or the file is not the one this script was written for."""
    if not path.is_file():
        raise SystemExit(f"{path} not found; pass --anchors pointing at "
                         "../shared/data/sdg/benchmark_meta/anchor_predictions.csv")
    answers: dict[str, dict[str, bool]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            answers[row["model"]][row["id"]] = row["predicted_label"] == "True"
    systems = sorted(answers)
    missing = [(s, i) for s in systems for i in ids if i not in answers[s]]
    if not systems or missing:
        raise SystemExit(f"{path}: {len(missing)} (system, row) answers missing, e.g. "
                         f"{missing[:3]}; expected every system to answer all {len(ids)} rows")
    return systems, np.array([[answers[s][i] for i in ids] for s in systems], dtype=bool)


def agreement(sdg: NDArray[np.int64], label: NDArray[np.bool_], ours: NDArray[np.bool_],
              anchors: NDArray[np.bool_], rank: NDArray[np.int64] | None = None,
              ) -> dict[str, Any]:
    """The split of ``ours``'s errors by the anchors' majority, per goal and in all.

    ``sdg``, ``label``, ``ours``: per row; ``anchors``: (systems, rows). A row's majority
    says yes when more than half of the systems do. Scores are ``metric``'s. ``rank``
    (per row, the rank of the row's goal among the mapper's 17 probabilities, 1 = first)
    adds how the mapper ranks the goals it misses where the majority is right, and the
    goals it gets right."""
    majority = anchors.mean(axis=0) > 0.5
    wrong = ours != label
    shared = wrong & (majority == ours)  # the majority answers as we do, against the label
    own = wrong & ~shared  # the majority is right
    per_goal = {str(g): {"ours": score_goal(ours, label, sdg == g),
                         "majority": score_goal(majority, label, sdg == g),
                         "errors": int(wrong[sdg == g].sum()),
                         "shared": int(shared[sdg == g].sum()),
                         "own_false_positive": int((own & ours)[sdg == g].sum()),
                         "own_false_negative": int((own & ~ours)[sdg == g].sum())}
                for g in sorted(set(sdg.tolist()))}
    return {"ours": metric(ours, label, sdg), "majority": metric(majority, label, sdg),
            "ceiling_if_own_errors_mended": metric(np.where(own, label, ours), label, sdg),
            "errors": int(wrong.sum()), "shared_with_majority": int(shared.sum()),
            "own_false_positive": int((own & ours).sum()),
            "own_false_negative": int((own & ~ours).sum()),
            "shared_false_positive": int((shared & ours).sum()),
            "shared_false_negative": int((shared & ~ours).sum()),
            "per_goal": per_goal,
            **({} if rank is None else {
                "own_false_negative_ranks": _counts(rank[own & ~ours]),
                "true_positive_ranks": _counts(rank[ours & label])})}


def _counts(values: NDArray[np.int64]) -> dict[str, int]:
    found, n = np.unique(values, return_counts=True)
    return {str(int(v)): int(c) for v, c in zip(found, n, strict=True)}


def metric(pred: NDArray[np.bool_], label: NDArray[np.bool_], sdg: NDArray[np.int64]) -> float:
    """The benchmark's metric: accuracy per goal, mean over the goals present, in percent,
    rounded as ``commonground.sdg.benchmark.score`` rounds (each goal's, then the mean)."""
    return round(float(np.mean([score_goal(pred, label, sdg == g)
                                for g in sorted(set(sdg.tolist()))])), 2)


def score_goal(pred: NDArray[np.bool_], label: NDArray[np.bool_],
               rows: NDArray[np.bool_]) -> float:
    return round(100 * float(np.mean(pred[rows] == label[rows])), 2)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("accurate", "fast"), nargs="+",
                    default=["accurate", "fast"])
    ap.add_argument("--model", type=Path, default=None,
                    help="a saved mapper folder (default: the shipped model)")
    ap.add_argument("--anchors", type=Path, default=ANCHORS)
    args = ap.parse_args(argv)
    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.benchmark import load_benchmark
    from commonground.sdg.model import SdgMapper

    rows = load_benchmark()
    systems, anchors = read_anchors(args.anchors, [r.id for r in rows])
    sdg = np.array([r.sdg for r in rows], dtype=np.int64)
    label = np.array([r.label for r in rows], dtype=bool)
    out: dict[str, Any] = {"model": str(args.model or "shipped"), "modes": {}}
    for mode in args.mode:
        mapper = SdgMapper.load(args.model or SHIPPED_MODEL, mode=mode)
        # the public answers carry both probabilities and decisions: one pass
        answers = mapper.map_many([r.text for r in rows], evidence=False)
        p = np.array([[g.probability for g in a.goals] for a in answers])
        goal = p[np.arange(len(rows)), sdg - 1]
        rank = 1 + (p > goal[:, None]).sum(axis=1)
        ours = np.array([a.goals[g - 1].predicted for a, g in zip(answers, sdg, strict=True)])
        res = agreement(sdg, label, ours, anchors, rank)
        res["systems"] = {s: metric(anchors[k], label, sdg) for k, s in enumerate(systems)}
        out["modes"][mode] = res
        best = max(res["systems"], key=res["systems"].get)
        print(f"{mode}: ours {res['ours']:.2f}, majority of {len(systems)} systems "
              f"{res['majority']:.2f}, best system {res['systems'][best]:.2f} ({best})")
        print(f"  {res['errors']} wrong rows: {res['shared_with_majority']} where the majority "
              f"answers as we do ({res['shared_false_positive']} false positives, "
              f"{res['shared_false_negative']} false negatives); the majority is right on "
              f"{res['errors'] - res['shared_with_majority']} ({res['own_false_positive']} "
              f"false positives, {res['own_false_negative']} false negatives)")
        print("  rank of the goal among the mapper's probabilities (rank: rows), missed "
              f"where the majority is right: {res['own_false_negative_ranks']}; true "
              f"positives: {res['true_positive_ranks']}")
        print(f"  ceiling if every error the majority gets right were mended: "
              f"{res['ceiling_if_own_errors_mended']:.2f}")
        print("  goal  ours  majority  errors  shared  own FP  own FN")
        for g, d in res["per_goal"].items():
            print(f"  {g:>4s} {d['ours']:6.1f} {d['majority']:8.1f} {d['errors']:7d} "
                  f"{d['shared']:7d} {d['own_false_positive']:7d} {d['own_false_negative']:7d}")
    out["written"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
