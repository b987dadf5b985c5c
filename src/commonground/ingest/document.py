"""A document as ingest sees it: its text and a page map from character offsets to pages."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from commonground.catalog import Source


@dataclass(frozen=True)
class Document:
    """Extracted text of one file.

    ``page_starts[i]`` is the offset where page ``i + 1`` begins (``page_starts[0] == 0``).
    Offsets count characters of ``text`` (line endings normalised to ``\\n``); for PDFs pages
    are separated by a form feed, so ``text.split("\\f")`` gives the pages back.
    """

    name: str
    text: str
    page_starts: tuple[int, ...]
    kind: str

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_of(self, offset: int) -> int:
        """1-based page of the character at ``offset``."""
        return max(1, bisect_right(self.page_starts, offset))

    def locator(self, start: int, end: int) -> str:
        first, last = self.page_of(start), self.page_of(max(start, end - 1))
        pages = f"p. {first}" if first == last else f"pp. {first}-{last}"
        return f"{pages}, chars {start}-{end}"

    def source(self, start: int, end: int) -> Source:
        return Source(document=self.name, locator=self.locator(start, end),
                      page=self.page_of(start), start=start, end=end)


def page_starts_at_form_feeds(text: str) -> tuple[int, ...]:
    """Pages of a text format: a form feed starts a new page; without one it is all page 1."""
    starts = [0]
    pos = text.find("\f")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\f", pos + 1)
    return tuple(starts)
