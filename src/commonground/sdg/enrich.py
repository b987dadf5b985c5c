"""Attach the mapper's SDGs to initiative records (``source: model``) beside the stated ones.

Used by ``commonground import``, ingest and the demo loader through
``catalog.add_initiatives(store, records, enrich=model_enricher(settings))``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from commonground.catalog.records import InitiativeRecord, SdgLink
from commonground.errors import InvalidInput, ModelError
from commonground.sdg.mapping import SdgMapping
from commonground.settings import Settings

if TYPE_CHECKING:
    from commonground.sdg.model import SdgMapper

#: targets attached per predicted goal, and the least score worth showing an editor
TARGETS_PER_GOAL = 2
TARGET_FLOOR = 0.3
#: evidence snippets kept per goal link, each cut to this many characters
EVIDENCE_PER_GOAL = 3
EVIDENCE_CHARS = 300

NO_MAP_HINT = ("import without model SDGs (--no-map, or COMMONGROUND_AUTO_MAP_SDGS=0), "
               "or point COMMONGROUND_SDG_MODEL at a valid model folder")


class TextMapper(Protocol):
    def map(self, text: str) -> SdgMapping: ...


def load_mapper(settings: Settings, mode: str | None = None,
                precision: str | None = None, hint: str = NO_MAP_HINT) -> SdgMapper:
    """The configured SDG mapper; any failure to load it is a ModelError with a next step
    (``hint``, the way around a broken model for the caller; '' for none)."""
    import commonground.sdg as sdg

    tail = f"; or {hint}" if hint else ""
    try:
        mapper = sdg.load_mapper(settings, mode=mode, precision=precision)
    except ModelError as exc:
        raise ModelError(f"{exc.message}{tail}", detail=exc.detail) from exc
    except (AttributeError, ImportError, OSError, ValueError) as exc:
        where = settings.sdg_model or "the model shipped in the package"
        raise ModelError(
            f"the SDG mapper could not be loaded from {where} ({type(exc).__name__}: {exc}); "
            f"reinstall commonground{tail}"
        ) from exc
    return mapper


def record_text(rec: InitiativeRecord) -> str:
    """Title, summary and full text, whichever are present, as one document."""
    parts = [rec.title, rec.summary, rec.text or ""]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def model_links(mapping: SdgMapping) -> list[SdgLink]:
    """Goal links for the predicted goals, each followed by its best targets above the floor."""
    links: list[SdgLink] = []
    for goal in sorted((g for g in mapping.goals if g.predicted), key=lambda g: -g.probability):
        evidence = [e.strip()[:EVIDENCE_CHARS] for e in goal.evidence if e.strip()]
        links.append(SdgLink(goal=goal.goal, source="model", score=goal.probability,
                             evidence=evidence[:EVIDENCE_PER_GOAL]))
        best = sorted((t for t in mapping.targets
                       if t.target.split(".")[0] == str(goal.goal) and t.score >= TARGET_FLOOR),
                      key=lambda t: -t.score)
        links += [SdgLink(goal=goal.goal, target=t.target, source="model", score=t.score)
                  for t in best[:TARGETS_PER_GOAL]]
    return links


def enrich_record(mapper: TextMapper, rec: InitiativeRecord) -> InitiativeRecord:
    """A copy of ``rec`` whose model links are replaced by the mapper's current answer.

    Stated and editor links are kept as they are, in their order; earlier model links are
    dropped first, so enriching twice gives the same record.
    """
    text = record_text(rec)
    try:
        mapping = mapper.map(text)
    except InvalidInput as exc:
        raise InvalidInput(f"initiative {rec.id or rec.title!r}: {exc.message}") from exc
    kept = [link for link in rec.sdgs if link.source != "model"]
    return rec.model_copy(update={"sdgs": kept + model_links(mapping)})


def model_enricher(settings: Settings) -> Callable[[InitiativeRecord], InitiativeRecord]:
    """Load the mapper now (so a broken model fails before anything is written) and return
    a function that attaches its SDGs to a record."""
    mapper = load_mapper(settings)

    def enrich(rec: InitiativeRecord) -> InitiativeRecord:
        return enrich_record(mapper, rec)

    return enrich
