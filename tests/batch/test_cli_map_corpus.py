"""`commonground sdg map-corpus` as a user runs it: output, resume after Ctrl-C, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import commonground.sdg
from commonground.batch import parts_dir

from cli_helpers import run
from fakes import FakeMapper, corpus_rows, fake_load_mapper, write_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "in.jsonl", corpus_rows(95))


def args(corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["sdg", "map-corpus", str(corpus), "--text-column", "body", "--id-column", "doc",
            "--out", str(out), "--batch-size", "10", *extra]


class Interrupting(FakeMapper):
    """Ctrl-C while mapping the third batch."""

    def map_many(self, texts: list[str], batch_size: int = 64, *,  # type: ignore[override]
                 evidence: bool = True) -> list[object]:
        if self.calls == 2:
            raise KeyboardInterrupt
        return super().map_many(texts, batch_size, evidence=evidence)  # type: ignore[return-value]


def test_map_corpus_writes_rows_and_resumes_after_ctrl_c(
        capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
    whole = tmp_path / "whole.csv"
    rc, out, err = run(capsys, *args(corpus, whole, "--json"))
    assert rc == 0, err
    report = json.loads(out)
    assert (report["rows"], report["batches"], report["mode"]) == (95, 10, "fast")
    assert report["rows_without_text"] == 12 and report["executor"] == "LocalExecutor"
    assert "warning" not in err  # --json keeps stderr for errors only
    lines = whole.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 96 and lines[1].startswith("0,doc-0000,6;11,")

    out_path = tmp_path / "out.csv"
    monkeypatch.setattr(commonground.sdg, "load_mapper",
                        lambda settings=None, mode=None: Interrupting(mode or "fast"))
    rc, out, err = run(capsys, *args(corpus, out_path))
    assert rc == 130 and "interrupted after 20 rows" in err and "rerun the same command" in err
    assert not out_path.exists() and len(list(parts_dir(out_path).glob("part-*"))) == 2

    monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
    rc, out, err = run(capsys, *args(corpus, out_path))
    assert rc == 0 and "95 rows in 10 batches (fast mode" in out and "2 batches resumed" in out
    assert "12 rows had no text in 'body'" in err
    assert out_path.read_bytes() == whole.read_bytes()

    rc, _, err = run(capsys, *args(corpus, out_path))
    assert rc == 2 and "already exists; pass --overwrite" in err


def test_map_corpus_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                                corpus: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
    out = tmp_path / "o.jsonl"
    for extra, message in [
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "either --workers N or"),
        (["--mode", "quick"], "--mode 'quick' is unknown"),
        (["--batch-size", "0"], "must be at least 1"),
        (["--precision", "int4"], "--precision 'int4' is unknown"),
    ]:
        rc, _, err = run(capsys, *args(corpus, out, *extra))
        assert rc == 2 and message in err and err.count("\n") == 1, err
    rc, _, err = run(capsys, "sdg", "map-corpus", str(corpus), "--text-column", "txt",
                     "--out", str(out))
    assert rc == 2 and "line 1 has no 'txt' key; its keys are 'body', 'doc'" in err
    assert not parts_dir(out).exists()


def test_map_corpus_precision_and_multilingual_settings_reach_the_loaded_model(
        capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, bool]] = []

    def loader(settings: object = None, mode: str | None = None) -> FakeMapper:
        seen.append((settings.sdg_precision, settings.sdg_multilingual))  # type: ignore[attr-defined]
        return FakeMapper(mode or "fast")

    monkeypatch.setattr(commonground.sdg, "load_mapper", loader)
    rc, _, err = run(capsys, *args(corpus, tmp_path / "o.jsonl", "--mode", "accurate",
                                   "--precision", "int8"))
    assert rc == 0, err
    monkeypatch.setenv("COMMONGROUND_SDG_PRECISION", "int8")
    rc, _, err = run(capsys, *args(corpus, tmp_path / "p.jsonl", "--mode", "accurate"))
    assert rc == 0, err
    monkeypatch.setenv("COMMONGROUND_SDG_MULTILINGUAL", "0")
    rc, _, err = run(capsys, *args(corpus, tmp_path / "q.jsonl", "--mode", "accurate"))
    assert rc == 0, err
    assert seen == [("int8", True), ("int8", True), ("int8", False)]
    # a run's resume key names the precision only when one is asked for
    from commonground.batch import ModelSpec

    assert ModelSpec().key == "sdg-mapper:shipped:fast"  # runs started before still resume
    assert ModelSpec(mode="accurate", precision="int8").key.endswith(":accurate:int8")


def test_a_fast_run_resumes_whatever_the_precision_asked(
        capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the fast mode runs no MiniLM: a precision changes nothing there, so it must not block
    out = tmp_path / "out.jsonl"
    monkeypatch.setattr(commonground.sdg, "load_mapper",
                        lambda settings=None, mode=None: Interrupting(mode or "fast"))
    rc, _, err = run(capsys, *args(corpus, out))
    assert rc == 130 and len(list(parts_dir(out).glob("part-*"))) == 2, err
    monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
    monkeypatch.setenv("COMMONGROUND_SDG_PRECISION", "int8")
    rc, stdout, err = run(capsys, *args(corpus, out, "--precision", "int8", "--json"))
    assert rc == 0, err
    assert json.loads(stdout)["resumed_batches"] == 2

    from commonground.batch import ModelSpec

    assert ModelSpec(precision="int8").key == ModelSpec().key == "sdg-mapper:shipped:fast"
    assert ModelSpec(mode="accurate").key == "sdg-mapper:shipped:accurate"
    assert ModelSpec(mode="accurate", precision="int8").key == "sdg-mapper:shipped:accurate:int8"
    no_bridge = ModelSpec(precision="int8", multilingual=False)
    assert no_bridge.key == "sdg-mapper:shipped:fast:no-bridge"


def test_a_run_of_a_version_that_answered_otherwise_is_not_resumed(
        capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast run interrupted before the fast mode's answers changed (its manifest has no
    answer revision) must not resume into rows answered the new way: a clear error, its
    parts kept, and --restart maps it again. An accurate run, whose answers did not
    change, resumes as before."""
    import commonground.batch.job as job
    from commonground.batch.parts import MANIFEST

    def interrupt_then_resume(out: Path, *extra: str) -> tuple[int, str, str]:
        monkeypatch.setattr(job, "ANSWER_REVISION", {})  # the version before the change
        monkeypatch.setattr(commonground.sdg, "load_mapper",
                            lambda settings=None, mode=None: Interrupting(mode or "fast"))
        rc, _, err = run(capsys, *args(corpus, out, *extra))
        assert rc == 130, err
        assert "answers" not in json.loads((parts_dir(out) / MANIFEST).read_text("utf-8"))
        monkeypatch.setattr(job, "ANSWER_REVISION", {"fast": 1})
        monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
        return run(capsys, *args(corpus, out, *extra, "--json"))

    fast = tmp_path / "fast.jsonl"
    rc, _, err = interrupt_then_resume(fast)
    assert rc == 2 and "another version of commonground" in err, err
    assert "answer revision 0 then, 1 now" in err and "pass --restart" in err
    assert len(list(parts_dir(fast).glob("part-*"))) == 2 and not fast.exists()  # kept
    rc, stdout, err = run(capsys, *args(corpus, fast, "--restart", "--json"))
    assert rc == 0 and json.loads(stdout)["resumed_batches"] == 0, err
    assert fast.is_file() and not parts_dir(fast).exists()

    rc, stdout, err = interrupt_then_resume(tmp_path / "accurate.jsonl", "--mode", "accurate")
    assert rc == 0 and json.loads(stdout)["resumed_batches"] == 2, err


@pytest.mark.slow
def test_two_local_workers_match_one_process_with_the_shipped_model(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if not (commonground.sdg.SHIPPED_MODEL / "model_card.json").is_file():
        pytest.skip(f"the trained SDG mapper is not in {commonground.sdg.SHIPPED_MODEL} yet")
    corpus = write_corpus(tmp_path / "in.parquet", corpus_rows(300))
    rc, _, err = run(capsys, *args(corpus, tmp_path / "one.parquet", "--batch-size", "50"))
    assert rc == 0, err
    rc, out, err = run(capsys, *args(corpus, tmp_path / "two.parquet", "--batch-size", "50",
                                     "--workers", "2", "--json"))
    assert rc == 0, err
    assert json.loads(out)["executor"] == "DaskExecutor"
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
