"""The selection test of rounds 15-21 for the training configuration in this checkout.

    .venv/bin/python benchmarks/held_out_labellers.py [--seed 0] [--no-tuned] [--precision int8]

Fits ``scripts/train_sdg_mapper.build`` with its defaults (``../shared/data/sdg`` needed)
on one fold seed and scores, per mode, its out-of-fold probabilities (each text scored by a
model that never saw its labeller's or writer's work):

1. *labellers held out*: for each labeller of the relabelled abstracts
   (``data/sdg_abstract_labels``, part ``paragraph``), thresholds and ``top_k`` are chosen
   on the other labellers' abstracts and scored on this labeller's: per goal, its positives
   against as many of its other abstracts, those closest to the goal's target texts first;
   class-balanced accuracy, mean over the goals with a positive;
2. *ORO's expert labels*: the same shape on the ORO abstracts (human multi-labels the
   labellers did not produce), with the fit's own thresholds.

docs/benchmarks.md gives each round's figures; a candidate is adopted when its mean paired
gain over the labellers exceeds twice its standard error and its ORO figure does not fall
(``--rule gain``), or, for a change made for speed (the twenty-second round, ``--rule
no-loss``), when the mean paired difference is not negative and ORO does not fall.
``--against FILE`` (an earlier run's JSON, the shipped configuration) prints the paired
comparison and the verdict per mode.
``--precision int8`` fits the accurate mode on the out-of-fold scores of the int8 encoder
(``finetune_minilm.py train --int8``), the candidate of the twenty-second round;
``--augment-int8`` trains the fp32 fit's stacker on both precisions' scores, the candidate
of the twenty-third; ``--stack-extra`` trains both stackers on the unrelated and short
texts too, the candidate of the thirty-first; ``--thresholds-with-oro`` judges thresholds
chosen on the labellers' and ORO's abstracts pooled, with ORO held out by fold (the
thirty-third round's candidate and its own tests); ``--relabels DIR`` fits the shipped
configuration and one with the abstracts' labels of DIR (the fine-tuned encoder as trained
on the shipped labels) and judges the second by the thirty-fifth round's tests (ORO's
expert labels per goal, the new labels held out by labeller); ``--oro-weight W`` likewise
fits the shipped configuration and one whose stackers weigh ORO's abstracts W, judged by the
thirty-sixth round's tests. Prints a table; writes
``benchmarks/results/held_out_labellers.json`` (``-int8.json`` for int8,
``-augment-int8.json`` with ``--augment-int8``, and likewise for the other candidates).
About 7 minutes, more when the frozen MiniLM vectors are not cached.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from commonground.settings import SDG_PRECISIONS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "held_out_labellers.json"


Sets = list[tuple[np.ndarray, np.ndarray]]


def standard_error(d: np.ndarray) -> float:
    """The standard error of the mean of paired differences (or of per-labeller figures)."""
    return float(d.std(ddof=1) / np.sqrt(len(d)))


def balanced(pred: np.ndarray, sets: Sets) -> float:
    """Class-balanced accuracy in percent, mean over the goals with positives and negatives."""
    from commonground.sdg.fitting import balanced_accuracy

    return float(np.mean([a for a in balanced_accuracy(pred, sets) if a is not None]))


def score(p: np.ndarray, labels: np.ndarray, labeller: list[str], rule_rows: np.ndarray,
          topical: np.ndarray, thresholds: np.ndarray, top_k: int, oro: np.ndarray,
          away: np.ndarray | None = None) -> dict[str, Any]:
    """Both tests on one mode's out-of-fold probabilities ``p`` (n, 17); ``labels`` holds
    the relabels on ``rule_rows`` and ORO's expert labels on the ``oro`` rows. ``away``
    marks rows a content gate turns away: thresholds are chosen as without it (the gate is
    added to a fitted model), and those rows get no goal."""
    from commonground.sdg.fitting import hard_negative_sets
    from commonground.sdg.model import decide

    who = np.asarray(labeller)
    per_labeller = {}
    for name in sorted(set(who[rule_rows])):
        mine = rule_rows & (who == name)
        thr, k = rule_on(p, labels, rule_rows & ~mine, topical)
        per_labeller[name] = round(balanced(gated(decide(p, thr, k), away),
                                            hard_negative_sets(labels, mine, topical)), 2)
    values = np.array(list(per_labeller.values()))
    return {
        "labellers_held_out": round(float(values.mean()), 2),
        "labellers_se": round(standard_error(values), 2),
        "per_labeller": per_labeller,
        "oro": round(balanced(gated(decide(p, thresholds, top_k), away),
                              hard_negative_sets(labels, oro, topical)), 2),
    }


def gated(pred: np.ndarray, away: np.ndarray | None) -> np.ndarray:
    """Decisions with no goal on the rows a content gate turns away."""
    if away is None:
        return pred
    out = pred.copy()
    out[away] = False
    return out


def rule_on(p: np.ndarray, labels: np.ndarray, rows: np.ndarray, topical: np.ndarray,
            ) -> tuple[np.ndarray, int]:
    """Thresholds and ``top_k`` chosen as the fit chooses them, on ``rows``' goal sets."""
    from commonground.sdg.fitting import choose_rule, hard_negative_sets

    thr, k, _ = choose_rule(p, hard_negative_sets(labels, rows, topical), None)
    return thr, int(k)


def oro_by_fold(p: np.ndarray, labels: np.ndarray, rule_rows: np.ndarray, topical: np.ndarray,
                oro: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Decisions for the ``oro`` rows (others: none), each fold's by the rule chosen on the
    ``rule_rows`` and the other folds' ORO rows: no ORO row is decided by a rule chosen on
    its own label."""
    from commonground.sdg.model import decide

    out = np.zeros(p.shape, dtype=bool)
    for k in sorted(set(fold[oro].tolist())):
        mine = oro & (fold == k)
        thr, kk = rule_on(p, labels, rule_rows | (oro & ~mine), topical)
        out[mine] = decide(p[mine], thr, kk)
    return out


def with_oro(p: np.ndarray, labels: np.ndarray, labeller: list[str], rule_rows: np.ndarray,
             topical: np.ndarray, thresholds: np.ndarray, top_k: int, oro: np.ndarray,
             fold: np.ndarray) -> dict[str, Any]:
    """The thirty-third round on one mode's out-of-fold probabilities: thresholds and
    ``top_k`` chosen on the labellers' abstracts and ORO's, pooled (the candidate), against
    those the fit chose on the labellers' alone (``thresholds``, ``top_k``). No row is
    decided by a rule chosen on it: ORO's abstracts are decided fold by fold (``fold``) by
    a candidate chosen without that fold's; each labeller's by one chosen without theirs."""
    from commonground.sdg.fitting import balanced_accuracy, hard_negative_sets
    from commonground.sdg.model import decide

    def chosen(rows: np.ndarray) -> tuple[np.ndarray, int]:
        return rule_on(p, labels, rows, topical)

    shipped = decide(p, thresholds, top_k)
    candidate = oro_by_fold(p, labels, rule_rows, topical, oro, fold)
    oro_sets = hard_negative_sets(labels, oro, topical)
    per_goal = [(a, b) for a, b in zip(balanced_accuracy(shipped, oro_sets),
                                       balanced_accuracy(candidate, oro_sets), strict=True)
                if a is not None and b is not None]
    d_oro = np.array([b - a for a, b in per_goal])
    who = np.asarray(labeller)
    names = sorted(set(who[rule_rows]))
    per_labeller = {}
    for name in names:
        mine = rule_rows & (who == name)
        sets = hard_negative_sets(labels, mine, topical)
        old, old_k = chosen(rule_rows & ~mine)
        thr, kk = chosen((rule_rows & ~mine) | oro)
        per_labeller[name] = (round(balanced(decide(p, old, old_k), sets), 2),
                              round(balanced(decide(p, thr, kk), sets), 2))
    d_lab = np.array([b - a for a, b in per_labeller.values()])
    final_thr, final_k = chosen(rule_rows | oro)
    final = decide(p, final_thr, final_k)
    se = standard_error
    test1 = bool(d_oro.mean() > 2 * se(d_oro))
    test2 = bool(d_lab.mean() >= -2 * se(d_lab))
    return {
        "oro_held_out_by_fold": {"shipped": round(float(np.mean([a for a, _ in per_goal])), 2),
                                 "candidate": round(float(np.mean([b for _, b in per_goal])), 2),
                                 "gain": round(float(d_oro.mean()), 2),
                                 "se": round(se(d_oro), 2), "goals": len(d_oro),
                                 "pass": test1},
        "labellers_held_out": {"shipped": round(float(np.mean([a for a, _ in
                                                               per_labeller.values()])), 2),
                               "candidate": round(float(np.mean([b for _, b in
                                                                 per_labeller.values()])), 2),
                               "difference": round(float(d_lab.mean()), 2),
                               "se": round(se(d_lab), 2), "pass": test2,
                               "per_labeller": per_labeller},
        "adopt": test1 and test2,
        "thresholds": {"shipped": [round(float(t), 3) for t in thresholds],
                       "candidate": [round(float(t), 3) for t in final_thr]},
        "top_k": {"shipped": top_k, "candidate": final_k},
        "goals_per_text": {f"{name}_{which}": round(float(pred[rows].sum(1).mean()), 3)
                           for name, rows in (("oro", oro), ("labellers", rule_rows))
                           for which, pred in (("shipped", shipped), ("candidate", final))},
    }


def compare_fits(p: dict[str, np.ndarray], rules: dict[str, tuple[np.ndarray, int]],
                 labels: dict[str, np.ndarray], labeller: list[str], rule_rows: np.ndarray,
                 topical: np.ndarray, oro: np.ndarray) -> dict[str, Any]:
    """Two fits of one mode, paired (rounds 35 and 36): ``p`` and ``rules`` (thresholds,
    ``top_k``) of the ``shipped`` and ``candidate`` fits; ``labels`` the ``new``
    (candidate's) and ``old`` (shipped) label sets of the same rows, equal on ORO's. ``oro``:
    ORO's expert labels per goal, each fit with its own rule. ``labellers_new`` and
    ``labellers_old``: labellers held out on each label set, both fits' rules chosen on the
    other shards' labels. Each summary says whether the mean paired gain exceeds twice its
    standard error (``pass``) and whether it is not below minus twice it
    (``no_clear_loss``)."""
    from commonground.sdg.fitting import balanced_accuracy, hard_negative_sets
    from commonground.sdg.model import decide

    if not np.array_equal(labels["new"][oro], labels["old"][oro]):
        raise SystemExit("the two label sets differ on ORO's abstracts; test 1 needs the "
                         "experts' labels in both")
    fits = ("shipped", "candidate")
    se = standard_error

    def paired_summary(a: dict[str, float], b: dict[str, float]) -> dict[str, Any]:
        d = np.array([b[k] - a[k] for k in a])
        return {"shipped": round(float(np.mean(list(a.values()))), 2),
                "candidate": round(float(np.mean(list(b.values()))), 2),
                "gain": round(float(d.mean()), 2), "se": round(se(d), 2),
                "pass": bool(d.mean() > 2 * se(d)),
                "no_clear_loss": bool(d.mean() >= -2 * se(d)),
                "per_item": {k: (round(a[k], 2), round(b[k], 2)) for k in a}}

    oro_sets = hard_negative_sets(labels["old"], oro, topical)
    per_goal = {}
    for f in fits:
        acc = balanced_accuracy(decide(p[f], *rules[f]), oro_sets)
        per_goal[f] = {str(g): a for g, a in enumerate(acc, start=1) if a is not None}
    out: dict[str, Any] = {"oro": paired_summary(per_goal["shipped"], per_goal["candidate"])}
    who = np.asarray(labeller)
    for standard in ("new", "old"):
        y = labels[standard]
        held: dict[str, dict[str, float]] = {f: {} for f in fits}
        for name in sorted(set(who[rule_rows])):
            mine = rule_rows & (who == name)
            sets = hard_negative_sets(y, mine, topical)
            for f in fits:
                thr, k = rule_on(p[f], y, rule_rows & ~mine, topical)
                held[f][name] = balanced(decide(p[f], thr, k), sets)
        out[f"labellers_{standard}"] = paired_summary(held["shipped"], held["candidate"])
    out["goals_per_text"] = {
        f"{f}_{part}": round(float(decide(p[f], *rules[f])[rows].sum(1).mean()), 3)
        for f in fits for part, rows in (("oro", oro), ("abstracts", rule_rows))}
    out["labels_per_abstract"] = {s: round(float(labels[s][rule_rows].sum(1).mean()), 3)
                                  for s in ("new", "old")}
    out["thresholds"] = {f: [round(float(t), 3) for t in rules[f][0]] for f in fits}
    out["top_k"] = {f: rules[f][1] for f in fits}
    return out


def second_test(key: str, r: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The round's second test on one mode's ``compare_fits`` result, and whether it holds:
    thirty-fifth (``relabels``): the new labels held out gain more than twice their SE;
    thirty-sixth (``oro_weight``): no clear loss on the labellers held out."""
    if key == "relabels":
        return r["labellers_new"], bool(r["labellers_new"]["pass"])
    return r["labellers_old"], bool(r["labellers_old"]["no_clear_loss"])


def verdict(key: str, r: dict[str, Any]) -> bool:
    """Rounds 35 and 36: ORO's per-goal gain above twice its SE, and the round's second
    test (``second_test``)."""
    return bool(r["oro"]["pass"]) and second_test(key, r)[1]


def print_paired(mode: str, key: str, r: dict[str, Any]) -> None:
    """Print one mode's ``compare_fits`` result with its verdict (``r["adopt"]``)."""
    o, old = r["oro"], r["labellers_old"]
    second, passed = second_test(key, r)
    name = "new labels held out" if key == "relabels" else "labellers held out, no clear loss"
    print(f"{mode:<9} {key}: 1. ORO {o['shipped']:.2f} -> {o['candidate']:.2f}, per-goal "
          f"gain {o['gain']:+.2f} (SE {o['se']:.2f}): {'pass' if o['pass'] else 'fail'}; "
          f"2. {name} {second['shipped']:.2f} -> {second['candidate']:.2f}, "
          f"{second['gain']:+.2f} (SE {second['se']:.2f}): {'pass' if passed else 'fail'}; "
          + ("adopt" if r["adopt"] else "do not adopt"))
    if key == "relabels":
        print(f"{'':<9} reported: old labels held out {old['shipped']:.2f} -> "
              f"{old['candidate']:.2f}, {old['gain']:+.2f} (SE {old['se']:.2f})")
    print(f"{'':<9} goals per text " + ", ".join(f"{k} {v:.2f}"
                                                for k, v in r["goals_per_text"].items())
          + f"; top_k {r['top_k']['shipped']} -> {r['top_k']['candidate']}")


def gate_away(mapper: Any, ts: Any, train: Any, args: argparse.Namespace) -> np.ndarray:
    """The content gate of rounds 25-30 on the fit's rows, with ``args``'s options
    (``train_sdg_mapper.add_gate_arguments``): each row's gate cross-fitted on the fit's
    folds (trained on the other folds' rows, the extra in-domain rows and every unrelated
    text), below the threshold, and applied as the mapper applies it."""
    from commonground.sdg.fitting import fold_of
    from commonground.sdg.gate import (
        cross_fitted,
        kept_anyway,
        training_rows,
        unjudged,
        unrecognised,
    )
    from commonground.sdg.train import unrelated_texts

    options = train.gate_options(args)
    bridged = options["bridged"]
    if bridged and mapper.word_bridge_ is None:
        raise SystemExit("a word-bridged gate needs the fast mode's word bridge, which this fit "
                         "does not have yet; give the fit the shipped model's")
    groups = np.asarray(ts.fold_groups(), dtype=str)
    fold = fold_of(len(ts.texts), mapper.folds, mapper.seed, groups)
    # the rows SdgMapper.fit_gate learns from: the fit's, then the extra in-domain ones
    extra = train.gate_extra_rows(mapper, args)
    mask, out, _ = training_rows([*ts.texts, *extra],
                                 [r["text"] for r in unrelated_texts(train.UNRELATED)],
                                 english_only=options["english_only"])
    n = len(ts.texts)
    inside = mask[:n]
    extra = [t for t, k in zip(extra, mask[n:], strict=True) if k]
    x_out = mapper.gate_inputs(out, bridged=bridged)
    x_in = mapper.gate_inputs([t for t, k in zip(ts.texts, inside, strict=True) if k],
                              bridged=bridged)
    away = np.zeros(n, dtype=bool)  # a row the gate does not judge is kept
    x_extra = mapper.gate_inputs(extra, bridged=bridged) if extra else None
    away[inside] = unrecognised(cross_fitted(x_in, fold[inside], x_out, options["balanced"],
                                             x_extra))
    # as the mapper applies such a gate
    return away & ~kept_anyway(ts.texts, mapper.keywords.features(ts.texts),
                               english_only=False, keyword_keeps=options["keyword_keeps"]
                               ) & ~unjudged(ts.texts, options["min_words"])


def blend(mapper: Any, labels: np.ndarray, rule_rows: np.ndarray, scored: np.ndarray,
          ) -> tuple[np.ndarray, np.ndarray, int]:
    """The twenty-fourth round's candidate from a fit's out-of-fold probabilities: the
    mean of the two modes', and the thresholds and ``top_k`` the fit would choose on it
    (``fit_mode``: the rule rows' hard-negative sets, class-balanced)."""
    from commonground.sdg.fitting import choose_rule, hard_negative_sets

    sets = hard_negative_sets(labels, rule_rows, mapper.topical_)
    # the same choice on the accurate mode's own probabilities must give the fit's rule
    own, own_k, _ = choose_rule(mapper.oof_["accurate"], sets, mapper.top_k)
    head = mapper.heads_["accurate"]
    if not (np.array_equal(own, head.thresholds) and own_k == int(head.top_k)):
        raise SystemExit("choosing thresholds here does not reproduce the fit's own choice; "
                         "the blend would be judged on another rule than the fit uses")
    p = (mapper.oof_["accurate"] + mapper.oof_["fast"]) / 2
    if np.isnan(p[scored]).any():
        raise SystemExit("a scored row has no out-of-fold probability in one of the modes; "
                         "the blend needs both modes to learn from every scored row")
    thresholds, top_k, _ = choose_rule(p, sets, mapper.top_k)
    return p, thresholds, int(top_k)


RULES = ("gain", "no-loss")


def paired(new: dict[str, Any], old: dict[str, Any], rule: str) -> dict[str, Any]:
    """One mode's candidate (``new``) against the configuration in force (``old``), labeller
    by labeller: mean difference, its standard error, ORO's difference, and the verdict."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; use one of {RULES}")
    names = sorted(old["per_labeller"])
    if sorted(new["per_labeller"]) != names:
        raise ValueError("the two runs scored different labellers: "
                         f"{sorted(new['per_labeller'])} against {names}")
    d = np.array([new["per_labeller"][k] - old["per_labeller"][k] for k in names])
    mean, se = float(d.mean()), standard_error(d)
    oro = float(new["oro"]) - float(old["oro"])
    first = mean > 2 * se if rule == "gain" else mean >= 0
    # A mode the candidate does not touch scores the same to the last bit; "adopt" would
    # read as a decision where there is nothing to decide.
    same = not d.any() and oro == 0
    return {"mean": round(mean, 2), "se": round(se, 2), "oro": round(oro, 2), "rule": rule,
            "adopt": bool(first and oro >= 0), "unchanged": bool(same)}


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from written_paragraphs import (  # type: ignore[import-not-found]  # one loader of it
        _train_script,
    )

    train = _train_script()
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sdg")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/sdg-cache"))
    ap.add_argument("--seed", type=int, default=0, help="fold seed (the rounds used 0)")
    ap.add_argument("--tuned", type=Path, metavar="DIR",
                    help="the fine-tuned MiniLM, cross-fitted on --seed "
                         "(scripts/finetune_minilm.py; default: <cache>/minilm-tuned)")
    ap.add_argument("--no-tuned", action="store_true",
                    help="the accurate mode on the wheel's frozen MiniLM (before round 21)")
    ap.add_argument("--precision", choices=SDG_PRECISIONS, default="fp32",
                    help="the accurate mode's MiniLM precision (int8 needs a tuned folder "
                         "from `finetune_minilm.py train --int8`)")
    ap.add_argument("--augment-int8", action="store_true",
                    help="train the accurate stacker on every row's out-of-fold scores at "
                         "fp32 and at int8 (the twenty-third round's candidate; needs a tuned "
                         "folder from `finetune_minilm.py train --int8`)")
    ap.add_argument("--blend-fast", action="store_true",
                    help="score the accurate mode as the mean of its and the fast mode's "
                         "probabilities, thresholds chosen on that mean (the twenty-fourth "
                         "round's candidate)")
    ap.add_argument("--gate", action="store_true",
                    help="apply a content gate cross-fitted on the fit's folds, with "
                         "data/sdg_non_sdg as unrelated text (the twenty-fifth round's "
                         "candidate)")
    ap.add_argument("--thresholds-with-oro", action="store_true",
                    help="judge thresholds and top_k chosen on the labellers' abstracts and "
                         "ORO's expert-labelled ones pooled, against the fit's (the "
                         "thirty-third round: ORO held out by fold, labellers held out)")
    ap.add_argument("--oro-weight", type=float, metavar="W",
                    help="judge stackers in which the ORO abstracts' pairs weigh W against the "
                         "shipped configuration: fits both (the thirty-sixth round's candidate "
                         "and its own tests)")
    ap.add_argument("--relabels", type=Path, metavar="DIR",
                    help="judge the abstracts' labels in DIR (labels.csv, the format of "
                         "data/sdg_abstract_labels) against the shipped ones: fits both, the "
                         "fine-tuned encoder staying as trained on the shipped labels (the "
                         "thirty-fifth round's candidate and its own tests)")
    train.add_gate_arguments(ap)
    train.add_stack_extra_arguments(ap)
    ap.add_argument("--against", type=Path, metavar="FILE",
                    help="an earlier run's JSON (the configuration in force): print the "
                         "paired comparison and the verdict")
    ap.add_argument("--rule", choices=RULES, default="gain",
                    help="gain: mean paired gain > 2 SE (components); no-loss: mean paired "
                         "difference >= 0 (a change made for speed); both need ORO not lower")
    args = ap.parse_args(argv)
    against = None
    if args.against is not None:
        try:
            against = json.loads(args.against.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SystemExit(f"--against {args.against}: cannot read it ({exc}); give the "
                             "JSON an earlier run of this script wrote") from exc
    if args.precision == "int8" and args.no_tuned:
        raise SystemExit("--precision int8 judges the fine-tuned encoder's int8 scores; "
                         "drop --no-tuned")
    if args.augment_int8 and (args.no_tuned or args.precision == "int8"):
        raise SystemExit("--augment-int8 adds the int8 scores to an fp32 fit of the "
                         "fine-tuned encoder; drop --no-tuned and --precision int8")
    if args.stack_extra and args.augment_int8:
        raise SystemExit("--stack-extra texts are scored at one precision; drop --augment-int8")
    from commonground.sdg import SHIPPED_MODEL
    from commonground.sdg.model import MODES, SdgMapper

    paired_fit = args.relabels is not None or args.oro_weight is not None
    if args.relabels is not None and args.oro_weight is not None:
        raise SystemExit("--relabels and --oro-weight are two rounds' candidates; give one")
    if args.oro_weight is not None and not args.oro_weight > 0:
        raise SystemExit(f"--oro-weight must be a positive weight, got {args.oro_weight}")
    if paired_fit and (args.precision == "int8" or args.augment_int8 or args.blend_fast
                       or args.gate or args.stack_extra or args.thresholds_with_oro
                       or args.against or args.stack_paragraph_length
                       or args.stack_no_written):
        raise SystemExit("--relabels and --oro-weight judge a candidate against the shipped "
                         "configuration alone; drop the other candidate options and --against")
    if args.gate:
        train.gate_options(args)  # a bad flag is refused now, not after a fit of minutes
    elif args.gate_min_words:
        raise SystemExit("--gate-min-words sets the content gate's cut; give --gate with it")
    tuned = train.tuned_folder(args.cache, args.tuned, args.no_tuned)
    static = SdgMapper.load(SHIPPED_MODEL).static

    def fit(relabels: Path = train.RELABELS, oro_weight: dict[str, float] | None = None,
            ) -> tuple[Any, Any]:
        built: tuple[Any, Any] = train.build(
            args.data, args.cache, dict(train.DEFAULT_C), seed=args.seed, static=static,
            paragraphs=train.PARAGRAPHS, tuned=tuned, precision=args.precision,
            both_precisions=args.augment_int8, stack_extra=args.stack_extra,
            stack_extra_languages=train.stack_extra_languages(args),
            stack_paragraph_length=args.stack_paragraph_length,
            stack_paragraphs=train.STACK_PARAGRAPHS and not args.stack_no_written,
            relabels=relabels, tuned_relabels=train.RELABELS,
            oro_weight=oro_weight)
        return built

    mapper, ts = fit()
    rule_rows = ts.relabelled("paragraph")
    if not rule_rows.any():
        raise SystemExit("the configuration has no relabelled abstracts (--no-relabels?); "
                         "this test needs data/sdg_abstract_labels")
    oro = np.array([s == "oro_gold" for s in ts.source])
    out: dict[str, Any] = {}
    away = None
    if args.gate:
        # the word bridge is fitted after the fit (train_sdg_mapper.add_language_bridge); the
        # shipped one belongs to the same static table (build takes the shipped table)
        mapper.word_bridge_ = SdgMapper.load(SHIPPED_MODEL).word_bridge_
        away = gate_away(mapper, ts, train, args)
        out["gate"] = {"turned_away": int(away.sum()), "of": len(away),
                       "labellers_rows": int(away[rule_rows].sum()),
                       "oro_rows": int(away[oro].sum())}
        print(f"content gate: {out['gate']['turned_away']} of {len(away)} training rows "
              f"turned away out of fold ({out['gate']['labellers_rows']} of the labellers' "
              f"abstracts, {out['gate']['oro_rows']} of ORO's)")
    print(f"{'mode':<9} {'labellers held out':>19} {'SE':>5} {'ORO':>6}   per labeller")
    for mode in MODES:
        head = mapper.heads_[mode]
        p, thresholds, top_k = mapper.oof_[mode], head.thresholds, int(head.top_k)
        if mode == "accurate" and args.blend_fast:
            p, thresholds, top_k = blend(mapper, ts.labels, rule_rows, rule_rows | oro)
        out[mode] = score(p, ts.labels, ts.labeller, rule_rows,
                          mapper.topical_, thresholds, top_k, oro, away)
        r = out[mode]
        print(f"{mode:<9} {r['labellers_held_out']:>19.2f} {r['labellers_se']:>5.2f} "
              f"{r['oro']:>6.2f}   " + " ".join(f"{k} {v:.1f}"
                                                 for k, v in r["per_labeller"].items()))
    if paired_fit:
        if args.relabels is not None:
            cand, cts = fit(relabels=args.relabels)
            if (cts.texts != ts.texts or cts.labeller != ts.labeller
                    or not np.array_equal(cts.relabelled("paragraph"), rule_rows)):
                raise SystemExit(f"{args.relabels} relabels other rows, or gives them to "
                                 "other labellers, than the shipped labels; the round keeps "
                                 "the shards")
            key, what = "relabels", {"dir": str(args.relabels)}
        else:
            (cand, cts), key = fit(oro_weight={m: args.oro_weight for m in MODES}), "oro_weight"
            what = {"weight": args.oro_weight}
        out[key] = what
        for mode in MODES:
            rules = {f: (m.heads_[mode].thresholds, int(m.heads_[mode].top_k))
                     for f, m in (("shipped", mapper), ("candidate", cand))}
            r = out[key][mode] = compare_fits(
                {"shipped": mapper.oof_[mode], "candidate": cand.oof_[mode]}, rules,
                {"new": cts.labels, "old": ts.labels}, ts.labeller, rule_rows,
                mapper.topical_, oro)
            r["adopt"] = verdict(key, r)
            print_paired(mode, key, r)
    if args.thresholds_with_oro:
        from commonground.sdg.fitting import fold_of

        fold = fold_of(len(ts.texts), mapper.folds, mapper.seed,
                       np.asarray(ts.fold_groups(), dtype=str))
        out["thresholds_with_oro"] = {}
        for mode in MODES:
            head = mapper.heads_[mode]
            r = out["thresholds_with_oro"][mode] = with_oro(
                mapper.oof_[mode], ts.labels, ts.labeller, rule_rows, mapper.topical_,
                head.thresholds, int(head.top_k), oro, fold)
            shipped = {k: a for k, (a, _) in r["labellers_held_out"]["per_labeller"].items()}
            if shipped != out[mode]["per_labeller"]:
                raise SystemExit("the labellers' figures under the fit's rule differ from the "
                                 "held-out test's own; the round would judge another rule")
            o, lab = r["oro_held_out_by_fold"], r["labellers_held_out"]
            print(f"{mode:<9} thresholds with ORO: ORO held out by fold {o['shipped']:.2f} -> "
                  f"{o['candidate']:.2f}, per-goal gain {o['gain']:+.2f} (SE {o['se']:.2f}): "
                  f"{'pass' if o['pass'] else 'fail'}; labellers {lab['shipped']:.2f} -> "
                  f"{lab['candidate']:.2f}, {lab['difference']:+.2f} (SE {lab['se']:.2f}): "
                  f"{'pass' if lab['pass'] else 'fail'}; "
                  + ("adopt" if r["adopt"] else "do not adopt"))
            print(f"{'':<9} top_k {r['top_k']['shipped']} -> {r['top_k']['candidate']}; goals "
                  f"per text: " + ", ".join(f"{k} {v:.2f}"
                                            for k, v in r["goals_per_text"].items()))
            print(f"{'':<9} thresholds " + " ".join(
                f"{g}:{a:g}->{b:g}" for g, (a, b) in enumerate(zip(
                    r["thresholds"]["shipped"], r["thresholds"]["candidate"], strict=True),
                    start=1) if a != b))
    if against is not None:
        out["paired"] = {"against": str(args.against)}
        for mode in MODES:
            v = out["paired"][mode] = paired(out[mode], against[mode], args.rule)
            print(f"{mode:<9} against {args.against.name}: labellers {v['mean']:+.2f} "
                  f"(SE {v['se']:.2f}), ORO {v['oro']:+.2f}; rule {v['rule']}: "
                  + ("unchanged, nothing to decide" if v["unchanged"]
                     else "adopt" if v["adopt"] else "do not adopt"))
    out["run"] = {"seed": args.seed, "tuned": tuned is not None, "precision": args.precision,
                  "augment_int8": args.augment_int8, "blend_fast": args.blend_fast,
                  "stack_extra": args.stack_extra and (
                      args.stack_extra_languages or "all languages"),
                  "gate": args.gate and f"{args.gate_weights}, {args.gate_vectors}"
                  + (", English only" if args.gate_english else "")
                  + (", keyword phrases" if args.gate_phrases else "")
                  + (", a keyword hit keeps" if args.gate_keywords else "")
                  + (", short texts" if args.gate_short else "")
                  + (f", documents of {args.gate_min_words}+ words" if args.gate_min_words
                     else ""),
                  "thresholds_with_oro": args.thresholds_with_oro,
                  "relabels": None if args.relabels is None else str(args.relabels),
                  "oro_weight": args.oro_weight,
                  "stack_paragraph_length": args.stack_paragraph_length,
                  "stack_no_written": args.stack_no_written,
                  "date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "python": platform.python_version()}
    suffix = ("-int8" if args.precision == "int8" else "-augment-int8" if args.augment_int8
              else "-blend-fast" if args.blend_fast else "-gate" if args.gate
              else "-stack-extra" if args.stack_extra
              else "-thresholds-with-oro" if args.thresholds_with_oro
              else "-relabels" if args.relabels is not None
              else "-oro-weight" if args.oro_weight is not None
              else "".join(("-stack-paragraph-length" if args.stack_paragraph_length else "",
                            "-stack-no-written" if args.stack_no_written else "")))
    results = RESULTS.with_name(f"{RESULTS.stem}{suffix}.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {results}")


if __name__ == "__main__":
    main()
