"""Corpus mapping in one process: formats, streaming, resume, refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from commonground.batch import COLUMNS, Batch, iter_batches, map_batch, map_corpus, parts_dir
from commonground.errors import InvalidInput, ModelError

from fakes import FakeMapper, FakeSource, corpus_rows, write_corpus


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_every_input_format_gives_one_row_per_input_row(tmp_path: Path, suffix: str) -> None:
    corpus = write_corpus(tmp_path / f"in{suffix}", corpus_rows(45))
    report = map_corpus(corpus, tmp_path / "out.jsonl", text_column="body", id_column="doc",
                        batch_size=10, source=FakeSource())
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert (report.rows, report.batches, report.resumed_batches) == (45, 5, 0)
    assert [r["row"] for r in rows] == list(range(45))
    assert rows[0]["id"] == "doc-0000" and rows[0]["goals"] == [6, 11]
    targets = rows[0]["targets"]
    assert [t["target"] for t in targets] == ["11.1", "6.1", "11.2", "6.2"]
    assert all(0 <= rows[0][f"sdg_{g}"] <= 1 for g in range(1, 18))
    # rows 5, 13, … have no text: kept, with empty probabilities, and counted
    assert rows[5]["goals"] == [] and rows[5]["sdg_1"] is None
    assert report.rows_without_text == 5 and report.goal_counts["6"] == 6
    assert not parts_dir(tmp_path / "out.jsonl").exists()


def test_output_formats_hold_the_same_rows(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.jsonl", corpus_rows(23))
    for ext in ("jsonl", "csv", "parquet"):
        map_corpus(corpus, tmp_path / f"out.{ext}", text_column="body", batch_size=8,
                   source=FakeSource())
    ref = read_jsonl(tmp_path / "out.jsonl")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column_names == COLUMNS and table.to_pylist() == ref
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert list(got[0]) == COLUMNS and len(got) == 23
    assert got[0]["id"] == "0" and got[0]["goals"] == "6;11"
    assert float(got[0]["sdg_6"]) == ref[0]["sdg_6"]
    assert got[0]["targets"].startswith("11.1:0.") and got[5]["sdg_1"] == ""


def test_batches_have_a_fixed_size_whatever_the_parquet_row_groups(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.parquet", corpus_rows(30))  # row groups of 7
    sizes = [(b.index, b.start, len(b)) for b in iter_batches(corpus, "body", batch_size=12)]
    assert sizes == [(0, 0, 12), (1, 12, 12), (2, 24, 6)]


class Stop(KeyboardInterrupt):
    pass


def interrupted_run(corpus: Path, out: Path, batches: int) -> None:
    """Start mapping ``corpus`` in batches of 10 and stop it after ``batches`` of them."""
    seen = [0]

    def hook(rows: int) -> None:
        seen[0] += 1
        if seen[0] == batches:
            raise Stop

    with pytest.raises(Stop):
        map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource(),
                   on_progress=hook)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".csv"])
def test_an_interrupted_run_resumes_to_the_same_output(tmp_path: Path, suffix: str) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(57))
    whole = tmp_path / f"whole{suffix}"
    map_corpus(corpus, whole, text_column="body", batch_size=10, source=FakeSource())

    out = tmp_path / f"out{suffix}"
    interrupted_run(corpus, out, 3)
    assert not out.exists()
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 3
    # the model is not needed for the batches already done: it fails if loaded twice
    report = map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource())
    assert (report.resumed_batches, report.batches, report.rows) == (3, 6, 57)
    assert out.read_bytes() == whole.read_bytes()
    assert not parts_dir(out).exists()


def test_a_fully_done_run_assembles_without_loading_the_model(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(20))
    out = tmp_path / "out.jsonl"
    interrupted_run(corpus, out, 2)
    report = map_corpus(corpus, out, text_column="body", batch_size=10,
                        source=FakeSource(fail=True))
    assert report.resumed_batches == 2 and len(read_jsonl(out)) == 20


def test_resume_refuses_other_options_or_input_until_restart(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(30))
    out = tmp_path / "out.jsonl"
    interrupted_run(corpus, out, 1)
    with pytest.raises(InvalidInput, match=r"options\.batch_size: 10 then, 5 now.*--restart"):
        map_corpus(corpus, out, text_column="body", batch_size=5, source=FakeSource())
    write_corpus(corpus, corpus_rows(31))
    with pytest.raises(InvalidInput, match=r"input\.sha256.*--restart"):
        map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource())
    report = map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource(),
                        restart=True)
    assert report.resumed_batches == 0 and report.rows == 31


def test_refusals_say_what_and_what_next(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(5))
    out = tmp_path / "out.jsonl"
    with pytest.raises(InvalidInput, match=r"no column 'text'; the columns are 'doc', 'body'"):
        map_corpus(corpus, out, text_column="text", source=FakeSource())
    with pytest.raises(InvalidInput, match=r"extension '\.xlsx'"):
        map_corpus(corpus, tmp_path / "out.xlsx", text_column="body", source=FakeSource())
    with pytest.raises(InvalidInput, match="does not exist"):
        map_corpus(tmp_path / "nope.csv", out, text_column="body", source=FakeSource())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"body": "water"}\n[1, 2]\n')
    with pytest.raises(InvalidInput, match="line 2 is a JSON list, not an object"):
        map_corpus(bad, out, text_column="body", source=FakeSource())
    with pytest.raises(ModelError, match="corrupt"):
        map_corpus(corpus, tmp_path / "o2.jsonl", text_column="body",
                   source=FakeSource(fail=True))
    map_corpus(corpus, out, text_column="body", source=FakeSource())
    with pytest.raises(InvalidInput, match="already exists; pass --overwrite"):
        map_corpus(corpus, out, text_column="body", source=FakeSource())
    assert map_corpus(corpus, out, text_column="body", source=FakeSource(),
                      overwrite=True).rows == 5


def test_corpus_rows_do_not_ask_the_mapper_for_evidence() -> None:
    # the output has no evidence column; looking for sentences would only cost time
    mapper = FakeMapper()
    batch = Batch(index=0, start=0, ids=["a", "b"], texts=["clean water", "forest"])
    table = map_batch(mapper, batch)
    assert mapper.evidence_asked == [False]
    assert table.column("goals").to_pylist() == [[6], [15]]
