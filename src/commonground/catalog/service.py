"""Writes and invariants of the catalog: add or update initiatives, delete them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from commonground.catalog.convert import fill_row, to_record
from commonground.catalog.ids import generated_id
from commonground.catalog.records import ImportReport, InitiativeRecord
from commonground.catalog.tables import Initiative
from commonground.errors import InvalidRecord, NotFound
from commonground.store import Store

Enricher = Callable[[InitiativeRecord], InitiativeRecord]


def _comparable(rec: InitiativeRecord) -> dict[str, object]:
    return rec.model_dump(mode="json")


def add_initiatives(
    store: Store,
    records: Iterable[InitiativeRecord],
    *,
    enrich: Enricher | None = None,
) -> ImportReport:
    """Add or update initiatives in one transaction; nothing is written if one fails.

    A record with an ``id`` replaces the initiative with that id. A record without one gets
    :func:`generated_id` (city and title), so importing the same document twice updates
    rather than duplicates. ``enrich`` (e.g. the SDG mapper) may add fields before writing;
    ``report.model_sdgs`` counts the model links on the records it returns. Without
    ``enrich`` nothing maps the record, so an update keeps the model links stored for it
    unless the record brings model links of its own.
    """
    report = ImportReport()
    seen: set[str] = set()
    with store.transaction() as session:
        for rec in records:
            rec = rec.model_copy(deep=True)
            if rec.id is None:
                rec.id = generated_id(rec)
            if rec.id in seen:
                raise InvalidRecord(
                    f"initiative id {rec.id!r} appears twice in this import; "
                    "give each record its own id (nothing was written)"
                )
            seen.add(rec.id)
            # every model link the record ends up with: the enricher replaces those it came
            # with, and without one the stored links are kept
            rec = enrich(rec) if enrich is not None else _keep_stored_model_links(session, rec)
            report.model_sdgs += sum(1 for s in rec.sdgs if s.source == "model")
            _upsert(session, rec, report)
    return report


def _keep_stored_model_links(session: Session, rec: InitiativeRecord) -> InitiativeRecord:
    """``rec`` with the model links stored for its initiative appended, when it has none.

    An import without the mapper (``--no-map``, often the way around a broken model) must
    not delete what an earlier mapping stored; links the record brings are kept as given.
    """
    if any(link.source == "model" for link in rec.sdgs):
        return rec
    row = session.get(Initiative, rec.id)
    if row is None:
        return rec
    before = to_record(row)
    # a reference follows its source to wherever the incoming record lists it, and is
    # dropped (not left pointing at another document) when the record no longer has it
    def moved(ref: int | None) -> int | None:
        if ref is None or ref >= len(before.sources):
            return None
        return next((i for i, s in enumerate(rec.sources) if s == before.sources[ref]), None)

    stored = [link.model_copy(update={"source_ref": moved(link.source_ref)})
              for link in before.sdgs if link.source == "model"]
    return rec.model_copy(update={"sdgs": [*rec.sdgs, *stored]}) if stored else rec


def _upsert(session: Session, rec: InitiativeRecord, report: ImportReport) -> None:
    assert rec.id is not None
    row = session.get(Initiative, rec.id)
    if row is None:
        row = Initiative(id=rec.id)
        fill_row(session, row, rec)
        session.add(row)
        report.added.append(rec.id)
        return
    if _comparable(to_record(row)) == _comparable(rec):
        report.unchanged.append(rec.id)
        return
    fill_row(session, row, rec)
    report.updated.append(rec.id)
    session.flush()


def delete_initiative(store: Store, initiative_id: str) -> None:
    with store.transaction() as session:
        row = session.get(Initiative, initiative_id)
        if row is None:
            raise NotFound(f"no initiative with id {initiative_id!r}; run `commonground list`")
        session.delete(row)
