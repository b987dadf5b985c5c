"""Bad input through the CLI: one line naming the file and the problem, exit 3, store unchanged."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from commonground.cli import main

GOOD = """# Rain gardens

*Malmö, Sweden*

Malmö built rain gardens from 2010. Flood damage fell by 35% (SDG 6).
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _pdf(path: Path, pages: int = 1, password: str | None = None) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password + "-owner",
                       algorithm="RC4-128")
    with path.open("wb") as f:
        writer.write(f)
    return path


def _text_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(72, 720, "Malmo, Sweden")
    c.drawString(72, 700, "Rain gardens cut flood damage by 35% (SDG 6).")
    c.save()
    return path


def _corrupt_pdf(path: Path) -> Path:
    good = _text_pdf(path.with_name("whole.pdf")).read_bytes()
    path.write_bytes(good[:200] + b"\x00garbage\xff" * 50)
    return path


BAD: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "empty": ("empty.md", lambda p: (p.write_bytes(b""), p)[1], "the file is empty"),
    "blank": ("blank.txt", lambda p: (p.write_text(" \n\n\t\n"), p)[1], "the file is empty"),
    "binary garbage": ("garbage.md", lambda p: (p.write_bytes(bytes(range(256)) * 8), p)[1],
                       "binary data, not text"),
    "wrong extension": ("sheet.xlsx", lambda p: (p.write_bytes(b"PK\x03\x04 not a report"), p)[1],
                        "unsupported file type '.xlsx'"),
    "no extension": ("README", lambda p: (p.write_text(GOOD), p)[1],
                     "unsupported file type '(no extension)'"),
    "encrypted PDF": ("locked.pdf", lambda p: _pdf(p, password="secret"), "the PDF is encrypted"),
    "corrupt PDF": ("broken.pdf", _corrupt_pdf, "the PDF is damaged"),
    "PDF without a header": ("fake.pdf", lambda p: (p.write_bytes(b"hello" * 100), p)[1],
                             "not a PDF"),
    "500-page PDF": ("huge.pdf", lambda p: _pdf(p, pages=500),
                     "500 pages is more than the limit of 300"),
    "non-UTF-8 text": ("latin1.txt",
                       lambda p: (p.write_bytes(GOOD.encode("latin-1")), p)[1],
                       "not UTF-8 text (byte 0xf6 at offset"),
    "no case study": ("notes.md",
                      lambda p: (p.write_text("# Notes\n\nWe met on Tuesday to plan.\n"), p)[1],
                      "no case study recognised: no city and country found"),
    "scanned PDF": ("scan.pdf", lambda p: _pdf(p, pages=2), "no text found in the pdf file"),
    "corrupt DOCX": ("broken.docx", lambda p: (p.write_bytes(b"PK\x03\x04" + b"\x00" * 64), p)[1],
                     "DOCX"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_in_one_line_and_the_store_is_unchanged(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    assert _run(capsys, "ingest", str(good))[0] == 0
    before = _run(capsys, "export")[1]
    name, make, message = BAD[case]
    path = make(tmp_path / name)
    started = time.perf_counter()
    rc, out, err = _run(capsys, "ingest", str(path))
    assert rc == 3, err
    assert err.count("\n") == 1 and err.startswith(f"error: {name}: ") and message in err, err
    assert out == ""
    assert time.perf_counter() - started < 5
    assert _run(capsys, "export")[1] == before


def test_a_bad_file_in_a_folder_stops_the_whole_ingest(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.md").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_bytes("Café, France\n\ncafé".encode("latin-1"))
    rc, _, err = _run(capsys, "ingest", str(folder))
    assert rc == 3 and "b.txt: not UTF-8 text" in err
    assert _run(capsys, "export")[1].strip() == "[]"
    (folder / "b.txt").unlink()
    (folder / "notes.xlsx").write_bytes(b"ignored: not a supported type inside a folder")
    rc, out, _ = _run(capsys, "ingest", str(folder))
    assert rc == 0 and "1 added" in out


def test_missing_path_and_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(capsys, "ingest", str(tmp_path / "nope.pdf"))
    assert rc == 2 and "nope.pdf: no such file or folder" in err
    (tmp_path / "empty").mkdir()
    rc, _, err = _run(capsys, "ingest", str(tmp_path / "empty"))
    assert rc == 3 and "holds no file ingest reads" in err


def test_the_page_limit_is_checked_before_any_text_is_read(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PageObject

    from commonground.errors import InvalidDocument
    from commonground.ingest import read_document
    from commonground.settings import load_settings

    path = _pdf(tmp_path / "huge.pdf", pages=500)

    def boom(self: PageObject, *args: object, **kwargs: object) -> str:
        raise AssertionError("text extracted from a PDF over the page limit")

    monkeypatch.setattr(PageObject, "extract_text", boom)
    with pytest.raises(InvalidDocument, match=r"huge\.pdf: 500 pages"):
        read_document(path, load_settings({}))
    raised = load_settings({"COMMONGROUND_MAX_PDF_PAGES": "600"})
    with pytest.raises(AssertionError, match="over the page limit"):
        read_document(path, raised)


def test_a_damaged_pdf_prints_exactly_one_line_from_a_real_process(tmp_path: Path) -> None:
    path = _corrupt_pdf(tmp_path / "broken.pdf")
    done = subprocess.run([sys.executable, "-m", "commonground", "ingest", str(path), "--dry-run"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: broken.pdf: the PDF "
                                                                     "is damaged"), done.stderr
