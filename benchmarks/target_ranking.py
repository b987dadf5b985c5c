"""How well the shipped SDG mapper names the *target* a text addresses.

    .venv/bin/python benchmarks/target_ranking.py [--mode accurate fast] [--folder DIR]

The test set is ``data/sdg_target_paragraphs``: two project-written paragraphs per official
target (169 targets; one English, one Spanish, French or Portuguese), each written to
address that target, with any other target it also addresses in ``also``. No model
trains on them. Two measures per mode:

* **within the goal** (ranking alone): the paragraph's vector (the mode's own: fine-tuned
  MiniLM in the accurate mode, static word pieces in the fast mode) ranks its goal's
  targets as the mapper's answers do (``SdgMapper.rank_targets``); top-1, top-3 and mean
  reciprocal rank of the written target. This isolates the target ranking from the goal
  decision.
* **end to end**: ``map_many``'s answer. The share of paragraphs whose goal is predicted,
  whose written target is among the answer's targets, and whose first target is the
  written one (strict) or any target it addresses (``also`` counted).

``vectors`` is the mapper's ranking without the targets' character n-grams, which join it
for Spanish, French and Portuguese text (target round 5), paired against the shipped one.
``--rows titles all`` also ranks by the mode's own target index without the target map,
by the targets' titles or by titles and indicators (``TargetIndex.best_targets``), each
paired against the shipped ranking (the difference in reciprocal rank, its standard error):
the target rounds' comparisons (docs/benchmarks.md, "target ranking"). Prints a table;
writes ``benchmarks/results/target_ranking.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "sdg_target_paragraphs"
RESULTS = ROOT / "benchmarks" / "results" / "target_ranking.json"
TARGET_ID = re.compile(r"^(1[0-7]|[1-9])\.([0-9]{1,2}|[a-z])$")
#: a chunk vector, a goal and the chunk's text to the goal's targets, best first, with scores
Ranker = Callable[[np.ndarray, int, str], list[tuple[str, float]]]
REGISTERS = ("city_report", "policy_statement", "ngo_project", "devbank_summary",
             "news_article", "council_minutes", "evaluation_report", "company_report")
FIELDS = ("id", "target", "goal", "also", "lang", "register", "text")


def paired_summary(diff: np.ndarray, digits: int = 4) -> dict[str, Any]:
    """A paired difference (candidate minus shipped, per paragraph): its mean, standard
    error, and how many paragraphs gain and lose."""
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return {"mean": round(float(diff.mean()), digits), "se": round(se, digits),
            "better": int((diff > 0).sum()), "worse": int((diff < 0).sum())}


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
            if row["register"] not in REGISTERS or row["lang"] not in ("en", "es", "fr", "pt"):
                raise ValueError(f"{where}: register {row['register']!r}, language "
                                 f"{row['lang']!r}; use one of {list(REGISTERS)} and en, es, "
                                 "fr or pt (data/sdg_target_paragraphs/README.md)")
            if row["id"] in seen:
                raise ValueError(f"{where}: id {row['id']!r} is used twice; ids must be unique")
            seen.add(row["id"])
            rows.append({**row, "target": target, "also": also})
    return rows


def within_goal_ranks(rank: Ranker, vectors: np.ndarray, paragraphs: list[dict[str, Any]],
                      ) -> np.ndarray:
    """The rank (1 = first) of each paragraph's target among its goal's targets, as ``rank``
    (a vector, a goal and the text to the goal's targets, best first) orders them."""
    ranks = np.zeros(len(paragraphs), dtype=np.int64)
    for k, (v, p) in enumerate(zip(vectors, paragraphs, strict=True)):
        order = [t for t, _ in rank(v, int(p["goal"]), p["text"])]
        ranks[k] = order.index(p["target"]) + 1
    return ranks


def answer_ranking(mapper: Any, texts: list[str]) -> Ranker:
    """``mapper.rank_targets`` as its answers call it for each of ``texts``: with the text's
    character n-grams where its language guess is Spanish, French or Portuguese, or English
    in the fast mode (``lexical.ngrams_for``)."""
    from commonground.sdg.lexical import ngrams_for
    from commonground.sdg.text import guess_language

    words = {t: ngrams_for(t, guess_language(t), mapper.mode) for t in texts}

    def rank(v: np.ndarray, goal: int, text: str) -> list[tuple[str, float]]:
        ranking: list[tuple[str, float]] = mapper.rank_targets(v, goal, None, words.get(text))
        return ranking

    return rank


def _index_ranking(index: Any, rows: str, v: np.ndarray, goal: int, text: str,
                   ) -> list[tuple[str, float]]:
    ranking: list[tuple[str, float]] = index.best_targets(v, goal, rows=rows)
    return ranking


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
    """One mode's figures: end to end, the mapper's own ranking within the goal, and each of
    ``rows`` ('titles', 'all': ``TargetIndex.best_targets`` on the mode's own vectors, no
    target map) paired against it."""
    from commonground.sdg import load_mapper
    from commonground.sdg.text import guess_language

    mapper = load_mapper(mode=mode)
    texts = [p["text"] for p in paragraphs]
    assert mapper.static is not None
    # as the answers compute them (in the accurate mode, Spanish, French and Portuguese
    # vectors blended by the language bridge)
    vectors = mapper.vectors(texts)
    index = mapper.target_index()
    out: dict[str, Any] = {"end_to_end": end_to_end(mapper.map_many(texts, evidence=False),
                                                    paragraphs)}
    guesses = [guess_language(t) for t in texts]
    shipped = answer_ranking(mapper, texts)

    def vectors_alone(v: np.ndarray, goal: int, text: str) -> list[tuple[str, float]]:
        return mapper.rank_targets(v, goal)

    # 'vectors': the mapper's ranking without the targets' n-grams (before target round 5)
    rankers: dict[str, Ranker] = {"shipped": shipped, "vectors": vectors_alone}
    for r in rows:
        rankers[r] = functools.partial(_index_ranking, index, r)
    ranks = {name: within_goal_ranks(rank, vectors, paragraphs) for name, rank in rankers.items()}
    langs = sorted({p["lang"] for p in paragraphs})
    out["language_guess"] = {lang: round(float(np.mean([
        g == lang for g, p in zip(guesses, paragraphs, strict=True) if p["lang"] == lang]))
        * 100, 2) for lang in langs}
    for name, rk in ranks.items():
        out[f"within_goal_{name}"] = {"all": summary(rk), **{
            lang: summary(rk[[p["lang"] == lang for p in paragraphs]]) for lang in langs}}
        if name != "shipped":
            diff = 1 / rk - 1 / ranks["shipped"]
            out[f"paired_rr_{name}_minus_shipped"] = paired_summary(diff)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", nargs="+", choices=("accurate", "fast"),
                    default=["accurate", "fast"])
    ap.add_argument("--folder", type=Path, default=FOLDER)
    ap.add_argument("--rows", nargs="*", choices=("titles", "all"), default=[],
                    help="also rank by these rows of the mode's own target index (no target "
                         "map), paired against the shipped ranking")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    paragraphs = load_paragraphs(args.folder)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.processor()},
        "paragraphs": len(paragraphs),
        "targets": len({p["target"] for p in paragraphs}), "modes": {}}
    for mode in args.mode:
        res = result["modes"][mode] = run(mode, paragraphs, args.rows)
        print(f"{mode}: end to end {res['end_to_end']}")
        print(f"  language guessed right, % by language: {res['language_guess']}")
        for name in ("shipped", "vectors", *args.rows):
            print(f"  within the goal, {name}: " + "; ".join(
                f"{k} {v['top1']}/{v['top3']}/{v['mrr']}"
                for k, v in res[f"within_goal_{name}"].items()) + "  (top-1 %/top-3 %/MRR)")
            if name != "shipped":
                print(f"  {name} - shipped, reciprocal rank: "
                      f"{res[f'paired_rr_{name}_minus_shipped']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
