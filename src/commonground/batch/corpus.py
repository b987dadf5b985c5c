"""Streaming readers of a corpus (CSV, JSONL, Parquet) in fixed-size batches of texts.

Nothing here holds more than one batch in memory: CSV and JSONL are read line by line,
Parquet record batch by record batch, and rows are regrouped into batches of exactly
``batch_size`` rows (the last one shorter) so that a batch's number names the same rows
on every run — the resume logic in :mod:`commonground.batch.parts` depends on it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from commonground.errors import InvalidInput

INPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


@dataclass(frozen=True)
class Batch:
    """Rows ``start`` to ``start + len(texts) - 1`` of the input (0-based), in input order."""

    index: int
    start: int
    ids: list[str]
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def input_format(path: Path) -> str:
    fmt = INPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"{path.name}: cannot tell the corpus format from the extension {path.suffix!r}; "
            f"use one of {', '.join(sorted(INPUT_FORMATS))}"
        )
    return fmt


def _check_input(path: Path) -> None:
    if not path.is_file():
        raise InvalidInput(f"corpus {str(path)!r} does not exist or is not a file; "
                           "give the path of a CSV, JSONL or Parquet file")


def _text(value: object, row: int, column: str, path: Path) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise InvalidInput(
        f"{path.name}: row {row + 1}: column {column!r} holds a {type(value).__name__}, "
        "not text; put the text to map in a string column"
    )


def _id(value: object, row: int, column: str, path: Path) -> str:
    if value is None or value == "":
        raise InvalidInput(
            f"{path.name}: row {row + 1} has no value in the id column {column!r}; "
            "fill it, or leave out --id-column to use row numbers"
        )
    return str(value)


def _missing(path: Path, column: str, available: list[str]) -> InvalidInput:
    shown = ", ".join(repr(c) for c in available[:20]) or "none"
    return InvalidInput(f"{path.name}: no column {column!r}; the columns are {shown}")


def _csv_rows(path: Path, columns: list[str]) -> Iterator[dict[str, object]]:
    # Long documents exceed csv's default 128 KiB field limit.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        for col in columns:
            if col not in header:
                raise _missing(path, col, header)
        try:
            yield from reader
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{path.name}: not UTF-8 near line {reader.line_num + 1} ({exc.reason}); "
                "re-save the CSV as UTF-8"
            ) from None
        except csv.Error as exc:
            raise InvalidInput(
                f"{path.name}: malformed CSV at line {reader.line_num} ({exc}); fix the quoting"
            ) from None


def _jsonl_rows(path: Path, columns: list[str]) -> Iterator[dict[str, object]]:
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InvalidInput(
                    f"{path.name}: line {lineno} is not a JSON object ({exc}); "
                    "write one JSON object per line"
                ) from None
            if not isinstance(obj, dict):
                raise InvalidInput(
                    f"{path.name}: line {lineno} is a JSON {type(obj).__name__}, not an object; "
                    "write one JSON object per line"
                )
            for col in columns:
                if col not in obj:
                    raise InvalidInput(
                        f"{path.name}: line {lineno} has no {col!r} key; its keys are "
                        f"{', '.join(repr(k) for k in sorted(obj)[:20]) or 'none'}"
                    )
            yield obj


def _parquet_rows(path: Path, columns: list[str]) -> Iterator[dict[str, object]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for non-Parquet files
        raise InvalidInput(f"{path.name}: not a readable Parquet file ({exc}); "
                           "check the file or convert it to CSV or JSONL") from None
    names = pf.schema_arrow.names
    for col in columns:
        if col not in names:
            raise _missing(path, col, list(names))
    for rb in pf.iter_batches(batch_size=1024, columns=columns):
        yield from rb.to_pylist()


def iter_batches(
    path: Path, text_column: str, id_column: str | None = None, batch_size: int = 500
) -> Iterator[Batch]:
    """Yield the corpus in batches of ``batch_size`` rows (ids, texts) without loading it all.

    Rows without text get ``""``; ids are the id column's values as strings, or the 0-based
    row number when ``id_column`` is None.
    """
    if batch_size < 1:
        raise InvalidInput(f"batch size {batch_size} must be at least 1; try 500")
    _check_input(path)
    fmt = input_format(path)
    columns = [text_column] + ([id_column] if id_column and id_column != text_column else [])
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows}[fmt]
    ids: list[str] = []
    texts: list[str] = []
    start = index = 0
    for row, obj in enumerate(reader(path, columns)):
        texts.append(_text(obj.get(text_column), row, text_column, path))
        ids.append(_id(obj.get(id_column), row, id_column, path) if id_column else str(row))
        if len(texts) == batch_size:
            yield Batch(index=index, start=start, ids=ids, texts=texts)
            index += 1
            start += len(texts)
            ids, texts = [], []
    if texts:
        yield Batch(index=index, start=start, ids=ids, texts=texts)


def count_rows(path: Path) -> int | None:
    """Rows in the corpus when cheap to know (Parquet metadata, JSONL lines); else None."""
    fmt = input_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # an unreadable file is reported by iter_batches
            return None
    if fmt == "jsonl":
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    return None  # CSV fields may hold newlines: only a full parse could count rows


def fingerprint(path: Path) -> dict[str, object]:
    """Size and SHA-256 of the input, so a resumed run can tell it is the same corpus."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return {"name": path.name, "size": path.stat().st_size, "sha256": digest.hexdigest()}
