"""The SDG Classification Benchmark (1,251 held-out texts) with the benchmark's own metric.

For each row, ``predicted_label = row.sdg in predicted_goals``; accuracy is computed per
SDG and averaged without weights over the 17 SDGs. The texts come from the installed
``sdgclassification-benchmark`` package; the mapper never trains on them.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from commonground.errors import ModelError

#: published leaderboard (average accuracy, %) as recomputed from the benchmark's
#: results.csv files; see ../shared/research/sdg.md section 1
LEADERBOARD: dict[str, float] = {
    "AFD SDG Prospector": 87.8,
    "GPT-4o": 87.2,
    "Llama-3-70B": 85.8,
    "text2sdg": 83.0,
    "Aurora": 79.2,
    "JRC SDG Mapper": 77.3,
    "OSDG": 69.7,
}


class Predictor(Protocol):
    mode: str

    def predict(self, texts: Sequence[str]) -> NDArray[np.bool_]: ...


@dataclass(frozen=True)
class BenchmarkRow:
    id: str
    text: str
    sdg: int
    label: bool


class BenchmarkReport(BaseModel):
    """Scores in percent, as the leaderboard publishes them."""

    mode: str
    precision: str | None = Field(
        default=None, description="The accurate mode's MiniLM precision (None in fast mode).")
    n_texts: int
    average_accuracy: float = Field(description="Mean over the 17 SDGs of per-SDG accuracy, %.")
    macro_precision: float
    macro_recall: float
    macro_f1: float
    per_sdg: dict[str, dict[str, float | int]] = Field(
        description="'1'..'17' -> accuracy, precision, recall, f1 (%), n")
    leaderboard: dict[str, float] = Field(default_factory=lambda: dict(LEADERBOARD))
    snippets_per_second: float
    seconds: float


def load_benchmark() -> list[BenchmarkRow]:
    """The 1,251 rows of the installed benchmark package."""
    try:
        package = importlib.resources.files("sdgclassification.benchmark")
        res = package / "resources" / "benchmark.csv"
        with res.open("r", encoding="utf-8") as fh:
            rows = list(csv.DictReader(io.StringIO(fh.read(), newline="")))
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise ModelError(
            "the SDG Classification Benchmark is not installed; "
            "run `pip install sdgclassification-benchmark`"
        ) from exc
    return [BenchmarkRow(r["id"], r["text"], int(r["sdg"]), r["label"].strip() == "True")
            for r in rows]


def score(rows: Sequence[BenchmarkRow], predicted: NDArray[np.bool_]) -> dict[str, Any]:
    """The benchmark metric and per-SDG precision/recall/F1 from (n, 17) decisions."""
    pl = np.array([bool(predicted[i, r.sdg - 1]) for i, r in enumerate(rows)])
    lab = np.array([r.label for r in rows])
    sdg = np.array([r.sdg for r in rows])
    per: dict[str, dict[str, float | int]] = {}
    for g in range(1, 18):
        m = sdg == g
        tp = float((pl[m] & lab[m]).sum())
        fp = float((pl[m] & ~lab[m]).sum())
        fn = float((~pl[m] & lab[m]).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per[str(g)] = {
            "accuracy": round(100 * float((pl[m] == lab[m]).mean()), 2) if m.any() else 0.0,
            "precision": round(100 * p, 2), "recall": round(100 * r, 2),
            "f1": round(100 * (2 * p * r / (p + r) if p + r else 0.0), 2), "n": int(m.sum()),
        }
    def mean(k: str) -> float:
        return round(float(np.mean([v[k] for v in per.values()])), 2)

    return {"average_accuracy": mean("accuracy"), "macro_precision": mean("precision"),
            "macro_recall": mean("recall"), "macro_f1": mean("f1"), "per_sdg": per}


def run_benchmark(mapper: Predictor, rows: Sequence[BenchmarkRow] | None = None) -> BenchmarkReport:
    """Predict every benchmark text once (after a short warm-up) and score it."""
    rows = list(rows) if rows is not None else load_benchmark()
    texts = [r.text for r in rows]
    mapper.predict(texts[:4])  # warm-up: loads the embedder and its session
    start = time.perf_counter()
    predicted = np.asarray(mapper.predict(texts), dtype=bool)
    seconds = time.perf_counter() - start
    precision = getattr(mapper, "precision", None) if mapper.mode == "accurate" else None
    return BenchmarkReport(mode=mapper.mode, precision=precision, n_texts=len(rows),
                           seconds=round(seconds, 3),
                           snippets_per_second=round(len(rows) / seconds, 1),
                           **score(rows, predicted))


def format_report(report: BenchmarkReport) -> str:
    """A plain-text table: per-SDG scores, the average, and the leaderboard beside it."""
    label = report.mode + (f", {report.precision}" if report.precision else "")
    lines = [f"SDG Classification Benchmark, {report.n_texts} texts, mode {label}",
             "", f"{'SDG':>4} {'n':>4} {'accuracy':>9} {'precision':>10} {'recall':>7} {'F1':>6}"]
    for g, v in report.per_sdg.items():
        lines.append(f"{g:>4} {int(v['n']):>4} {v['accuracy']:>9.1f} {v['precision']:>10.1f} "
                     f"{v['recall']:>7.1f} {v['f1']:>6.1f}")
    lines.append(f"{'avg':>4} {'':>4} {report.average_accuracy:>9.1f} "
                 f"{report.macro_precision:>10.1f} {report.macro_recall:>7.1f} "
                 f"{report.macro_f1:>6.1f}")
    lines += ["", "Leaderboard (average accuracy, %):"]
    board = dict(report.leaderboard)
    board[f"commonground ({label})"] = report.average_accuracy
    for name, acc in sorted(board.items(), key=lambda kv: -kv[1]):
        marker = "  <-" if name.startswith("commonground") else ""
        lines.append(f"  {acc:5.1f}  {name}{marker}")
    lines += ["", f"{report.snippets_per_second:.1f} snippets/s ({report.seconds:.1f} s, "
                  "single process)"]
    return "\n".join(lines)
