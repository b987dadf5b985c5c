"""Text handling for the SDG mapper: validation, sentences, chunks, a rough language guess."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from commonground.errors import InvalidInput

# a sentence ends at . ! ? (or their CJK forms) followed by space, or at a blank line
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[\"'“(\[]?[A-ZÀ-ÖØ-Þ0-9¿¡])|\n\s*\n+")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# the word that ends just before a stop, its stop included
_LAST_WORD = re.compile(r"(?:^|[\s(\[])([^\s(\[]+)$")
#: abbreviations a sentence rarely ends with (titles, Latin, Spanish and French forms)
_ABBREVIATIONS = frozenset((
    "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "sr.", "sra.", "srta.", "dra.", "mme.",
    "mlle.", "e.g.", "i.e.", "cf.", "vs.", "approx.", "ca.", "av.", "ave.", "dept."))
#: abbreviations of a number's kind, only before a number: "No. 5", "pop. 1,847,000"
#: ("No." only with its capital: "dijo que no. 2020 fue" ends a sentence)
_BEFORE_NUMBERS = frozenset((
    "No.", "Nos.", "núm.", "Núm.", "art.", "Art.", "sec.", "vol.", "Vol.", "p.", "pp.", "fig.",
    "Fig.", "pop.", "op."))
#: initials: "U.N.", "J."
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
#: words that begin a sentence far more often than they follow initials: after "U.S." or
#: "vitamin A." one of them starts a new sentence ("… in Washington D.C. The next day …")
_SENTENCE_STARTERS = frozenset((
    "The", "A", "An", "This", "That", "These", "Those", "It", "Its", "In", "On", "At", "For",
    "We", "They", "He", "She", "Our", "Their", "There", "But", "And", "As", "By", "With",
    "El", "La", "Los", "Las", "Le", "Les", "Un", "Una", "Une", "O", "Os", "Em", "En"))

#: frequent function words; enough to tell the four languages the mapper is tested on
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split()) for lang, words in {
        "en": "the and of to in is are for with that this on by from be as",
        "es": "el la los las de del y en que por para con una un es se su al",
        "fr": "le la les des de du et en que pour avec une un est sur au aux dans",
        "pt": "o a os as de do da dos das e em que para com uma um é no na ao pelo",
    }.items()
}
_LANGUAGES = tuple(_STOPWORDS)
#: each function word's languages (indexes into _LANGUAGES): one lookup per word of the text
_LANGUAGES_OF: dict[str, tuple[int, ...]] = {
    word: tuple(i for i, lang in enumerate(_LANGUAGES) if word in _STOPWORDS[lang])
    for word in frozenset().union(*_STOPWORDS.values())
}


def check_text(text: object, *, where: str = "text") -> str:
    """The text itself, or InvalidInput when it is not a non-blank string."""
    if not isinstance(text, str):
        raise InvalidInput(
            f"{where} must be a string, got {type(text).__name__}; pass the document's text "
            "(read files first, e.g. Path(...).read_text())"
        )
    if not text.strip():
        raise InvalidInput(f"{where} is empty; pass a non-blank snippet or document to map")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: bytes decoded with errors kept
            raise InvalidInput(
                f"{where} is not valid Unicode text (character {exc.start}, "
                f"{text[exc.start]!r}, is half of a pair); decode the source as UTF-8 and "
                "pass the text again") from None
    if not has_words(text):
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
        raise InvalidInput(f"{where} has no words ({shown!r}): numbers and punctuation alone "
                           "say nothing about the goals; pass the text itself")
    return text


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter of any script: a text without one ('12345', '-')
    would still get the goals' base rates, which answer nothing."""
    return _WORD.search(text) is not None


def check_texts(texts: object) -> list[str]:
    """A list of valid texts, or InvalidInput naming the first offending item."""
    if isinstance(texts, str | bytes) or not isinstance(texts, Sequence):
        raise InvalidInput(
            f"texts must be a sequence of strings, got {type(texts).__name__}; "
            "wrap a single text in a list or use map(text)"
        )
    return [check_text(t, where=f"texts[{i}]") for i, t in enumerate(texts)]


def sentences(text: str) -> list[str]:
    """Sentences (or short paragraphs) of a text, whitespace-normalised, blanks dropped."""
    parts = (_WS.sub(" ", p).strip() for p in _raw_sentences(text))
    return [p for p in parts if p]


def _raw_sentences(text: str) -> list[str]:
    """The text cut at sentence ends, as written; not after an abbreviation ("pop. 1,847,000",
    "Dr. Mehta", "U.N. agencies"), which a stop followed by a capital or a digit resembles."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        gap = m.group(0)
        # a blank line or a page break (form feed) always ends a sentence
        if gap.count("\n") < 2 and "\f" not in gap and _abbreviation_before(
                text, m.start(), m.end()):
            continue
        out.append(text[start:m.start()])
        start = m.end()
    out.append(text[start:])
    return out


def _abbreviation_before(text: str, stop: int, after: int) -> bool:
    word = _LAST_WORD.search(text, max(0, stop - 12), stop)
    if word is None:
        return False
    token = word.group(1)
    if _INITIALS.fullmatch(token):
        following = text[after:after + 16].split(maxsplit=1)
        return not following or following[0] not in _SENTENCE_STARTERS
    return token.lower() in _ABBREVIATIONS or (
        token in _BEFORE_NUMBERS and text[after:after + 1].isdigit())


@dataclass(frozen=True)
class Chunk:
    """A window of whole sentences: its text, whitespace-normalised, and its sentences.

    A one-chunk text is split into sentences only when they are asked for (the evidence):
    prediction reads the chunk's text alone, and splitting is a tenth of the fast mode.
    """

    text: str
    given: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    source: str = field(default="", repr=False, compare=False)

    @property
    def sentences(self) -> tuple[str, ...]:
        if self.given is None:
            object.__setattr__(self, "given", tuple(sentences(self.source)))
        assert self.given is not None
        return self.given


def chunks(text: str, *, max_words: int = 160) -> list[Chunk]:
    """Windows of whole sentences of at most about ``max_words`` words each.

    A text shorter than the window is one chunk, so a benchmark-sized snippet is embedded
    once, exactly as written. A sentence longer than the window (a list without full stops,
    text without capitals after its stops) is cut at its line breaks, and a line still
    longer into runs of ``max_words`` words: the encoder reads at most 256 word pieces, so
    one such sentence as a chunk would lose everything after its first 150 or so words.
    """
    # sentences split only at whitespace, so their words are the text's words
    if len(text.split()) <= max_words:
        return [Chunk(_WS.sub(" ", text).strip(), source=text)]
    out: list[Chunk] = []
    cur: list[str] = []
    n = 0
    for s in _pieces(text, max_words):
        w = len(s.split())
        if cur and n + w > max_words:
            out.append(Chunk(" ".join(cur), tuple(cur)))
            cur, n = [], 0
        cur.append(s)
        n += w
    if cur:
        out.append(Chunk(" ".join(cur), tuple(cur)))
    return out


def _pieces(text: str, max_words: int) -> list[str]:
    """``sentences(text)``, each longer than ``max_words`` words cut at its line breaks and
    then into runs of ``max_words`` words."""
    out: list[str] = []
    for raw in _raw_sentences(text):
        words = raw.split()
        if len(words) <= max_words:
            if words:
                out.append(" ".join(words))
            continue
        for line in raw.splitlines():
            words = line.split()
            out.extend(" ".join(words[i:i + max_words]) for i in range(0, len(words), max_words))
    return out


def guess_language(text: str) -> str | None:
    """'en', 'es', 'fr' or 'pt' from function-word counts; None when unclear."""
    # answers guess a document and each of its chunks, which for a snippet are the same
    # words: the cache makes the second guess free. It is keyed by the head's length and
    # hash, so it holds no user text; a collision needs both to agree (about 2^-64).
    head = text[:5000]
    key = (len(head), hash(head))
    found = _GUESSED.get(key, _UNSEEN)
    if found is not _UNSEEN:
        return found  # type: ignore[return-value]
    lang = _guess(head)
    if len(_GUESSED) >= _GUESSES_KEPT:  # bounded: start again rather than track ages
        _GUESSED.clear()
    _GUESSED[key] = lang
    return lang


_GUESSES_KEPT = 4096
_GUESSED: dict[tuple[int, int], str | None] = {}
_UNSEEN = object()


def _guess(head: str) -> str | None:
    words = _WORD.findall(head)
    if not words:
        return None
    counts = [0] * len(_LANGUAGES)
    for word in map(str.lower, words):
        for i in _LANGUAGES_OF.get(word, ()):
            counts[i] += 1
    best = max(range(len(_LANGUAGES)), key=counts.__getitem__)  # the first on a tie
    if counts[best] < max(2, 0.05 * len(words)):
        return None
    return _LANGUAGES[best]
