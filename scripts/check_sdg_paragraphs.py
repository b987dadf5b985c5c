"""Check the project-written SDG paragraphs (data/sdg_paragraphs) before training on them.

    .venv/bin/python scripts/check_sdg_paragraphs.py [--folder data/sdg_paragraphs] [--drop]

Validates every file (the same rules training applies), prints counts per register, kind,
goal and language, and compares every paragraph with the 1,251 benchmark texts, for
deduplication only: exact and normalised text, containment either way, and MiniLM cosine.
A paragraph at cosine >= ``--max-cosine`` (default 0.9) or matching by text is reported
and, with ``--drop``, removed from its file, so the test set never leaks into training.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from commonground.sdg.benchmark import load_benchmark
from commonground.sdg.train import written_paragraphs

ROOT = Path(__file__).resolve().parents[1]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--folder", type=Path, default=ROOT / "data" / "sdg_paragraphs")
    ap.add_argument("--max-cosine", type=float, default=0.9)
    ap.add_argument("--drop", action="store_true",
                    help="remove paragraphs that match a benchmark text from their files")
    args = ap.parse_args(argv)

    rows = written_paragraphs(args.folder)
    print(f"{len(rows)} paragraphs in {args.folder}")
    for name, key in (("register", "register"), ("kind", "kind"), ("lang", "lang")):
        print(f"  by {name}: " + ", ".join(f"{k} {n}" for k, n in
                                           sorted(Counter(r[key] for r in rows).items())))
    per_goal = Counter(g for r in rows for g in r["sdgs"])
    print("  positives per goal: " + ", ".join(f"{g}:{per_goal[g]}" for g in range(1, 18)))
    words = np.array([len(r["text"].split()) for r in rows])
    print(f"  words: median {np.median(words):.0f}, min {words.min()}, max {words.max()}")
    multi = sum(len(r["sdgs"]) > 1 for r in rows)
    print(f"  with two or more goals: {multi}; with none: {sum(not r['sdgs'] for r in rows)}")

    bench = [b.text for b in load_benchmark()]
    bench_norm = [_norm(t) for t in bench]
    flagged: dict[str, str] = {}
    for r in rows:
        n = _norm(r["text"])
        for b in bench_norm:
            if n == b or (len(n) > 80 and n in b) or (len(b) > 80 and b in n):
                flagged[r["id"]] = "text match"
                break
    from commonground.sdg.embed import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    sims = embedder.encode([r["text"] for r in rows]) @ embedder.encode(bench).T
    best = sims.max(axis=1)
    for r, s in zip(rows, best, strict=True):
        if s >= args.max_cosine:
            flagged.setdefault(r["id"], f"cosine {s:.3f}")
    print(f"  nearest benchmark text, MiniLM cosine: median {np.median(best):.3f}, "
          f"max {best.max():.3f}; >= 0.8: {(best >= 0.8).sum()}, "
          f">= {args.max_cosine}: {(best >= args.max_cosine).sum()}")
    print(f"  flagged as overlapping the benchmark: {len(flagged)}")
    for pid, why in sorted(flagged.items()):
        print(f"    {pid}: {why}")
    if flagged and args.drop:
        for path in sorted(args.folder.glob("*.jsonl")):
            lines = path.read_text(encoding="utf-8").splitlines()
            kept = [ln for ln in lines if ln.strip() and json.loads(ln)["id"] not in flagged]
            if len(kept) != len(lines):
                tmp = path.with_suffix(".tmp")
                tmp.write_text("".join(ln + "\n" for ln in kept), encoding="utf-8")
                tmp.replace(path)  # atomic: a crash leaves the old file whole
        print(f"  dropped {len(flagged)} paragraphs")
    return 1 if flagged and not args.drop else 0


if __name__ == "__main__":
    sys.exit(main())
