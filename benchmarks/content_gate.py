"""The content gate (twenty-fifth selection round): what it turns away, and what it keeps.

    .venv/bin/python benchmarks/content_gate.py [--model DIR] [--against DIR] [--out FILE]
    .venv/bin/python benchmarks/content_gate.py --select     # ../shared/data/sdg needed

``--select`` is the twenty-sixth round's choice among the gate's variants (class weights
balanced or none, plain or word-bridged static vectors) on the gate's own training data:
in-domain rows (the shipped model's training set) out of fold on the fit's folds, unrelated
texts (``data/sdg_non_sdg``) with their writer held out; among the variants that turn away
at least 90 % of the unrelated texts, the one that turns away the fewest in-domain rows
(ties: plain vectors, then balanced). Writes ``benchmarks/results/content_gate_select.json``
(or ``--out``).

1. *Unrelated text no gate trains on* (``data/sdg_non_sdg_test``, a writer apart from the
   four of ``data/sdg_non_sdg``): per mode, the share of texts answered with no goal by
   ``--model`` and by ``--against``, and how many ``--model`` turns away.
2. *In-domain text no model trains on* (``data/sdg_excerpts``, ``data/sdg_understated``,
   ``data/sdg_language_paragraphs``, ``data/sdg_short_test``, the demo initiatives'
   summaries and case studies):
   of the texts labelled with at least one goal, how many ``--model`` turns away (the gate
   reads the same features in both modes, so this is counted once, in the fast mode), and,
   per mode, how many ``--model`` and ``--against`` answer with no goal (the thirty-first
   round's test 3).

Defaults: ``--model`` and ``--against`` the shipped model. Prints tables; writes
``benchmarks/results/content_gate.json``, or ``--out`` (a candidate's run need not replace
the shipped model's). An evaluation only: nothing is chosen here.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "content_gate.json"
DATA = ROOT / "data"


def unrelated_test() -> list[str]:
    from commonground.sdg.train import unrelated_texts

    return [r["text"] for r in unrelated_texts(DATA / "sdg_non_sdg_test")]


def in_domain_sets() -> dict[str, list[str]]:
    """Held-out texts labelled with at least one goal, per set."""
    from commonground.sdg.train import short_texts, written_paragraphs

    out = {name: [r["text"] for r in written_paragraphs(DATA / name) if r["sdgs"]]
           for name in ("sdg_excerpts", "sdg_understated")}
    language: list[str] = []
    for path in sorted((DATA / "sdg_language_paragraphs").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            language += [json.loads(line)["text"] for line in fh if line.strip()]
    out["sdg_language_paragraphs"] = language
    # short texts (1-6 words) about a goal, written for the twenty-eighth round
    out["sdg_short_test"] = [r["text"] for r in short_texts(DATA / "sdg_short_test")]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from demo_goals import texts  # type: ignore[import-not-found]  # one loader of them

    for kind, rows in texts().items():
        out[f"demo: {kind}"] = [text for _, text, stated in rows if stated]
    return out


VARIANTS = [("balanced", "static"), ("balanced", "bridged"), ("none", "static"),
            ("none", "bridged")]  # in the order ties go


def select(data: Path) -> dict[str, Any]:
    """The twenty-sixth round's cross-validation of the gate's variants."""
    import numpy as np

    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.fitting import fold_of
    from commonground.sdg.gate import cross_fitted, unrecognised, writers_held_out
    from commonground.sdg.model import SdgMapper
    from commonground.sdg.text import has_words
    from commonground.sdg.train import PARAGRAPH_LANGUAGES, load_training_set, unrelated_texts

    sys.path.insert(0, str(ROOT / "scripts"))
    from train_sdg_mapper import PARAGRAPHS, RELABELS  # type: ignore[import-not-found]

    mapper = SdgMapper.load(SHIPPED_MODEL)
    ts = load_training_set(data, PARAGRAPHS, PARAGRAPH_LANGUAGES, RELABELS)
    fold = fold_of(len(ts.texts), mapper.folds, mapper.seed,
                   np.asarray(ts.fold_groups(), dtype=str))
    rows = [r for r in unrelated_texts(DATA / "sdg_non_sdg") if has_words(r["text"])]
    writer = np.array([r["writer"] for r in rows])
    out: dict[str, Any] = {"in_domain": len(ts.texts), "unrelated": len(rows), "variants": {}}
    print(f"{'weights':<9} {'vectors':<8} {'in-domain turned away':>22} "
          f"{'unrelated turned away':>22}")
    # the features depend on the vectors only: computed once for both class weightings
    features = {v: (mapper.gate_inputs(ts.texts, bridged=v == "bridged"),
                    mapper.gate_inputs([r["text"] for r in rows], bridged=v == "bridged"))
                for v in ("static", "bridged")}
    for weights, vectors in VARIANTS:
        balanced = weights == "balanced"
        x_in, x_out = features[vectors]
        away_in = int(unrecognised(cross_fitted(x_in, fold, x_out, balanced)).sum())
        away_out = int(unrecognised(writers_held_out(x_in, x_out, writer, balanced)).sum())
        v = out["variants"][f"{weights}, {vectors}"] = {
            "in_domain_turned_away": away_in, "unrelated_turned_away": away_out,
            "unrelated_share": round(away_out / len(rows), 4)}
        print(f"{weights:<9} {vectors:<8} {away_in:>22} {away_out:>15} "
              f"({v['unrelated_share']:.1%})")
    eligible = [k for k, v in out["variants"].items() if v["unrelated_share"] >= 0.9]
    out["chosen"] = min(eligible, key=lambda k: out["variants"][k]["in_domain_turned_away"],
                        default=None)  # min keeps the first of equals: the order of VARIANTS
    print(f"chosen: {out['chosen'] or 'none reaches 90 % of the unrelated texts'}")
    return out


def turned_away(mapping: Any) -> bool:
    return any(note.startswith("no SDG content recognised") for note in mapping.notes)


def main(argv: list[str] | None = None) -> None:
    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.model import MODES, SdgMapper

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    ap.add_argument("--against", type=Path, default=SHIPPED_MODEL)
    ap.add_argument("--select", action="store_true",
                    help="cross-validate the gate's variants on its training data instead")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sdg")
    ap.add_argument("--out", type=Path, default=None,
                    help="the JSON to write (default: benchmarks/results/content_gate.json, "
                         "content_gate_select.json with --select)")
    args = ap.parse_args(argv)
    if args.select:
        chosen = select(args.data)
        chosen["run"] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                         "python": platform.python_version()}
        path = args.out or RESULTS.with_name("content_gate_select.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(chosen, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")
        return
    unrelated = unrelated_test()
    out: dict[str, Any] = {"unrelated": {"texts": len(unrelated)}, "in_domain": {}}
    print(f"unrelated held-out texts: {len(unrelated)}")
    print(f"{'mode':<9} {'no goal, against':>17} {'no goal, model':>15} {'turned away':>12}")
    for mode in MODES:
        row: dict[str, Any] = {}
        for name, folder in (("against", args.against), ("model", args.model)):
            answers = SdgMapper.load(folder, mode).map_many(unrelated, evidence=False)
            row[f"no_goal_{name}"] = sum(not a.predicted_goals() for a in answers)
            if name == "model":
                row["turned_away"] = sum(turned_away(a) for a in answers)
        out["unrelated"][mode] = row
        print(f"{mode:<9} {row['no_goal_against']:>17} {row['no_goal_model']:>15} "
              f"{row['turned_away']:>12}")
    models = {(name, mode): SdgMapper.load(folder, mode) for mode in MODES
              for name, folder in (("against", args.against), ("model", args.model))}
    print(f"\n{'in-domain set (labelled with a goal)':<40} {'texts':>6} {'turned away':>12}"
          "   no goal, against -> model (accurate; fast)")
    for name, texts in in_domain_sets().items():
        found_by = {key: m.map_many(texts, evidence=False) for key, m in models.items()}
        away = sum(turned_away(a) for a in found_by[("model", "fast")])
        row = out["in_domain"][name] = {
            "texts": len(texts), "turned_away": away,
            "percent": round(100 * away / max(1, len(texts)), 2),
            # the thirty-first round's test 3: in-domain texts answered with no goal
            **{f"no_goal_{who}_{mode}": sum(not a.predicted_goals() for a in found)
               for (who, mode), found in found_by.items()}}
        print(f"{name:<40} {len(texts):>6} {away:>12}   " + "; ".join(
            f"{row[f'no_goal_against_{m}']} -> {row[f'no_goal_model_{m}']}" for m in MODES))
    out["run"] = {"model": str(args.model), "against": str(args.against),
                  "date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "python": platform.python_version()}
    path = args.out or RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
