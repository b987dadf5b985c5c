"""How well the shipped SDG mapper names the *target* a text addresses.

    .venv/bin/python benchmarks/target_ranking.py [--mode accurate fast] [--folder DIR]

The test set is ``data/sdg_target_paragraphs``: two project-written paragraphs per official
target (169 targets; one English, one Spanish, French or Portuguese), each written to
address that target, with any other target it also addresses in ``also``. No model
trains on them. Two measures per mode:

* **within the goal** (ranking alone): the paragraph's vector (the mode's own: fine-tuned
  MiniLM in the accurate mode, static word pieces in the fast mode) ranks its goal's
  targets as the mapper's answers do; top-1, top-3 and mean reciprocal rank of the
  written target. This isolates the target ranking from the goal decision.
* **end to end**: ``map_many``'s answer. The share of paragraphs whose goal is predicted,
  whose written target is among the answer's targets, and whose first target is the
  written one (strict) or any target it addresses (``also`` counted).

``--rows titles`` ranks a goal's targets by their official titles (the shipped rule);
``--rows all`` by the best of each target's title and its indicators' titles, as a
candidate rule (docs/benchmarks.md, "target ranking"). Both are printed with ``--rows
both``, with the paired difference in reciprocal rank and its standard error. Prints a
table; writes ``benchmarks/results/target_ranking.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "sdg_target_paragraphs"
RESULTS = ROOT / "benchmarks" / "results" / "target_ranking.json"
TARGET_ID = re.compile(r"^(1[0-7]|[1-9])\.([0-9]{1,2}|[a-z])$")
FIELDS = ("id", "target", "goal", "also", "lang", "register", "text")


def load_paragraphs(folder: Path = FOLDER) -> list[dict[str, Any]]:
    """Every paragraph of the folder's ``*.jsonl`` files, checked; raises ValueError naming
    the file, the line and the fix."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise ValueError(f"{folder} holds no .jsonl files; the target paragraphs ship in "
                         "data/sdg_target_paragraphs")
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name} line {n}"
            row = json.loads(line)
            missing = [f for f in FIELDS if f not in row]
            if missing:
                raise ValueError(f"{where} lacks {missing}; every line needs {list(FIELDS)}")
            target, also = str(row["target"]), [str(t) for t in row["also"]]
            bad = [t for t in (target, *also) if not TARGET_ID.match(t)]
            if bad or int(target.split(".")[0]) != row["goal"] or target in also:
                raise ValueError(f"{where}: target {target!r}, goal {row['goal']!r}, also "
                                 f"{also!r}; give target ids like '6.1' or '17.a', the "
                                 "target's own goal, and other targets only in also")
            if row["id"] in seen:
                raise ValueError(f"{where}: id {row['id']!r} is used twice; ids must be unique")
            seen.add(row["id"])
            rows.append({**row, "target": target, "also": also})
    return rows


def target_rows(index: Any, rows: str) -> tuple[list[np.ndarray], list[list[str]],
                                                list[np.ndarray]]:
    """Per goal: the index rows that stand for its targets, the target ids, and each row's
    target (its position in the ids). ``rows`` 'titles': the target titles (the shipped
    rule, ``TargetIndex.best_targets``); 'all': titles and indicator titles."""
    ids = np.array([str(i) for i in index.ids])
    depth = np.char.count(ids, ".")
    keep = depth == 1 if rows == "titles" else depth >= 1
    of = np.array([".".join(i.split(".")[:2]) for i in ids])
    cols, names, which = [], [], []
    for g in range(1, 18):
        c = np.flatnonzero(keep & (index.goals == g))
        names.append(list(dict.fromkeys(of[c])))  # first-row order, as best_targets
        pos = {t: k for k, t in enumerate(names[-1])}
        cols.append(c)
        which.append(np.array([pos[t] for t in of[c]]))
    return cols, names, which


def within_goal_ranks(index: Any, vectors: np.ndarray, paragraphs: list[dict[str, Any]],
                      rows: str) -> np.ndarray:
    """The rank (1 = first) of each paragraph's target among its goal's targets."""
    cols, names, which = target_rows(index, rows)
    ranks = np.zeros(len(paragraphs), dtype=np.int64)
    for k, (v, p) in enumerate(zip(vectors, paragraphs, strict=True)):
        g = int(p["goal"]) - 1
        best = np.full(len(names[g]), -np.inf)
        np.maximum.at(best, which[g], index.vectors[cols[g]] @ v)
        order = [names[g][i] for i in np.argsort(-best, kind="stable")]
        ranks[k] = order.index(p["target"]) + 1
    return ranks


def summary(ranks: np.ndarray) -> dict[str, float]:
    return {"top1": round(float(np.mean(ranks == 1)) * 100, 2),
            "top3": round(float(np.mean(ranks <= 3)) * 100, 2),
            "mrr": round(float(np.mean(1 / ranks)), 4)}


def end_to_end(answers: list[Any], paragraphs: list[dict[str, Any]]) -> dict[str, float]:
    goal = listed = first = first_any = 0
    for a, p in zip(answers, paragraphs, strict=True):
        got = [t.target for t in a.targets]
        goal += int(p["goal"]) in a.predicted_goals()
        listed += p["target"] in got
        first += bool(got) and got[0] == p["target"]
        first_any += bool(got) and got[0] in {p["target"], *p["also"]}
    n = len(paragraphs)
    return {"goal_predicted": round(goal / n * 100, 2), "target_listed": round(listed / n * 100, 2),
            "first_target": round(first / n * 100, 2),
            "first_target_any": round(first_any / n * 100, 2)}


def run(mode: str, paragraphs: list[dict[str, Any]], rows: list[str]) -> dict[str, Any]:
    from commonground.sdg import load_mapper

    mapper = load_mapper(mode=mode)
    texts = [p["text"] for p in paragraphs]
    vectors = (mapper.embedder.encode(texts) if mode == "accurate"
               else mapper.static.encode(texts))
    index = mapper.target_index()
    out: dict[str, Any] = {"end_to_end": end_to_end(mapper.map_many(texts, evidence=False),
                                                    paragraphs)}
    ranks = {r: within_goal_ranks(index, vectors, paragraphs, r) for r in rows}
    langs = sorted({p["lang"] for p in paragraphs})
    for r, rk in ranks.items():
        out[f"within_goal_{r}"] = {"all": summary(rk), **{
            lang: summary(rk[[p["lang"] == lang for p in paragraphs]]) for lang in langs}}
    if len(rows) == 2:
        diff = 1 / ranks["all"] - 1 / ranks["titles"]
        out["paired_rr_all_minus_titles"] = {
            "mean": round(float(diff.mean()), 4),
            "se": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4),
            "better": int((diff > 0).sum()), "worse": int((diff < 0).sum())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", nargs="+", choices=("accurate", "fast"),
                    default=["accurate", "fast"])
    ap.add_argument("--folder", type=Path, default=FOLDER)
    ap.add_argument("--rows", choices=("titles", "all", "both"), default="titles")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    paragraphs = load_paragraphs(args.folder)
    rows = ["titles", "all"] if args.rows == "both" else [args.rows]
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.processor()},
        "paragraphs": len(paragraphs),
        "targets": len({p["target"] for p in paragraphs}), "modes": {}}
    for mode in args.mode:
        res = result["modes"][mode] = run(mode, paragraphs, rows)
        print(f"{mode}: end to end {res['end_to_end']}")
        for r in rows:
            print(f"  within the goal, {r}: " + "; ".join(
                f"{k} {v['top1']}/{v['top3']}/{v['mrr']}"
                for k, v in res[f"within_goal_{r}"].items()) + "  (top-1 %/top-3 %/MRR)")
        if "paired_rr_all_minus_titles" in res:
            print(f"  all - titles, reciprocal rank: {res['paired_rr_all_minus_titles']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
