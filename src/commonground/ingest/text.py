"""Offset-preserving views of a document's text: masked markup, folded case, lines, sentences.

Every view has exactly the length of the original text, so a match in a view is a match
at the same offsets in the document, and provenance needs no mapping back.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>")
_HEADING = re.compile(r"(?m)(?:^|(?<=\f))[ \t]*(#{1,6})[ \t]+")
_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!$|])")
_LINK = re.compile(r"\[([^\]\n]{1,200})\]\([^)\s]{1,500}\)")
_RULE = re.compile(r"(?m)(?:^|(?<=\f))[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$")
_QUOTE = re.compile(r"(?m)(?:^|(?<=\f))[ \t]*>")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\n\f":
            chars[i] = " "


def mask(text: str) -> str:
    """Replace Markdown and inline HTML markup with spaces, keeping every offset."""
    chars = list(text)
    for m in _TAG.finditer(text):
        _blank(chars, m.start(), m.end())
    for m in _LINK.finditer(text):
        _blank(chars, m.start(), m.start(1))
        _blank(chars, m.end(1), m.end())
    for rx in (_ESCAPE, _RULE, _QUOTE, _UNDERSCORE):
        for m in rx.finditer(text):
            _blank(chars, m.start(), m.end())
    for m in _HEADING.finditer(text):
        _blank(chars, m.start(1), m.end(1))
    out = "".join(chars).replace("*", " ").replace("\t", " ").replace("\u00a0", " ")
    return out.replace("\u200b", " ")


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)[:1] or ch
    low = base.lower()
    return low[0] if low else base


def fold(text: str) -> str:
    """Lower case without accents, one character for one character."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def squash(text: str) -> str:
    """Collapse whitespace to single spaces (for descriptions and titles)."""
    return re.sub(r"\s+", " ", text).strip()


def words_pattern(phrase: str) -> str | None:
    """A regex matching ``phrase``'s words in folded text, across markup and line breaks."""
    words = re.findall(r"\w+", fold(phrase))
    if not words:
        return None
    return r"(?<!\w)" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?!\w)"


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str  # masked and stripped
    level: int  # Markdown heading level, 0 for a plain line

    @property
    def blank(self) -> bool:
        return not self.text


_ABBREV = {"u.s", "e.g", "i.e", "etc", "pop", "no", "st", "dr", "mr", "mrs", "ms", "approx",
           "vs", "inc", "ltd", "co", "al", "fig", "p", "pp", "vol", "ca", "jr", "sr", "mt"}
_CONNECTOR_END = re.compile(r"(?:[,;(\-–—/]|\b(?:and|or|of|the|to|in|for|with|a|an|by|at))$",
                            re.I)


class Text:
    """Views of one document text used by splitting and extraction."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.masked = mask(raw)
        self.folded = fold(self.masked)

    @cached_property
    def lines(self) -> list[Line]:
        out: list[Line] = []
        pos = 0
        for piece in re.split(r"([\n\f])", self.masked):
            if piece in ("\n", "\f"):
                pos += 1
                continue
            level = 0
            m = _HEADING.match(self.raw, pos)
            if m and m.start() == pos and m.end() <= pos + len(piece):
                level = len(m.group(1))
            out.append(Line(pos, pos + len(piece), piece.strip(), level))
            pos += len(piece)
        return out

    @cached_property
    def wide(self) -> int:
        """A typical full line length (90th percentile): shorter lines end paragraphs in PDFs."""
        lengths = sorted(len(line.text) for line in self.lines if line.text)
        return lengths[int(len(lengths) * 0.9)] if lengths else 80

    def line_at(self, offset: int) -> int:
        """Index into :attr:`lines` of the line holding ``offset``."""
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _breaks_between(self, a: Line, b: Line, blank_between: bool) -> bool:
        if a.level or b.level:
            return True
        if re.search(r"[.!?:]['\"’”)]*$", a.text):
            return True
        if _CONNECTOR_END.search(a.text):
            return False
        if not re.match(r"[\"“'‘(]?[A-Z0-9•\-]", b.text):
            return False
        return blank_between or len(a.text) < 0.7 * self.wide

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans: punctuation-ended, or ended by a heading or paragraph break."""
        cuts: set[int] = set()
        prev: Line | None = None
        blank = False
        for line in self.lines:
            if line.blank:
                blank = True
                continue
            if prev is not None and self._breaks_between(prev, line, blank):
                cuts.add(prev.end)
            prev, blank = line, False
        for m in re.finditer(r"[.!?]['\"’”)]*(?=\s+['\"“‘(]?[A-Z0-9])", self.masked):
            before = re.search(r"([\w.]+)\.?$", self.masked[max(0, m.start() - 12):m.start()])
            word = before.group(1).lower() if before else ""
            if m.group(0).startswith(".") and (word in _ABBREV or re.fullmatch(r"[a-z]", word)
                                               or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word)):
                continue
            cuts.add(m.end())
        spans: list[tuple[int, int]] = []
        start = 0
        for cut in [*sorted(cuts), len(self.masked)]:
            s, e = _trim(self.masked, start, cut)
            if e > s:
                spans.append((s, e))
            start = cut
        return spans

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def sentences_in(self, start: int, end: int) -> list[tuple[int, int]]:
        first = max(0, bisect_right(self._sentence_starts, start) - 1)
        out: list[tuple[int, int]] = []
        for s, e in self.sentences[first:]:
            if s >= end:
                break
            if e > start:
                out.append((max(s, start), min(e, end)))
        return out

    def sentence_at(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self._sentence_starts, offset) - 1
        if i >= 0:
            s, e = self.sentences[i]
            if s <= offset < e:
                return s, e
        return offset, offset

    def clean(self, start: int, end: int) -> str:
        return squash(self.masked[start:end])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER = re.compile(_NUMBER)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100}


def to_number(digits: str, scale: str | None = None) -> float:
    value = float(digits.replace(",", ""))
    if scale:
        value *= _SCALE.get(scale.lower(), 1.0)
    return value
