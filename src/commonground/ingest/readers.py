"""Readers: Markdown, plain text, PDF, DOCX and HTML files to a :class:`Document`.

Every check that can refuse a file cheaply (size, emptiness, type, encryption, page count)
runs before any text is extracted.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import struct
import warnings
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

from commonground.errors import InvalidDocument
from commonground.ingest.document import Document, page_starts_at_form_feeds
from commonground.settings import Settings

KINDS: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html",
}
SUPPORTED = ", ".join(sorted(KINDS))


def kind_of(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def read_document(path: Path, settings: Settings) -> Document:
    """Read one file; raise :class:`InvalidDocument` naming the file and the problem."""
    name = path.name
    kind = kind_of(path)
    if kind is None:
        shown = path.suffix or "(no extension)"
        raise InvalidDocument(f"{name}: unsupported file type {shown!r}; "
                              f"ingest reads {SUPPORTED} (convert the file to one of these)")
    try:
        size = path.stat().st_size
        if size > settings.max_document_mb * 1024 * 1024:
            raise InvalidDocument(
                f"{name}: {size / 1024 / 1024:.1f} MiB is larger than the "
                f"{settings.max_document_mb} MiB limit; split the document or raise "
                "COMMONGROUND_MAX_DOCUMENT_MB")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidDocument(f"{name}: cannot be read ({exc.strerror or exc}); "
                              "check the path and its permissions") from None
    if not data.strip():
        raise InvalidDocument(f"{name}: the file is empty; nothing to ingest")
    if kind == "pdf":
        doc = _read_pdf(name, data, settings)
    elif kind == "docx":
        doc = _read_docx(name, data)
    elif kind == "html":
        doc = _read_html(name, data)
    else:
        text = _decode_text(name, data)
        doc = Document(name, text, page_starts_at_form_feeds(text), kind)
    if not doc.text.strip():
        raise InvalidDocument(f"{name}: no text found in the {kind} file; "
                              "if it is a scan, run OCR on it first")
    return doc


# -- text ----------------------------------------------------------------------------------

def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample) // 100)


def _decode_text(name: str, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidDocument(f"{name}: starts with a UTF-16 mark but is not valid UTF-16; "
                                  "re-save it as UTF-8") from None
    else:
        if _looks_binary(data):
            hint = " (it looks like a PDF: name it .pdf)" if data.startswith(b"%PDF") else ""
            raise InvalidDocument(f"{name}: binary data, not text{hint}; "
                                  f"ingest reads {SUPPORTED}")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidDocument(
                f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "re-save the file as UTF-8 and ingest it again") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- PDF -----------------------------------------------------------------------------------

def _read_pdf(name: str, data: bytes, settings: Settings) -> Document:
    # pypdf logs what it repairs; the one-line error below (or the text) is what users need
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_pdf_quietly(name, data, settings)
    finally:
        pypdf_log.setLevel(level)


def _read_pdf_quietly(name: str, data: bytes, settings: Settings) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise InvalidDocument(f"{name}: not a PDF (no %PDF header); check that the file is "
                              "complete, or give it the extension of its real type")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except (PyPdfError, NotImplementedError, ValueError):
                opened = False
            if not opened:
                raise InvalidDocument(f"{name}: the PDF is encrypted; export an unencrypted "
                                      "copy and ingest that")
        count = len(reader.pages)
        if count > settings.max_pdf_pages:
            raise InvalidDocument(
                f"{name}: {count} pages is more than the limit of {settings.max_pdf_pages}; "
                "split the PDF or raise COMMONGROUND_MAX_PDF_PAGES")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InvalidDocument:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            OSError, zlib.error, struct.error, RecursionError) as exc:
        raise InvalidDocument(f"{name}: the PDF is damaged and cannot be read "
                              f"({type(exc).__name__}: {str(exc)[:120]}); "
                              "re-export it from the original") from None
    if count == 0:
        raise InvalidDocument(f"{name}: the PDF has no pages; nothing to ingest")
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for text in pages:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
        starts.append(offset)
        parts.append(text)
        offset += len(text) + 1
    return Document(name, "\f".join(parts), tuple(starts), "pdf")


# -- DOCX ----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(name: str, data: bytes) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError  # type: ignore[import-untyped]

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidDocument(f"{name}: not a DOCX file (not a zip archive); save it from the "
                              "word processor as .docx")
    try:
        d = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in d.element.body.iterchildren():
            if block.tag == f"{_W}p":
                lines.append(_docx_paragraph(block))
            elif block.tag == f"{_W}tbl":
                for row in block.iter(f"{_W}tr"):
                    cells = ["".join(t.text or "" for t in c.iter(f"{_W}t"))
                             for c in row.iter(f"{_W}tc")]
                    lines.append(" | ".join(c.strip() for c in cells))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile,
            XMLSyntaxError) as exc:
        raise InvalidDocument(f"{name}: the DOCX is damaged and cannot be read "
                              f"({type(exc).__name__}); re-save it from the word processor"
                              ) from None
    text = "\n\n".join(lines).replace("\n\n\f", "\f").replace("\f\n\n", "\f")
    return Document(name, text, page_starts_at_form_feeds(text), "docx")


def _docx_paragraph(p: object) -> str:
    """One paragraph as Markdown-like text: headings get '#' marks, page breaks a form feed."""
    parts: list[str] = []
    for el in p.iter():  # type: ignore[attr-defined]
        if el.tag == f"{_W}t":
            parts.append(el.text or "")
        elif el.tag == f"{_W}tab":
            parts.append("\t")
        elif el.tag == f"{_W}br":
            parts.append("\f" if el.get(f"{_W}type") == "page" else "\n")
        elif el.tag == f"{_W}lastRenderedPageBreak":
            parts.append("\f")
    text = "".join(parts).strip(" ")
    style = p.find(f"{_W}pPr/{_W}pStyle")  # type: ignore[attr-defined]
    style_id = style.get(f"{_W}val") if style is not None else ""
    m = re.match(r"(?i)heading(\d)$", style_id or "")
    if m and text.strip():
        return "#" * int(m.group(1)) + " " + text.strip()
    if (style_id or "").lower() == "title" and text.strip():
        return "# " + text.strip()
    return text


# -- HTML ----------------------------------------------------------------------------------

_BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "table",
          "tr", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "figure", "figcaption",
          "hr", "address", "body"}
_SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "nav"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        style = (dict(attrs).get("style") or "").replace(" ", "").lower()
        if "page-break-before:always" in style or "break-before:page" in style:
            self.out.append("\f")
        if re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCK:
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("br", "td", "th"):
            self.out.append("\n" if tag == "br" else " | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in _BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def _read_html(name: str, data: bytes) -> Document:
    if _looks_binary(data):
        raise InvalidDocument(f"{name}: binary data, not HTML; ingest reads {SUPPORTED}")
    m = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.I)
    encoding = m.group(1).decode("ascii", "replace") if m else "utf-8"
    try:
        raw = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise InvalidDocument(f"{name}: not valid {encoding} text; re-save the page as UTF-8"
                              ) from None
    parser = _TextParser()
    parser.feed(raw)
    parser.close()
    lines = [line.strip(" \t\r\v") for line in "".join(parser.out).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    text = re.sub(r"\s*\f\s*", "\f", text)
    return Document(name, text, page_starts_at_form_feeds(text), "html")
