"""Evidence and targets for the mapper's positive goals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from commonground.sdg.keywords import Match
from commonground.sdg.lexical import NGramVector, ngrams_for
from commonground.sdg.text import Chunk

if TYPE_CHECKING:
    from commonground.sdg.model import SdgMapper

MAX_EVIDENCE = 3
MAX_TARGETS = 5
TARGETS_PER_GOAL = 2
_MAX_CHARS = 400


def _clip(sentence: str) -> str:
    return sentence if len(sentence) <= _MAX_CHARS else sentence[:_MAX_CHARS - 1].rstrip() + "…"


def explain(mapper: SdgMapper, docs: Sequence[list[Chunk]], chunk_p: NDArray[np.float32],
            chunk_emb: NDArray[np.float32], decisions: NDArray[np.bool_],
            evidence: bool = True, languages: Sequence[str | None] | None = None,
            ) -> list[tuple[dict[int, list[str]], list[tuple[str, float]]]]:
    """Per document of a batch: per positive goal, the sentences that drove it; the
    likeliest targets with scores.

    ``docs``: each document's chunks, whose rows of ``chunk_p`` and ``chunk_emb`` follow
    one another in that order; ``decisions``: (documents, 17).
    ``evidence=False`` skips the sentences (each goal gets ``[]``) and keeps the targets:
    keyword matching per sentence is most of the fast mode's time per text.
    ``languages``: each document's ``guess_language``; for Spanish, French and Portuguese,
    and in the fast mode English too, the targets' character n-grams join the ranking
    (``lexical.ngrams_for``).

    Evidence: within the goal's best chunks, the sentences with the most keyword or
    Aurora-query hits for that goal; when no keyword fired (the embedding alone decided),
    the opening sentence of the goal's best chunk. Targets: cosine of the goal's best chunk
    to its official targets (``SdgMapper.rank_targets``): the mean of the cosine in the
    mode's own space and the cosine of the vector mapped into the frozen MiniLM's, over the
    target titles in the accurate mode and the titles and indicators in the fast mode, and
    in Spanish, French and Portuguese text (and English text in the fast mode) the cosine of
    the chunk's character n-grams to the official texts. The targets of the whole batch are
    ranked together (``SdgMapper.rank_targets_many``).
    """
    assert mapper.keywords is not None
    if languages is None:
        languages = [None] * len(docs)
    found: list[dict[int, list[str]]] = []
    picks: list[tuple[int, int, int]] = []  # (document, goal, its best chunk's row)
    words: dict[int, NGramVector | None] = {}  # per best chunk's row, its n-grams
    start = 0
    for doc, (chunks, predicted, language) in enumerate(
            zip(docs, decisions, languages, strict=True)):
        p = chunk_p[start:start + len(chunks)]
        found.append({})
        # keyword matches per (chunk, sentence), shared by the goals that look at it
        matched: dict[tuple[int, int], list[Match]] = {}
        for g in (g for g in range(1, 18) if predicted[g - 1]):
            order = np.argsort(-p[:, g - 1], kind="stable")[:2]
            found[doc][g] = _evidence(mapper, chunks, order, g, matched) if evidence else []
            best = start + int(order[0])
            if best not in words:
                words[best] = ngrams_for(chunks[order[0]].text, language, mapper.mode)
            picks.append((doc, g, best))
        start += len(chunks)
    rows = [best for _, _, best in picks]
    # the best chunks only are mapped into the frozen space, in rank_targets_many
    rankings = mapper.rank_targets_many(chunk_emb[rows], [g for _, g, _ in picks], None,
                                        [words[r] for r in rows])
    targets: list[dict[str, float]] = [{} for _ in docs]
    for (doc, _, _), ranking in zip(picks, rankings, strict=True):
        for tid, sim in ranking[:TARGETS_PER_GOAL]:
            targets[doc][tid] = max(targets[doc].get(tid, 0.0),
                                    round(max(0.0, min(1.0, float(sim))), 4))
    return [(goals, sorted(scores.items(), key=lambda kv: -kv[1])[:MAX_TARGETS])
            for goals, scores in zip(found, targets, strict=True)]


def _evidence(mapper: SdgMapper, chunks: list[Chunk], order: NDArray[np.intp], g: int,
              matched: dict[tuple[int, int], list[Match]]) -> list[str]:
    """The sentences of goal ``g``'s best chunks (``order``) with the most hits for it."""
    assert mapper.keywords is not None
    scored: list[tuple[int, int, str]] = []
    for rank, ci in enumerate(order):
        for si, sentence in enumerate(chunks[ci].sentences):
            if (ci, si) not in matched:
                matched[ci, si] = mapper.keywords.match(sentence)
            n = sum(m.count for m in matched[ci, si] if m.goal == g)
            if n:
                scored.append((-n, rank * 10_000 + si, sentence))
    scored.sort()
    chosen = [_clip(s) for _, _, s in scored[:MAX_EVIDENCE]]
    if not chosen and chunks[order[0]].sentences:
        chosen = [_clip(chunks[order[0]].sentences[0])]
    return chosen
