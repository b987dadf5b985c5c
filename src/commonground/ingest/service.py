"""Ingest files and folders: documents to records, and records into the catalog."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from commonground.catalog import (
    Enricher,
    Filters,
    ImportReport,
    InitiativeRecord,
    add_initiatives,
    list_initiatives,
)
from commonground.errors import InvalidDocument, InvalidInput
from commonground.ingest.extract import Extraction, extract
from commonground.ingest.readers import SUPPORTED, kind_of, read_document
from commonground.ingest.text import fold
from commonground.settings import Settings
from commonground.store import Store


def document_paths(path: Path) -> list[Path]:
    """The file itself, or every supported file under a folder (sorted, hidden ones skipped)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p) is not None
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise InvalidDocument(f"{path}: the folder holds no file ingest reads ({SUPPORTED})")
        return files
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or folder; check the path")
    return [path]


def extract_file(path: Path, settings: Settings) -> Extraction:
    """Read one file and extract its case studies; a file with none is an error."""
    result = extract(read_document(path, settings))
    if not result.records:
        where = (f" in {len(result.skipped)} section(s), first '{result.skipped[0][:60]}'"
                 if result.skipped else "")
        raise InvalidDocument(
            f"{path.name}: no case study recognised: no city and country found{where}; "
            "give each case study a 'City, Country' line (or 'City: Quito, Ecuador') and "
            "ingest again")
    return result


def extract_paths(paths: Iterable[Path], settings: Settings,
                  progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
                  ) -> tuple[list[InitiativeRecord], list[str]]:
    """Records of every file, in order; a later duplicate of an id is dropped with a warning."""
    records: list[InitiativeRecord] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for path in (progress(paths) if progress else paths):
        result = extract_file(path, settings)
        warnings += result.warnings
        for rec in result.records:
            assert rec.id is not None
            if rec.id in seen:
                warnings.append(f"{path.name}: '{rec.title}' ({rec.city.name}) is already in "
                                f"{seen[rec.id]}; kept the first")
                continue
            seen[rec.id] = path.name
            records.append(rec)
    return records, warnings


def _key(city: str, title: str) -> tuple[str, str]:
    def norm(s: str) -> str:
        return " ".join(re.findall(r"\w+", fold(s)))

    return norm(city), norm(re.sub(r"\s*\([^()]{1,12}\)\s*$", "", title))


def held_elsewhere(store: Store, records: list[InitiativeRecord]) -> dict[str, str]:
    """Ids of records whose initiative (same city and title) the catalog has under another id,
    e.g. a curated record of the same report: ``{ingested id: existing id}``."""
    wanted = {_key(r.city.name, r.title): r.id for r in records if r.id}
    found: dict[str, str] = {}
    for country in sorted({r.city.country for r in records}):
        offset = 0
        while True:
            page = list_initiatives(store, Filters(country=country), limit=200, offset=offset)
            for item in page.items:
                rid = wanted.get(_key(item.city.name, item.title))
                if rid is not None and rid != item.id:
                    found[rid] = item.id
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
    return found


def ingest(store: Store, records: list[InitiativeRecord], warnings: list[str] | None = None,
           *, enrich: Enricher | None = None) -> ImportReport:
    """Add or update the records in one transaction (re-ingesting updates, never duplicates).

    A case study the catalog already holds under another id (same city and title, e.g. the
    curated demo record) is not added a second time; a warning names the existing id.
    """
    elsewhere = held_elsewhere(store, records)
    notes = [f"'{r.title}' ({r.city.name}) is already in the catalog as {elsewhere[r.id]!r}; "
             "not added again; the existing record is kept"
             for r in records if r.id in elsewhere]
    fresh = [r for r in records if r.id not in elsewhere]
    report = add_initiatives(store, fresh, enrich=enrich)
    report.warnings = [*(warnings or []), *notes, *report.warnings]
    return report
