"""Corpus mapping on a local Dask cluster of 2 worker processes gives the single-process result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commonground.batch import map_corpus, parts_dir
from commonground.batch.dask_runner import DaskExecutor, dask_client
from commonground.errors import CommongroundError, InvalidInput, ModelError

from fakes import FakeSource, corpus_rows, write_corpus


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with dask_client(workers=2) as c:
        yield c


def test_two_workers_write_what_one_process_writes(tmp_path: Path, client: Any) -> None:
    corpus = write_corpus(tmp_path / "in.parquet", corpus_rows(205))
    for ext in ("jsonl", "parquet"):
        local = map_corpus(corpus, tmp_path / f"local.{ext}", text_column="body",
                           id_column="doc", batch_size=20, source=FakeSource())
        dask = map_corpus(corpus, tmp_path / f"dask.{ext}", text_column="body",
                          id_column="doc", batch_size=20, source=FakeSource(),
                          executor=DaskExecutor(client))
        assert (dask.rows, dask.batches, dask.executor) == (205, 11, "DaskExecutor")
        assert dask.goal_counts == local.goal_counts
        assert (tmp_path / f"dask.{ext}").read_bytes() == (tmp_path / f"local.{ext}").read_bytes()
    # whole batches per task, and each worker process loaded the mapper once
    loaded = client.run(lambda: sorted(__import__(
        "commonground.batch.dask_runner", fromlist=["_MAPPERS"])._MAPPERS))
    assert len(loaded) == 2 and all(keys == ["fake:fast"] for keys in loaded.values())


def test_a_run_interrupted_on_dask_resumes_anywhere_to_the_same_output(tmp_path: Path,
                                                                      client: Any) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(100))
    map_corpus(corpus, tmp_path / "whole.csv", text_column="body", batch_size=10,
               source=FakeSource())
    out = tmp_path / "out.csv"
    calls = [0]

    def stop(rows: int) -> None:
        calls[0] += 1
        if calls[0] == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource(),
                   executor=DaskExecutor(client), on_progress=stop)
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 4
    # resumed in this process: the parts do not depend on where they were mapped
    report = map_corpus(corpus, out, text_column="body", batch_size=10, source=FakeSource())
    assert report.resumed_batches == 4 and out.read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_errors_on_workers_reach_the_caller(tmp_path: Path, client: Any) -> None:
    corpus = write_corpus(tmp_path / "in.csv", corpus_rows(10))
    with pytest.raises(ModelError, match="corrupt"):
        map_corpus(corpus, tmp_path / "o.jsonl", text_column="body",
                   source=FakeSource(fail=True, mode="accurate"),
                   executor=DaskExecutor(client))


def test_cluster_options_are_checked() -> None:
    with pytest.raises(InvalidInput, match="either --workers N or --scheduler"), \
            dask_client(workers=2, scheduler="tcp://127.0.0.1:1"):
        pass
    with pytest.raises(InvalidInput, match="at least 1"), dask_client(workers=0):
        pass
    with pytest.raises(CommongroundError, match="cannot reach the Dask scheduler"), \
            dask_client(scheduler="tcp://127.0.0.1:9", connect_timeout=0.5):
        pass


def test_an_existing_cluster_is_used_by_its_scheduler_address(tmp_path: Path,
                                                              client: Any) -> None:
    corpus = write_corpus(tmp_path / "in.jsonl", corpus_rows(60))
    map_corpus(corpus, tmp_path / "local.jsonl", text_column="body", batch_size=25,
               source=FakeSource())
    with dask_client(scheduler=client.scheduler.address) as remote:
        report = map_corpus(corpus, tmp_path / "remote.jsonl", text_column="body",
                            batch_size=25, source=FakeSource(), executor=DaskExecutor(remote))
    assert report.batches == 3
    assert (tmp_path / "remote.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
