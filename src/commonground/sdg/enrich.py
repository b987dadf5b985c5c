"""Attach the mapper's SDGs to initiative records (``source: model``) beside the stated ones.

Used by ``commonground import``, ingest and the demo loader through
``catalog.add_initiatives(store, records, enrich=model_enricher(settings))``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from commonground.catalog.records import InitiativeRecord, SdgLink
from commonground.errors import InvalidInput, ModelError
from commonground.sdg.mapping import SdgMapping
from commonground.sdg.text import has_words
from commonground.settings import Settings

if TYPE_CHECKING:
    from commonground.sdg.model import SdgMapper

#: targets attached per predicted goal, and the least score worth showing an editor
TARGETS_PER_GOAL = 2
TARGET_FLOOR = 0.3
#: evidence snippets kept per goal link, each cut to this many characters (ellipsis included)
EVIDENCE_PER_GOAL = 3
EVIDENCE_CHARS = 300
#: records named in the warning about records left unmapped; the rest are counted
NAMED_RECORDS = 5

_LAST_GAP = re.compile(r"\s\S*\Z")

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


def clip_evidence(text: str, limit: int = EVIDENCE_CHARS) -> str:
    """``text`` if it fits in ``limit`` characters, else its start cut after the last whole
    word that fits and ended with "…" (the ellipsis counted in the limit)."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    if not text[limit - 1].isspace():  # the cut falls inside a word: leave that word out
        gap = _LAST_GAP.search(head)
        # a hard cut where the last gap comes early (a long URL after a short word) or
        # there is none: dropping the long token would leave almost nothing
        if gap is not None and gap.start() >= limit // 2:
            head = head[:gap.start()]
    return (head.rstrip(" \t\n,;:") or text[:limit - 1]) + "…"


def model_links(mapping: SdgMapping) -> list[SdgLink]:
    """Goal links for the predicted goals, each followed by its best targets above the floor."""
    links: list[SdgLink] = []
    for goal in sorted((g for g in mapping.goals if g.predicted), key=lambda g: -g.probability):
        evidence = [clip_evidence(e.strip()) for e in goal.evidence if e.strip()]
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
    dropped first, so enriching twice gives the same record. A record whose text has no
    words (a title such as "2030") gets no model links: the mapper has nothing to read.
    """
    kept = [link for link in rec.sdgs if link.source != "model"]
    text = record_text(rec)
    if not has_words(text):
        return rec.model_copy(update={"sdgs": kept})
    try:
        mapping = mapper.map(text)
    except InvalidInput as exc:
        raise InvalidInput(f"initiative {rec.id or rec.title!r}: {exc.message}") from exc
    return rec.model_copy(update={"sdgs": kept + model_links(mapping)})


class ModelEnricher:
    """Attaches the mapper's SDGs to records (an ``Enricher`` for ``add_initiatives``) and
    remembers the records it left without model SDGs because their text has no words."""

    def __init__(self, mapper: TextMapper) -> None:
        self.mapper = mapper
        #: ids (titles where there is no id) of the records whose text has no words
        self.no_words: list[str] = []

    def __call__(self, rec: InitiativeRecord) -> InitiativeRecord:
        if not has_words(record_text(rec)):
            self.no_words.append(rec.id or rec.title)
        return enrich_record(self.mapper, rec)

    def warnings(self) -> list[str]:
        """What the caller should tell the user about the records left unmapped."""
        if not self.no_words:
            return []
        n = len(self.no_words)
        named = ", ".join(repr(r) for r in self.no_words[:NAMED_RECORDS])
        more = f" and {n - NAMED_RECORDS} more" if n > NAMED_RECORDS else ""
        return [f"{no_words_count(n)} because the text has no words (no letter in title, "
                f"summary or full text): {named}{more}; add a summary in words to have it "
                "mapped"]


def no_words_count(n: int) -> str:
    """The summary's phrase for ``n`` records left without model SDGs for want of words."""
    return f"{n} record{'' if n == 1 else 's'} got no model SDGs"


def model_enricher(settings: Settings) -> ModelEnricher:
    """Load the mapper now (so a broken model fails before anything is written) and return
    the enricher that attaches its SDGs to records."""
    return ModelEnricher(load_mapper(settings))
