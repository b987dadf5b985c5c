"""Read and write the public record format: JSON array, JSONL, CSV and Frictionless Data Package."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from commonground.catalog.records import FORMAT_VERSION, InitiativeRecord
from commonground.errors import InvalidInput, InvalidRecord

ExportFormat = Literal["json", "jsonl", "csv", "datapackage"]
EXPORT_FORMATS: tuple[str, ...] = ("json", "jsonl", "csv", "datapackage")

# Flat CSV columns; nested lists travel as JSON text so that a CSV round trip loses nothing.
CSV_COLUMNS = [
    "id", "title", "summary", "city_name", "city_country", "city_region", "city_population",
    "city_lat", "city_lon", "period_start", "period_end", "sdgs", "partners", "outcomes",
    "awards", "sources", "languages", "status", "format_version", "text",
]
_NESTED = ("sdgs", "partners", "outcomes", "awards", "sources")


def describe_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(x) for x in err["loc"]) or "record"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_record(data: Any, where: str) -> InitiativeRecord:
    if not isinstance(data, dict):
        raise InvalidRecord(f"{where}: expected a JSON object (an initiative), got "
                            f"{type(data).__name__}; see docs/record-format.md")
    try:
        return InitiativeRecord.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord(f"{where}: {describe_error(exc)}; fix the record and import again",
                            detail=exc.errors(include_url=False)) from None


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InvalidInput(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InvalidInput(f"{path}: is a folder; give a .json, .jsonl or .csv file")
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidInput(f"{path.name}: the file is empty; export some records first")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name}: not UTF-8 text (byte {exc.start}); "
                           "save it as UTF-8 and import again") from None


def read_records(path: Path) -> list[InitiativeRecord]:
    """Parse a whole file first, so that a bad record stops the import before any write."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".ndjson", ".csv"):
        raise InvalidInput(f"{path.name}: unknown extension {suffix or '(none)'!r}; "
                           "import reads .json (an array), .jsonl or .csv")
    text = _read_text(path)
    if suffix == ".json":
        return list(_from_json(text, path.name))
    if suffix in (".jsonl", ".ndjson"):
        return list(_from_jsonl(text, path.name))
    return list(_from_csv(text, path.name))


def read_records_text(text: str, fmt: str, name: str = "<stdin>") -> list[InitiativeRecord]:
    readers = {"json": _from_json, "jsonl": _from_jsonl, "csv": _from_csv}
    if fmt not in readers:
        raise InvalidInput(f"format {fmt!r} is unknown; use json, jsonl or csv")
    return list(readers[fmt](text, name))


def _from_json(text: str, name: str) -> Iterator[InitiativeRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}); fix the file or use .jsonl for one record per line"
                           ) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InvalidInput(f"{name}: expected a JSON array of initiatives")
    for i, item in enumerate(data):
        yield parse_record(item, f"{name}: record {i + 1}")


def _from_jsonl(text: str, name: str) -> Iterator[InitiativeRecord]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{name}: line {lineno} is not valid JSON ({exc.msg}); "
                               "each line must hold one initiative object") from None
        yield parse_record(data, f"{name}: line {lineno}")


def _cell_json(value: str, column: str, where: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise InvalidRecord(f"{where}: column {column!r} must hold JSON, e.g. "
                            '[{"goal": 11, "source": "editor"}]') from None


def _from_csv(text: str, name: str) -> Iterator[InitiativeRecord]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in ("title", "city_name", "city_country") if c not in header]
    if missing:
        raise InvalidInput(f"{name}: CSV header lacks {', '.join(missing)}; the columns are "
                           f"{', '.join(CSV_COLUMNS)}")
    for lineno, row in enumerate(reader, start=2):
        where = f"{name}: line {lineno}"

        def cell(key: str, row: dict[str, str] = row) -> str | None:
            v = row.get(key)
            return v if v not in (None, "") else None

        data: dict[str, Any] = {
            "title": cell("title"),
            "summary": cell("summary") or "",
            "city": {k: cell(f"city_{k}") for k in
                     ("name", "country", "region", "population", "lat", "lon")},
            "period": {"start": cell("period_start"), "end": cell("period_end")},
        }
        for key in ("id", "text", "status", "format_version"):
            if cell(key) is not None:
                data[key] = cell(key)
        if cell("languages") is not None:
            data["languages"] = [x.strip() for x in (cell("languages") or "").split(";")]
        for col in _NESTED:
            value = cell(col)
            if value is None:
                continue
            if col == "sdgs" and not value.lstrip().startswith("["):
                # a hand-made sheet may list goals as "8; 9": an editor's links
                try:
                    goals = [int(g) for g in value.replace(",", ";").split(";") if g.strip()]
                except ValueError:
                    raise InvalidRecord(f"{where}: sdgs {value!r} must be goal numbers "
                                        "separated by ';' or a JSON list") from None
                data[col] = [{"goal": g, "source": "editor"} for g in goals]
            else:
                data[col] = _cell_json(value, col, where)
        yield parse_record(data, where)


# ---------------------------------------------------------------- writing

def _dump(rec: InitiativeRecord) -> dict[str, Any]:
    return rec.model_dump(mode="json")


def to_json(records: Iterable[InitiativeRecord]) -> str:
    return json.dumps([_dump(r) for r in records], ensure_ascii=False, indent=2) + "\n"


def to_jsonl(records: Iterable[InitiativeRecord]) -> str:
    return "".join(json.dumps(_dump(r), ensure_ascii=False) + "\n" for r in records)


def _csv_row(rec: InitiativeRecord) -> dict[str, str]:
    d = _dump(rec)

    def s(v: Any) -> str:
        return "" if v is None else str(v)

    row = {
        "id": s(d["id"]), "title": d["title"], "summary": d["summary"],
        "city_name": d["city"]["name"], "city_country": d["city"]["country"],
        "city_region": s(d["city"]["region"]), "city_population": s(d["city"]["population"]),
        "city_lat": s(d["city"]["lat"]), "city_lon": s(d["city"]["lon"]),
        "period_start": s(d["period"]["start"]), "period_end": s(d["period"]["end"]),
        "languages": ";".join(d["languages"]), "status": d["status"],
        "format_version": d["format_version"], "text": s(d["text"]),
    }
    for col in _NESTED:
        row[col] = json.dumps(d[col], ensure_ascii=False) if d[col] else ""
    return row


def to_csv(records: Iterable[InitiativeRecord]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow(_csv_row(rec))
    return buf.getvalue()


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()


def _child_tables(records: list[InitiativeRecord]) -> dict[str, tuple[list[str], str]]:
    child_cols = {
        "sdg_links": ["initiative_id", "goal", "target", "source", "score", "source_ref"],
        "partners": ["initiative_id", "name", "sector", "role", "source_ref"],
        "outcomes": ["initiative_id", "description", "value", "unit", "year", "indicator",
                     "source_ref"],
        "awards": ["initiative_id", "programme", "year", "distinction", "source_ref"],
        "sources": ["initiative_id", "position", "document", "locator", "page", "start",
                    "end", "url"],
    }
    field = {"sdg_links": "sdgs", "partners": "partners", "outcomes": "outcomes",
             "awards": "awards", "sources": "sources"}
    out: dict[str, tuple[list[str], str]] = {}
    for name, cols in child_cols.items():
        rows: list[dict[str, Any]] = []
        for rec in records:
            for pos, item in enumerate(getattr(rec, field[name])):
                rows.append({"initiative_id": rec.id, "position": pos,
                             **item.model_dump(mode="json")})
        out[name] = (cols, _table(rows, cols))
    return out


_FIELD_TYPES = {"goal": "integer", "year": "integer", "page": "integer", "start": "integer",
                "end": "integer", "position": "integer", "source_ref": "integer",
                "value": "number", "score": "number", "city_population": "integer",
                "city_lat": "number", "city_lon": "number", "period_start": "integer",
                "period_end": "integer"}


def datapackage_files(records: Iterable[InitiativeRecord]) -> dict[str, str]:
    """The files of a Frictionless Data Package: descriptor plus one CSV per table."""
    recs = list(records)
    tables: dict[str, tuple[list[str], str]] = {"initiatives": (CSV_COLUMNS, to_csv(recs))}
    tables.update(_child_tables(recs))
    resources = []
    for name, (cols, _) in tables.items():
        schema: dict[str, Any] = {"fields": [{"name": c, "type": _FIELD_TYPES.get(c, "string")}
                                             for c in cols]}
        if name == "initiatives":
            schema["primaryKey"] = ["id"]
        else:
            schema["foreignKeys"] = [{"fields": ["initiative_id"],
                                      "reference": {"resource": "initiatives", "fields": ["id"]}}]
        resources.append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": schema})
    descriptor = {
        "profile": "tabular-data-package",
        "name": "commonground-initiatives",
        "title": "commonground city initiatives",
        "version": FORMAT_VERSION,
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "commonground": {"format_version": FORMAT_VERSION, "initiatives": len(recs)},
        "resources": resources,
    }
    files = {"datapackage.json": json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"}
    files.update({f"{name}.csv": body for name, (_, body) in tables.items()})
    return files


def datapackage_inline(records: Iterable[InitiativeRecord]) -> str:
    """One JSON descriptor with the records inline (for stdout)."""
    files = datapackage_files(records)
    descriptor = json.loads(files["datapackage.json"])
    for res in descriptor["resources"]:
        body = files[res.pop("path")]
        res["data"] = list(csv.reader(io.StringIO(body, newline="")))
        res.pop("encoding", None)
        res.pop("mediatype", None)
        res["format"] = "json"
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"


def write_export(records: Iterable[InitiativeRecord], fmt: str, output: Path | None) -> str | None:
    """Render ``records`` in ``fmt``; write to ``output`` or return the text for stdout."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"export format {fmt!r} is unknown; use {', '.join(EXPORT_FORMATS)}")
    recs = list(records)
    if fmt == "datapackage":
        if output is None:
            return datapackage_inline(recs)
        files = datapackage_files(recs)
        if output.suffix.lower() == ".zip":
            output.parent.mkdir(parents=True, exist_ok=True)
            tmp = output.with_name(output.name + ".part")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, body in files.items():
                    zf.writestr(name, body)
            tmp.replace(output)
        else:
            output.mkdir(parents=True, exist_ok=True)
            for name, body in files.items():
                (output / name).write_text(body, encoding="utf-8")
        return None
    text = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv}[fmt](recs)
    if output is None:
        return text
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    return None
