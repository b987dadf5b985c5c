"""Fixtures of the ingest tests: a PDF rendering of the seed report, documents built in code."""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_commonground_root_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Test modules elsewhere write `from conftest import need`; the folder conftest imported last
# answers to that name, so this one answers with the root conftest's helpers too.
_ROOT = _root_conftest()
need = _ROOT.need
load_script = _ROOT.load_script
SHARED: Path = _ROOT.SHARED
SEED_REPORT: Path = _ROOT.SEED_REPORT
REQUIRE_ALL: bool = _ROOT.REQUIRE_ALL


@pytest.fixture(autouse=True)
def _no_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SDG mapper is another domain's subject: the CLI runs here without it."""
    monkeypatch.setenv("COMMONGROUND_AUTO_MAP_SDGS", "0")
    yield


def _inline(text: str) -> str:
    """Markdown inline markup to reportlab's paragraph mark-up."""
    text = text.replace("\\$", "$")
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    keep = re.compile(r"</?(?:b|i|sub|sup)>")
    parts = keep.split(text)
    tags = keep.findall(text)
    out = html.escape(parts[0], quote=False)
    for tag, part in zip(tags, parts[1:], strict=True):
        out += tag + html.escape(part, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"\*(.+?)\*", r"<i>\1</i>", out)
    return out.replace("\t", "    ")


def _blocks(source: Path) -> Iterator[tuple[int, str] | None]:
    """(heading level or 0, text) of each Markdown block; None where a page ended (three or
    more blank lines in a row, as the report's own page ends were converted)."""
    for chunk in re.split(r"\n[ \t]*\n[ \t]*\n[ \t]*\n+", source.read_text(encoding="utf-8")):
        for block in re.split(r"\n[ \t]*\n", chunk):
            block = block.strip()
            if not block or re.fullmatch(r"-{3,}", block):
                continue
            m = re.match(r"(#{1,6})\s+(.*)", block, re.S)
            if m:
                yield len(m.group(1)), m.group(2).strip()
            else:
                yield 0, block
        yield None


def _plain(text: str) -> str:
    text = re.sub(r"</?(?:b|i|sub|sup)>|\*+", "", text.replace("\\$", "$"))
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)


def render_markdown_docx(source: Path, target: Path) -> Path:
    """The Markdown's headings as Word headings, its paragraphs as paragraphs, its page ends
    as page breaks."""
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    for item in _blocks(source):
        if item is None:
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif item[0]:
            d.add_heading(_plain(item[1]), level=min(item[0], 3))
        else:
            for line in re.split(r" {2,}\n|\n(?=\S)", item[1]):
                d.add_paragraph(_plain(line).replace("\n", " "))
    d.save(str(target))
    return target


def render_markdown_html(source: Path, target: Path) -> Path:
    """The Markdown as an HTML page: h1/h2 headings, paragraphs with <br> line breaks."""
    parts = ["<!doctype html><html><head><meta charset='utf-8'>"
             "<title>report</title></head><body>"]
    for item in _blocks(source):
        if item is None:
            parts.append("<hr>")
        elif item[0]:
            parts.append(f"<h{item[0]}>{html.escape(_plain(item[1]))}</h{item[0]}>")
        else:
            lines = [html.escape(_plain(x)) for x in re.split(r" {2,}\n|\n", item[1])]
            parts.append("<p>" + "<br>".join(lines) + "</p>")
    target.write_text("\n".join(parts) + "</body></html>", encoding="utf-8")
    return target


def render_markdown_pdf(source: Path, target: Path, pagesize: tuple[float, float] | None = None,
                        ) -> Path:
    """Headings and paragraphs of a Markdown file on A4 (or ``pagesize``) pages; three or
    more blank lines in a row (where the report's own pages ended) become a page break."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story: list[object] = []
    for item in _blocks(source):
        if item is None:
            story.append(PageBreak())
        elif item[0]:
            style = styles["Heading1" if item[0] == 1 else "Heading2"]
            story.append(Paragraph(_inline(item[1]), style))
        else:
            block = item[1]
            for line in re.split(r"\n(?!\s*[a-z])", block) if "\t" in block else [block]:
                text = _inline(re.sub(r" {2,}\n", "<br/>", line.strip()).replace("\n", " "))
                text = text.replace("&lt;br/&gt;", "<br/>")
                story.append(Paragraph(text, styles["BodyText"]))
            story.append(Spacer(1, 4))
    SimpleDocTemplate(str(target), pagesize=pagesize or A4, title=source.stem).build(story)
    return target


@pytest.fixture(scope="session")
def _pdf_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    return {}


@pytest.fixture
def seed_pdf(seed_report: Path, _pdf_cache: dict[Path, Path],
             tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed report rendered to PDF once per test session."""
    if seed_report not in _pdf_cache:
        folder = tmp_path_factory.mktemp("seed-pdf")
        _pdf_cache[seed_report] = render_markdown_pdf(seed_report,
                                                      folder / f"{seed_report.stem}.pdf")
    return _pdf_cache[seed_report]


@pytest.fixture
def render_seed(seed_report: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Render the seed report as 'docx', 'html', 'pdf-a5' (narrow pages) or 'no-contents'
    (the Markdown without its contents page) into tmp_path."""
    def render(fmt: str) -> Path:
        if fmt == "no-contents":
            text = seed_report.read_text(encoding="utf-8")
            cut = re.sub(r"(?ms)^# Contents$.*?(?=^# )", "", text, count=1)
            assert cut != text
            target = tmp_path / "seed-without-contents.md"
            target.write_text(cut, encoding="utf-8")
            return target
        if fmt == "docx":
            return render_markdown_docx(seed_report, tmp_path / "seed.docx")
        if fmt == "html":
            return render_markdown_html(seed_report, tmp_path / "seed.html")
        from reportlab.lib.pagesizes import A5

        return render_markdown_pdf(seed_report, tmp_path / "seed.pdf", pagesize=A5)

    return render
