"""The shipped SDG mapper on the project-written paragraphs (data/sdg_paragraphs).

    .venv/bin/python benchmarks/written_paragraphs.py [--mode accurate fast]
    .venv/bin/python benchmarks/written_paragraphs.py --held-out-writers   # about 25 min

The benchmark's shape on written paragraphs: per goal, the paragraphs labelled with it
against the near-topic paragraphs written as its hard negatives; class-balanced accuracy per
goal (the mean of the share of positives accepted and of negatives rejected, the selection
metric since the thirteenth round; plain accuracy is reported beside it), unweighted mean
over the 17 goals. Reported overall, per register (one writer each) and per language
(Spanish, French and Portuguese share registers). Prints a table; writes
``benchmarks/results/written_paragraphs.json``.

The shipped model trains on every paragraph of ``data/sdg_paragraphs``
(``commonground.sdg.train.PARAGRAPH_LANGUAGES`` and ``PARAGRAPH_MODES``), so its figures
there are in-sample and marked so; ``--folder data/sdg_excerpts`` and ``--folder
data/sdg_understated`` score the held-out sets, which no model trains on.

``--held-out-writers`` measures what no shipped figure can once a mode trains on the
paragraphs: the English writers, sorted by file name, are dealt into five groups (writer
*i* to group *i* mod 5); the training configuration in this checkout
(``scripts/train_sdg_mapper.build`` with its defaults, ``../shared/data/sdg`` needed) is
fitted without each group and scores that group's writers (each paragraph is embedded
once per run, not once per group). This is the eleventh selection
round's test (docs/benchmarks.md) without its pairing against the earlier model.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "sdg_paragraphs"
RESULTS = ROOT / "benchmarks" / "results" / "written_paragraphs.json"


def accuracy(rows: list[dict[str, Any]], pred: np.ndarray,
             keep: Callable[[dict[str, Any]], bool], balanced: bool = True,
             ) -> tuple[float, list[float | None]]:
    """Mean over goals of accuracy on (labelled with g) + (near rows written for g).

    ``balanced`` (the selection metric since the thirteenth round): per goal, the mean of
    the share of positives accepted and of negatives rejected, the accuracy a half-positive
    set (like the benchmark's) would give; else plain accuracy on the 70-81 % positive sets.
    """
    from commonground.sdg.fitting import balanced_accuracy
    from commonground.sdg.train import paragraph_sets

    sets = paragraph_sets(rows)
    sets[[not keep(r) for r in rows]] = 0
    goal_sets = [(np.flatnonzero(sets[:, g] == 1), np.flatnonzero(sets[:, g] == -1))
                 for g in range(17)]
    per_goal: list[float | None] = (balanced_accuracy(pred, goal_sets) if balanced
                                    else [None] * 17)
    for g, (pos, neg) in enumerate(goal_sets):
        if per_goal[g] is None and len(pos) + len(neg):  # plain accuracy
            per_goal[g] = 100 * float(pred[pos, g].sum() + (~pred[neg, g]).sum()) / (
                len(pos) + len(neg))
    present = [a for a in per_goal if a is not None]
    return float(np.mean(present)), per_goal


def evaluate(mode: str, folder: Path = FOLDER) -> dict[str, Any]:
    from commonground.sdg import load_mapper
    from commonground.sdg.train import PARAGRAPH_LANGUAGES, PARAGRAPH_MODES, written_paragraphs

    rows = written_paragraphs(folder)
    pred = np.asarray(load_mapper(mode=mode).predict([r["text"] for r in rows]), bool)
    average, per_goal = accuracy(rows, pred, lambda r: True)
    languages = sorted({r["lang"] for r in rows})
    # only the training folder is trained on (data/sdg_excerpts is held out)
    trained = ([] if mode not in PARAGRAPH_MODES or folder.resolve() != FOLDER.resolve()
               else sorted(PARAGRAPH_LANGUAGES or languages))
    held_out = [r["lang"] not in trained for r in rows]
    out: dict[str, Any] = {"paragraphs": len(rows), "average_accuracy": round(average, 2),
                           "plain_average_accuracy": round(accuracy(
                               rows, pred, lambda r: True, balanced=False)[0], 2),
                           "trained_on_languages": trained,
                           "held_out_average_accuracy": round(accuracy(
                               rows, pred, lambda r: r["lang"] not in trained)[0], 2)
                           if any(held_out) else None,
                           "held_out_paragraphs": sum(held_out),
                           "per_goal": {str(g + 1): None if a is None else round(a, 1)
                                        for g, a in enumerate(per_goal)}}
    def subset(key: str, value: str) -> Callable[[dict[str, Any]], bool]:
        return lambda r: bool(r[key] == value)

    for key in ("register", "lang"):
        out[f"by_{key}"] = {v: round(accuracy(rows, pred, subset(key, v))[0], 2)
                            for v in sorted({r[key] for r in rows})}
    return out


def writer_groups(rows: list[dict[str, Any]], n: int = 5) -> list[list[str]]:
    """The English writers (registers with only English rows), dealt into ``n`` groups."""
    english = sorted({r["register"] for r in rows}
                     - {r["register"] for r in rows if r["lang"] != "en"})
    return [english[i::n] for i in range(n)]


def _train_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "train_sdg_mapper", ROOT / "scripts" / "train_sdg_mapper.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def held_out_writers(data: Path, cache: Path | None, modes: list[str]) -> dict[str, Any]:
    """Per English writer and mode: accuracy of the configuration fitted without its group."""
    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.model import SdgMapper
    from commonground.sdg.train import written_paragraphs

    train = _train_script()
    static = SdgMapper.load(SHIPPED_MODEL).static  # the table does not depend on paragraphs
    rows = written_paragraphs(FOLDER)
    per_writer: dict[str, dict[str, float]] = {}
    for group in writer_groups(rows):
        with tempfile.TemporaryDirectory() as tmp:
            for path in sorted(FOLDER.glob("*.jsonl")):
                if path.stem not in group:
                    shutil.copy(path, tmp)
            mapper, _ = train.build(data, cache, dict(train.DEFAULT_C), static=static,
                                    paragraphs=Path(tmp))
        for writer in group:
            sub = [r for r in rows if r["register"] == writer]
            per_writer[writer] = {}
            for mode in modes:
                pred = np.asarray(mapper.with_mode(mode).predict([r["text"] for r in sub]), bool)
                per_writer[writer][mode] = round(accuracy(sub, pred, lambda r: True)[0], 2)
                per_writer[writer][f"{mode}_plain"] = round(
                    accuracy(sub, pred, lambda r: True, balanced=False)[0], 2)
            print(f"  {writer}: " + ", ".join(f"{m} {a:.1f}" for m, a in
                                               per_writer[writer].items()), flush=True)
    summary = {}
    for mode in [*modes, *(f"{m}_plain" for m in modes)]:
        a = np.array([v[mode] for v in per_writer.values()])
        summary[mode] = {"mean": round(float(a.mean()), 2),
                         "se": round(float(a.std(ddof=1) / np.sqrt(len(a))), 2),
                         "min": float(a.min()), "max": float(a.max())}
    return {"groups": writer_groups(rows), "per_writer": per_writer, "summary": summary}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", nargs="+", choices=("accurate", "fast"),
                    default=["accurate", "fast"])
    ap.add_argument("--held-out-writers", action="store_true",
                    help="fit the training configuration without each group of English "
                         "writers and score them (about 5 minutes per group)")
    ap.add_argument("--folder", type=Path, default=FOLDER,
                    help="paragraph folder to score (default: the training paragraphs; "
                         "data/sdg_excerpts and data/sdg_understated are held out from "
                         "training)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sdg")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/sdg-cache"))
    args = ap.parse_args(argv)
    if args.held_out_writers:
        out = ROOT / "benchmarks" / "results" / "written_paragraphs_held_out.json"
        result = held_out_writers(args.data, args.cache, args.mode)
        for mode, v in result["summary"].items():
            print(f"{mode}: mean {v['mean']:.2f} (SE {v['se']:.2f}) over "
                  f"{len(result['per_writer'])} English writers held out, "
                  f"{v['min']:.1f}-{v['max']:.1f}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({
            "benchmark": "written_paragraphs --held-out-writers",
            "command": "python benchmarks/written_paragraphs.py --held-out-writers --mode "
                       + " ".join(args.mode),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "python": platform.python_version()},
            "results": result}, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
        return
    report = {mode: evaluate(mode, args.folder) for mode in args.mode}
    for mode, r in report.items():
        seen = ", ".join(r["trained_on_languages"]) or "none"
        held = ("none held out: see --held-out-writers" if r["held_out_average_accuracy"]
                is None else f"held out {r['held_out_average_accuracy']:.1f} on "
                f"{r['held_out_paragraphs']}")
        print(f"\n{mode} mode: {r['average_accuracy']:.1f} class-balanced "
              f"({r['plain_average_accuracy']:.1f} plain) on {r['paragraphs']} paragraphs; "
              f"{held} (languages trained on, in-sample: {seen})")
        for key in ("by_register", "by_lang"):
            print("  " + ", ".join(f"{k} {v:.1f}" for k, v in r[key].items()))
        print("  per goal: " + " ".join(f"{g}:{a:.0f}" for g, a in r["per_goal"].items()
                                        if a is not None))
    results = (RESULTS if args.folder.resolve() == FOLDER.resolve()
               else RESULTS.with_name(f"written_paragraphs_{args.folder.name}.json"))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({
        "benchmark": "written_paragraphs",
        "folder": str(args.folder),
        "command": "python benchmarks/written_paragraphs.py --mode " + " ".join(args.mode)
                   + f" --folder {args.folder}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "results": report,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {results}")


if __name__ == "__main__":
    main()
