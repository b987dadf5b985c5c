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
import math
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


def _where(line: int | None, row: int) -> str:
    # Parquet has no lines: name the row as the output's ``row`` column does
    return f"line {line}" if line is not None else f"row {row} (0-based)"


def _is_nan(value: object) -> bool:
    # pandas writes a missing value as NaN (JSON ``NaN``, a float NaN in Parquet)
    return isinstance(value, float) and math.isnan(value)


def _text(value: object, line: int | None, row: int, column: str, path: Path) -> str:
    if value is None or _is_nan(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a number is mapped as it is written: 42, 1.5
    raise InvalidInput(
        f"{path.name}: {_where(line, row)}: column {column!r} holds a {type(value).__name__}, "
        "not text; put the text to map in a string column"
    )


def _id(value: object, line: int | None, row: int, column: str, path: Path) -> str:
    if value is None or value == "" or _is_nan(value):
        raise InvalidInput(
            f"{path.name}: {_where(line, row)} has no value in the id column {column!r}; "
            "fill it, or leave out --id-column to use row numbers"
        )
    return str(value)


def _missing(path: Path, column: str, available: list[str]) -> InvalidInput:
    shown = ", ".join(repr(c) for c in available[:20]) or "none"
    return InvalidInput(f"{path.name}: no column {column!r}; the columns are {shown}")


def _csv_rows(path: Path, columns: list[str]) -> Iterator[tuple[int | None, dict[str, object]]]:
    # Long documents exceed csv's default 128 KiB field limit.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    start = 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        # strict: an unterminated quote or a stray one after a quoted field is an error, not
        # a field that silently swallows the rows after it
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, [])
            where = _csv_columns(path, header, columns)
            width = len(header)
            start = reader.line_num + 1
            for fields in reader:
                # a blank line, or one of spaces only, is no row (csv.DictReader skipped the
                # first; a stray space must not stop a 200,000-row run)
                if fields and not (len(fields) == 1 and not fields[0].strip()):
                    if len(fields) != width:
                        raise InvalidInput(
                            f"{path.name}: line {start} has {len(fields)} "
                            f"field{'' if len(fields) == 1 else 's'} but the header "
                            f"has {width}; give every row one field per column, in double "
                            'quotes where it holds a comma ("a, b")'
                        )
                    yield start, {col: fields[i] for col, i in where.items()}
                start = reader.line_num + 1
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except csv.Error as exc:
            raise InvalidInput(
                f"{path.name}: malformed CSV in the row starting at line {start} ({exc}); "
                "put a field that holds commas, quotes or line breaks in double quotes and "
                'double the quotes inside it ("a ""b"" c")'
            ) from None


def _csv_columns(path: Path, header: list[str], columns: list[str]) -> dict[str, int]:
    """The position of each wanted column in ``header``; a missing or repeated one is refused."""
    where: dict[str, int] = {}
    for col in columns:
        found = [i for i, name in enumerate(header) if name == col]
        if not found:
            raise _missing(path, col, header)
        if len(found) > 1:
            # csv.DictReader would silently keep the last one
            raise InvalidInput(
                f"{path.name}: the header names {len(found)} columns {col!r} (columns "
                f"{', '.join(str(i + 1) for i in found)}); rename all but one of them"
            )
        where[col] = found[0]
    return where


def _not_utf8(path: Path) -> InvalidInput:
    """The error for a CSV that is not UTF-8, naming its first bad byte.

    The position is found again from the start of the file: the text reader decodes blocks
    ahead of the csv reader's line count, so neither knows where decoding failed.
    """
    offset = 0
    line = 1
    with path.open("rb") as fh:
        if fh.read(2) == b"\x1f\x8b":
            return InvalidInput(f"{path.name} is gzip-compressed, not CSV text; decompress it "
                                "(gunzip) and map the file inside")
        fh.seek(0)
        # splitting at b"\n" never cuts a UTF-8 character: no multi-byte one holds that byte
        for raw in fh:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line += _line_ends(raw[:exc.start])
                return InvalidInput(
                    f"{path.name}: not UTF-8 at byte offset {offset + exc.start} (line {line}: "
                    f"{exc.reason}); re-save the CSV as UTF-8"
                )
            offset += len(raw)
            line += _line_ends(raw)
    return InvalidInput(f"{path.name}: not UTF-8; re-save the CSV as UTF-8")


def _line_ends(raw: bytes) -> int:
    # as the text reader counts them: \n, \r\n and a lone \r each end a line
    return raw.count(b"\n") + raw.replace(b"\r\n", b"").count(b"\r")


def _jsonl_rows(path: Path, columns: list[str]
                ) -> Iterator[tuple[int | None, dict[str, object]]]:
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
            yield lineno, obj


def _parquet_rows(path: Path, columns: list[str]
                  ) -> Iterator[tuple[int | None, dict[str, object]]]:
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
        for obj in rb.to_pylist():
            yield None, obj


def iter_batches(
    path: Path, text_column: str, id_column: str | None = None, batch_size: int = 500
) -> Iterator[Batch]:
    """Yield the corpus in batches of ``batch_size`` rows (ids, texts) without loading it all.

    Rows without text (null or NaN) get ``""`` and numbers their text; ids are the id
    column's values as strings, or the 0-based row number when ``id_column`` is None. A row
    that cannot be read stops the run with an InvalidInput naming its line in the file (its
    0-based row in a Parquet file).
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
    for row, (line, obj) in enumerate(reader(path, columns)):
        texts.append(_text(obj.get(text_column), line, row, text_column, path))
        ids.append(_id(obj.get(id_column), line, row, id_column, path) if id_column else str(row))
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
