"""Corpus mapping refuses what it cannot read or write, with the place and the fix."""

from __future__ import annotations

import csv
import errno
import gzip
import json
import math
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import commonground.batch.parts
import commonground.sdg
from commonground.batch import iter_batches, map_corpus, parts_dir
from commonground.batch.dask_runner import dask_client
from commonground.errors import InvalidInput

from cli_helpers import run
from fakes import FakeMapper, FakeSource, corpus_rows, fake_load_mapper, write_corpus


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def refusal(corpus: Path, out: Path, **options: Any) -> str:
    """The message of the InvalidInput that mapping ``corpus`` into ``out`` raises."""
    options.setdefault("source", FakeSource())
    with pytest.raises(InvalidInput) as exc:
        map_corpus(corpus, out, text_column="text", **options)
    return exc.value.message


# 1. encodings

def test_a_csv_that_is_not_utf8_exits_2_naming_its_first_bad_byte(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"id,text\n1,caf\xe9 water\n")  # in the reader's first block
    rc, _, err = run(capsys, "sdg", "map-corpus", str(latin), "--text-column", "text",
                     "--out", str(tmp_path / "o.jsonl"))
    assert rc == 2 and err.count("\n") == 1, err
    assert "latin.csv: not UTF-8 at byte offset 13 (line 2" in err
    assert "re-save the CSV as UTF-8" in err

    packed = tmp_path / "packed.csv"
    packed.write_bytes(gzip.compress(b"id,text\n1,water\n"))
    rc, _, err = run(capsys, "sdg", "map-corpus", str(packed), "--text-column", "text",
                     "--out", str(tmp_path / "o.jsonl"))
    assert rc == 2 and "packed.csv is gzip-compressed" in err and "decompress it" in err


def test_a_bad_byte_far_into_a_csv_is_placed_exactly(tmp_path: Path) -> None:
    # records of two lines, CRLF line ends: the reader decodes blocks ahead of its line count
    data = b"id,text\r\n" + b"".join(b'%d,"water %d\r\nmore"\r\n' % (i, i) for i in range(4000))
    bad = len(data) - 30
    corpus = tmp_path / "far.csv"
    corpus.write_bytes(data[:bad] + b"\xff" + data[bad:])
    line = data[:bad].count(b"\n") + 1
    assert f"at byte offset {bad} (line {line}: invalid start byte)" in refusal(
        corpus, tmp_path / "o.jsonl")


# 2. the output location

def test_the_output_location_is_checked_before_any_mapping(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.csv", [{"text": "clean water"}])
    broken = FakeSource(fail=True)  # loading it would raise ModelError: nothing gets that far
    (tmp_path / "a-file").write_text("x")
    assert refusal(corpus, tmp_path / "a-file" / "sub" / "o.csv", source=broken).endswith(
        "a-file is a file, not a folder; choose another --out")
    (tmp_path / "folder.csv").mkdir()
    for overwrite in (False, True):
        message = refusal(corpus, tmp_path / "folder.csv", source=broken, overwrite=overwrite)
        assert "folder.csv is a folder; give a file path, such as" in message
        assert message.endswith(str(tmp_path / "folder.csv" / "sdgs.csv"))
    if sys.platform == "linux":  # /proc takes no new files, not even root's
        assert "--out /proc/x.csv cannot be written in /proc (" in refusal(
            corpus, Path("/proc/x.csv"), source=broken)
    assert not list((tmp_path / "folder.csv").iterdir())


@pytest.mark.parametrize("rows", [0, 3])
def test_a_missing_output_folder_is_created_with_rows_or_without(tmp_path: Path,
                                                                  rows: int) -> None:
    corpus = tmp_path / "in.csv"
    corpus.write_text("id,text\n" + "".join(f"{i},water {i}\n" for i in range(rows)))
    out = tmp_path / "new" / "sub" / "o.csv"
    report = map_corpus(corpus, out, text_column="text", source=FakeSource())
    assert report.rows == rows and len(out.read_text().splitlines()) == rows + 1
    assert [p.name for p in out.parent.iterdir()] == ["o.csv"]


def test_a_failed_write_is_an_error_naming_the_file_and_leaves_no_half_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(25))
    out = tmp_path / "o.jsonl"
    out.write_text("the earlier output\n")

    def full(*args: Any, **kwargs: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(commonground.batch.parts, "write_output", full)
    with pytest.raises(InvalidInput, match=r"cannot write .*\.o\.jsonl\.tmp \(No space left on "
                                           r"device\); free some space .* rerun the same command"):
        map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource(),
                   overwrite=True)
    assert out.read_text() == "the earlier output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "o.jsonl", "o.jsonl.parts"]
    monkeypatch.undo()
    report = map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource(),
                        overwrite=True)
    assert (report.resumed_batches, report.rows) == (3, 25)

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(InvalidInput, match=r"cannot write .*o2\.jsonl\.parts/part-000000"):
        map_corpus(corpus, tmp_path / "o2.jsonl", text_column="body", batch_size=10,
                   source=FakeSource())
    assert not (tmp_path / "o2.jsonl").exists()
    assert not list(parts_dir(tmp_path / "o2.jsonl").glob("*.tmp"))


# 3. missing values

def test_null_nan_and_wordless_text_are_missing(tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    # json.dumps writes pandas' missing values as NaN
    jsonl.write_text("".join(json.dumps({"text": t}) + "\n"
                             for t in [math.nan, None, "clean water", 42, 1.5, "-", "2030 agua"]))
    parquet = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": pa.array([math.nan, None, 2.5], pa.float64())}), parquet)
    for corpus, mapped in [(jsonl, [2, 6]), (parquet, [])]:
        out = tmp_path / f"{corpus.suffix[1:]}.jsonl"
        report = map_corpus(corpus, out, text_column="text", source=FakeSource())
        rows = read_jsonl(out)
        assert [r["row"] for r in rows if r["sdg_1"] is not None] == mapped
        assert report.rows_without_text == len(rows) - len(mapped) and rows[0]["goals"] == []
    # a number is read as its text, which has no word to map
    assert [b.texts for b in iter_batches(jsonl, "text")] == [["", "", "clean water", "42",
                                                               "1.5", "-", "2030 agua"]]


def test_a_nan_id_is_a_missing_id(tmp_path: Path) -> None:
    corpus = tmp_path / "in.jsonl"
    corpus.write_text('{"id": "a", "text": "water"}\n{"id": NaN, "text": "forest"}\n')
    assert "line 2 has no value in the id column 'id'" in refusal(
        corpus, tmp_path / "o.jsonl", id_column="id")


# 4. the scheduler address

def test_a_scheduler_address_that_is_not_one_is_refused_with_its_form(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for address in ("notanaddress", "http://10.0.0.5:8786"):
        with pytest.raises(InvalidInput, match=f"--scheduler '{address}' is not a Dask "
                                               "scheduler address .* tcp://host:port"), \
                dask_client(scheduler=address):
            pass
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(3))
    rc, _, err = run(capsys, "sdg", "map-corpus", str(corpus), "--text-column", "body",
                     "--out", str(tmp_path / "o.jsonl"), "--scheduler", "notanaddress")
    assert rc == 2 and err.count("\n") == 1 and "e.g. tcp://10.0.0.5:8786" in err, err


# 5. CSV structure

@pytest.mark.parametrize(("content", "message"), [
    ('id,text\n1,"unterminated\n2,water\n',
     "malformed CSV in the row starting at line 2 (unexpected end of data); put a field that "
     "holds commas, quotes or line breaks in double quotes"),
    ('id,text\n1,"water" and more\n', "malformed CSV in the row starting at line 2"),
    ("id,text\n1,water\n2,water, sanitation\n",
     "line 3 has 3 fields but the header has 2; give every row one field per column"),
    ("id,text\n1,water\n2\n", "line 3 has 1 field but the header has 2"),
    ("id,text,text\n1,water,forest\n",
     "the header names 2 columns 'text' (columns 2, 3); rename all but one of them"),
])
def test_a_malformed_csv_is_refused_not_merged(tmp_path: Path, content: str,
                                               message: str) -> None:
    corpus = tmp_path / "in.csv"
    corpus.write_text(content)
    assert message in refusal(corpus, tmp_path / "o.jsonl")


def test_a_repeated_id_column_is_refused_and_an_unused_one_is_not(tmp_path: Path) -> None:
    corpus = tmp_path / "in.csv"
    corpus.write_text("id,text,id,note,note\na,water,b,x,y\n")
    assert "2 columns 'id' (columns 1, 3)" in refusal(corpus, tmp_path / "o.jsonl",
                                                      id_column="id")
    report = map_corpus(corpus, tmp_path / "o.jsonl", text_column="text", source=FakeSource())
    assert report.rows == 1


# 6. positions

def test_errors_name_the_line_in_the_file_whatever_blank_lines_and_quoted_line_breaks(
        tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"text": "water"}\n\n{"text": ["x"]}\n')
    assert refusal(jsonl, tmp_path / "o.jsonl").startswith(
        "in.jsonl: line 3: column 'text' holds a list, not text")
    with (tmp_path / "in.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], ["a", "two\nlines"], [], ["", "water"]])
    assert refusal(tmp_path / "in.csv", tmp_path / "o.jsonl", id_column="id").startswith(
        "in.csv: line 5 has no value in the id column 'id'")
    parquet = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", None], "text": ["water", "forest"]}), parquet)
    assert refusal(parquet, tmp_path / "o.jsonl", id_column="id").startswith(
        "in.parquet: row 1 (0-based) has no value in the id column 'id'")


def test_blank_csv_lines_are_skipped_as_before(tmp_path: Path) -> None:
    corpus = tmp_path / "in.csv"
    corpus.write_text("id,text\n\n1,water\n  \n2,\"forest\nfire\"\n")  # one line of spaces
    assert [b.texts for b in iter_batches(corpus, "text")] == [["water", "forest\nfire"]]


# 8. numbers in CSV

class TinyMapper(FakeMapper):
    """Probabilities and scores small enough for repr to write them as 5.9e-05."""

    def map(self, text: str) -> Any:
        mapping = super().map(text)
        for g in mapping.goals:
            g.probability = 0.000059 if not g.predicted else 1.0
        for t in mapping.targets:
            t.score = 0.00001
        return mapping


class TinySource(FakeSource):
    def load(self) -> FakeMapper:
        return TinyMapper(self.mode)


def test_csv_writes_probabilities_in_fixed_point_with_at_most_6_decimals(
        tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.jsonl", [{"text": "clean water"}])
    for ext in ("csv", "jsonl"):
        map_corpus(corpus, tmp_path / f"o.{ext}", text_column="text", source=TinySource())
    with (tmp_path / "o.csv").open(newline="") as fh:
        row = next(csv.DictReader(fh))
    assert (row["sdg_1"], row["sdg_6"], row["targets"]) == ("0.000059", "1.0",
                                                             "6.1:0.00001;6.2:0.00001")
    assert "e-" not in (tmp_path / "o.csv").read_text()
    assert read_jsonl(tmp_path / "o.jsonl")[0]["sdg_1"] == 5.9e-05  # JSON numbers unchanged
