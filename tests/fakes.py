"""A tiny deterministic stand-in for the SDG mapper, picklable so Dask workers can load it."""

from __future__ import annotations

import csv
import json
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import cloudpickle

from commonground.sdg.mapping import GoalScore, SdgMapping, TargetScore
from commonground.sdg.text import check_text, guess_language

# Dask worker processes cannot import the test folder: send these classes to them by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

KEYWORDS = {1: "poverty", 2: "food", 3: "health", 4: "school", 5: "women", 6: "water",
            7: "energy", 8: "jobs", 9: "industry", 10: "inequality", 11: "city",
            12: "waste", 13: "climate", 14: "ocean", 15: "forest", 16: "justice",
            17: "partnership"}


class FakeMapper:
    """Goal g is predicted when its keyword occurs; probabilities depend only on the text."""

    #: notes every answer carries (a test sets them to see how the shells show them)
    NOTES: ClassVar[list[str]] = []

    def __init__(self, mode: str = "fast") -> None:
        self.mode = mode
        self.pid = os.getpid()
        self.calls = 0
        self.evidence_asked: list[bool] = []

    def map(self, text: str) -> SdgMapping:
        check_text(text)  # the real mapper's validation: blank, non-string, wordless
        low = text.lower()
        goals = []
        targets = []
        for g, word in KEYWORDS.items():
            jitter = (zlib.crc32(f"{g}:{low}".encode()) % 1000) / 10_000  # 0 … 0.0999
            hit = word in low
            p = (0.8 if hit else 0.05) + jitter
            goals.append(GoalScore(goal=g, probability=p, predicted=hit,
                                   evidence=[word] if hit else []))
            if hit:
                targets.append(TargetScore(target=f"{g}.1", score=round(p - 0.1, 4)))
                targets.append(TargetScore(target=f"{g}.2", score=round(p - 0.4, 4)))
        return SdgMapping(goals=goals, targets=targets, mode=self.mode,
                          language=guess_language(text), notes=list(self.NOTES))

    def map_many(self, texts: list[str], batch_size: int = 64, *,
                 evidence: bool = True) -> list[SdgMapping]:
        self.calls += 1
        self.evidence_asked.append(evidence)
        out = [self.map(t) for t in texts]
        if not evidence:
            for m in out:
                for g in m.goals:
                    g.evidence = []
        return out


@dataclass(frozen=True)
class FakeSource:
    """A MapperSource for the fake; ``fail`` makes loading raise like a broken model."""

    fail: bool = False
    mode: str = "fast"

    @property
    def key(self) -> str:
        return f"fake:{self.mode}"  # a broken copy of the same model has the same key

    def load(self) -> FakeMapper:
        if self.fail:
            from commonground.errors import ModelError

            raise ModelError("fake model folder is corrupt; fix it")
        return FakeMapper(self.mode)


def fake_load_mapper(settings: object = None, mode: str | None = None,
                     precision: str | None = None) -> FakeMapper:
    """Stands in for ``commonground.sdg.load_mapper`` in this process."""
    return FakeMapper(mode or "accurate")


TOPICS = ["clean water for every city district", "school meals and food for children",
          "forest restoration and climate action", "jobs in the waste recycling industry",
          "women lead the partnership on ocean health", "", "justice and inequality",
          "energy poverty in informal settlements"]


def corpus_rows(n: int) -> list[dict[str, str]]:
    return [{"doc": f"doc-{i:04d}", "body": f"{TOPICS[i % len(TOPICS)]} {i}"
             if TOPICS[i % len(TOPICS)] else ""} for i in range(n)]


def write_corpus(path: Path, rows: list[dict[str, str]]) -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # small row groups so the reader has to regroup rows into batches
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=7)
    return path
