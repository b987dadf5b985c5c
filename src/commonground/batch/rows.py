"""The output rows of corpus mapping and the three output formats (JSONL, CSV, Parquet).

One row per input row: ``row`` (0-based position in the input), ``id``, ``goals`` (the
predicted goals), ``sdg_1`` … ``sdg_17`` (calibrated probabilities, rounded to 6 decimals;
empty where the row had no text) and ``targets`` (the likeliest targets with scores).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from commonground.errors import InvalidInput
from commonground.sdg.mapping import SdgMapping
from commonground.sdg.text import has_words

if TYPE_CHECKING:
    import pyarrow as pa

from commonground.batch.corpus import Batch

GOALS = range(1, 18)
PROB_COLUMNS = [f"sdg_{g}" for g in GOALS]
COLUMNS = ["row", "id", "goals", *PROB_COLUMNS, "targets"]
OUTPUT_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
TOP_TARGETS = 5
DECIMALS = 6


class BatchMapper(Protocol):
    """What corpus mapping needs of the SDG mapper (``commonground.sdg.model.SdgMapper``)."""

    @property
    def mode(self) -> str: ...

    def map_many(self, texts: list[str], batch_size: int = ..., *,
                 evidence: bool = ...) -> list[SdgMapping]: ...


def output_format(path: Path) -> str:
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"output {path.name}: cannot tell the format from the extension {path.suffix!r}; "
            f"end the name with one of {', '.join(OUTPUT_FORMATS)}"
        )
    return fmt


def schema() -> pa.Schema:
    import pyarrow as pa

    target = pa.struct([("target", pa.string()), ("score", pa.float64())])
    return pa.schema(
        [("row", pa.int64()), ("id", pa.string()), ("goals", pa.list_(pa.int8()))]
        + [(c, pa.float64()) for c in PROB_COLUMNS]
        + [("targets", pa.list_(target))]
    )


def _row(position: int, ident: str, mapping: SdgMapping | None) -> dict[str, Any]:
    out: dict[str, Any] = {"row": position, "id": ident}
    if mapping is None:
        out.update({"goals": [], "targets": []})
        out.update(dict.fromkeys(PROB_COLUMNS))
        return out
    by_goal = {g.goal: g for g in mapping.goals}
    out["goals"] = sorted(g.goal for g in mapping.goals if g.predicted)
    for g in GOALS:
        score = by_goal.get(g)
        out[f"sdg_{g}"] = round(score.probability, DECIMALS) if score is not None else None
    best = sorted(mapping.targets, key=lambda t: -t.score)[:TOP_TARGETS]
    out["targets"] = [{"target": t.target, "score": round(t.score, DECIMALS)} for t in best]
    return out


def map_batch(mapper: BatchMapper, batch: Batch) -> pa.Table:
    """Map one batch; rows without text (blank, or without a word: '42', '-') get empty
    probabilities instead of failing the run."""
    import pyarrow as pa

    todo = [i for i, t in enumerate(batch.texts) if has_words(t)]
    # the output has no evidence column, so the sentences are not looked for
    mapped = mapper.map_many([batch.texts[i] for i in todo], evidence=False) if todo else []
    if len(mapped) != len(todo):
        raise RuntimeError(f"the mapper returned {len(mapped)} results for {len(todo)} texts")
    by_pos: dict[int, SdgMapping] = dict(zip(todo, mapped, strict=True))
    rows = [_row(batch.start + i, batch.ids[i], by_pos.get(i)) for i in range(len(batch))]
    return pa.Table.from_pylist(rows, schema=schema())


def _decimal(value: float) -> str:
    """Fixed point, at most ``DECIMALS`` decimals: 0.000059, never repr's 5.9e-05."""
    text = f"{value:.{DECIMALS}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _csv_cell(col: str, value: Any) -> str:
    if value is None:
        return ""
    if col == "goals":
        return ";".join(str(g) for g in value)
    if col == "targets":
        return ";".join(f"{t['target']}:{_decimal(t['score'])}" for t in value)
    if isinstance(value, float):
        return _decimal(value)
    return value if isinstance(value, str) else str(value)


def write_output(tables: Iterable[pa.Table], fh: IO[bytes], fmt: str) -> int:
    """Write the part tables, in order, to ``fh`` as ``fmt``; return the rows written."""
    import csv
    import io

    import pyarrow.parquet as pq

    n = 0
    if fmt == "parquet":
        with pq.ParquetWriter(fh, schema()) as writer:
            for table in tables:
                writer.write_table(table)
                n += table.num_rows
        return n
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    writer_csv = csv.writer(text, lineterminator="\n") if fmt == "csv" else None
    if writer_csv is not None:
        writer_csv.writerow(COLUMNS)
    for table in tables:
        for row in _rows(table):
            if writer_csv is not None:
                writer_csv.writerow([_csv_cell(c, row[c]) for c in COLUMNS])
            else:
                text.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    text.flush()
    text.detach()
    return n


def _rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    for rb in table.to_batches(max_chunksize=1024):
        yield from rb.to_pylist()
