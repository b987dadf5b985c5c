"""Goals of Spanish, French and Portuguese text with and without a mode's language bridge.

    .venv/bin/python benchmarks/language_bridge.py [--mode accurate|fast] [--folder DIR]
        [--model DIR] [--rounds N] [--out FILE]

The test of the language rounds (docs/benchmarks.md, "goals of Spanish, French and
Portuguese text"), rerun on the model in the checkout (or ``--model``): the mode maps the
target paragraphs (``data/sdg_target_paragraphs``, or ``--folder``, e.g.
``data/sdg_language_paragraphs``; never trained on) with its language bridge and without
it (the same model with ``bridge_``, in the fast mode ``word_bridge_``, unset). Per
language: the share whose own goal is predicted and ranked first (goals ranked by
probability), its mean reciprocal rank, goals predicted per paragraph and class-balanced
accuracy (per goal, the paragraphs of that goal, its own or a goal of an ``also`` target,
against all others; the mean of the true-positive and true-negative rates over the 17
goals); the paired reciprocal-rank gain with its standard error and the round's verdict
(gain above 2 SE and balanced accuracy not lower). English paragraphs must come out
identical. CPU seconds per text of ``map_many`` (no evidence) for each language group,
medians of ``--rounds`` alternating rounds. Prints a table; writes
``benchmarks/results/language_bridge[_fast][_FOLDER].json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from commonground.sdg.fitting import balanced_accuracy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from target_ranking import (  # type: ignore[import-not-found]  # noqa: E402  # one loader
    FOLDER,
    load_paragraphs,
    paired_summary,
)

RESULTS = ROOT / "benchmarks" / "results"
LANGS = ("es", "fr", "pt")


def figures(answers: list[Any], paragraphs: list[dict[str, Any]]) -> tuple[np.ndarray,
                                                                            dict[str, float]]:
    """Reciprocal ranks of each paragraph's goal, and the summary figures."""
    rr, predicted, n_goals = [], [], []
    got = np.zeros((len(paragraphs), 17), dtype=bool)
    truth = np.zeros((len(paragraphs), 17), dtype=bool)
    for row, (a, p) in enumerate(zip(answers, paragraphs, strict=True)):
        probs = np.array([g.probability for g in sorted(a.goals, key=lambda g: g.goal)])
        rr.append(1 / (1 + int((probs > probs[p["goal"] - 1]).sum())))
        goals = set(a.predicted_goals())
        predicted.append(p["goal"] in goals)
        n_goals.append(len(goals))
        for g in goals:
            got[row, g - 1] = True
        for g in {p["goal"], *(int(t.split(".")[0]) for t in p["also"])}:
            truth[row, g - 1] = True
    balanced = [a for a in balanced_accuracy(got, [
        (np.flatnonzero(truth[:, g]), np.flatnonzero(~truth[:, g])) for g in range(17)])
        if a is not None]
    r = np.array(rr)
    return r, {"predicted": round(float(np.mean(predicted)) * 100, 2),
               "first": round(float(np.mean(r == 1)) * 100, 2), "mrr": round(float(r.mean()), 4),
               "goals_per_text": round(float(np.mean(n_goals)), 2),
               "balanced": round(float(np.mean(balanced)), 2)}


def compare(without: list[Any], with_: list[Any], paragraphs: list[dict[str, Any]]
            ) -> dict[str, Any]:
    r0, f0 = figures(without, paragraphs)
    r1, f1 = figures(with_, paragraphs)
    d = paired_summary(r1 - r0)
    return {"without": f0, "with": f1, "rr_gain": d["mean"], "se": d["se"],
            "better": d["better"], "worse": d["worse"],
            "pass": bool(d["mean"] > 2 * d["se"] and f1["balanced"] >= f0["balanced"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", type=Path, default=FOLDER)
    ap.add_argument("--rounds", type=int, default=3, help="alternating timing rounds")
    ap.add_argument("--mode", choices=("accurate", "fast"), default="accurate")
    ap.add_argument("--model", type=Path, help="a model folder (default: the shipped model)")
    ap.add_argument("--out", type=Path,
                    help="default: benchmarks/results/language_bridge[_fast][_FOLDER].json")
    args = ap.parse_args()

    from commonground.sdg import load_mapper
    from commonground.sdg.model import SdgMapper

    paragraphs = load_paragraphs(args.folder)
    mapper = (SdgMapper.load(args.model, mode=args.mode) if args.model
              else load_mapper(mode=args.mode))
    attribute = "bridge_" if args.mode == "accurate" else "word_bridge_"
    if getattr(mapper, attribute) is None:
        raise SystemExit(f"the model has no {args.mode}-mode language bridge; fit it with "
                         "scripts/train_sdg_mapper.py --bridge-only MODEL")
    plain = mapper.with_mode(args.mode)
    setattr(plain, attribute, None)
    out = args.out or RESULTS / "language_bridge{}{}.json".format(
        "_fast" if args.mode == "fast" else "",
        "" if args.folder.resolve() == FOLDER.resolve() else f"_{args.folder.name}")
    groups = {"non_english": [p for p in paragraphs if p["lang"] in LANGS],
              **{lang: [p for p in paragraphs if p["lang"] == lang] for lang in (*LANGS, "en")}}
    groups = {g: ps for g, ps in groups.items() if ps}  # a set may hold no English
    timed: list[str] = [g for g in ("non_english", "en") if g in groups]
    texts = [p["text"] for p in paragraphs]
    mapper.map_many(texts[:4], evidence=False)  # warm-up: both encoders loaded
    cpu: dict[str, dict[str, list[float]]] = {"without": {}, "with": {}}
    answers: dict[str, list[Any]] = {}
    for _ in range(args.rounds):
        for name, m in (("without", plain), ("with", mapper)):
            for group in timed:
                sel = [p["text"] for p in groups[group]]
                t = time.process_time()
                got = m.map_many(sel, evidence=False)
                cpu[name].setdefault(group, []).append((time.process_time() - t) / len(sel))
                answers[f"{name}/{group}"] = got
    by_id = {name: {p["id"]: a for group in timed
                    for p, a in zip(groups[group], answers[f"{name}/{group}"], strict=True)}
             for name in ("without", "with")}
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.processor()},
        "mode": args.mode, "folder": str(args.folder),
        "bridge": getattr(mapper, attribute).report, "groups": {},
        "english_identical": all(
            by_id["without"][p["id"]] == by_id["with"][p["id"]] for p in groups.get("en", [])),
        "cpu_ms_per_text": {name: {g: round(statistics.median(v) * 1000, 1)
                                   for g, v in c.items()} for name, c in cpu.items()},
    }
    for group, ps in groups.items():
        res = result["groups"][group] = compare(
            [by_id["without"][p["id"]] for p in ps], [by_id["with"][p["id"]] for p in ps], ps)
        print(f"{group} ({len(ps)}): without {res['without']}")
        print(f"{'':>{len(group) + 6}}with    {res['with']}")
        verdict = (f", round rule: {'pass' if res['pass'] else 'fail'}"
                   if group == "non_english" else "")  # the rule judges the three together
        print(f"{'':>{len(group) + 6}}reciprocal-rank gain {res['rr_gain']} (SE {res['se']}), "
              f"better/worse {res['better']}/{res['worse']}{verdict}")
    print(f"English answers identical: {result['english_identical']}")
    print(f"CPU ms per text of map_many (medians of {args.rounds}): {result['cpu_ms_per_text']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
