"""Map a corpus onto the SDGs: stream batches, map them here or on Dask, resume, assemble."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field

from commonground.batch.corpus import Batch, fingerprint, input_format, iter_batches
from commonground.batch.parts import ANSWERS, Parts, check_writable, parts_dir
from commonground.batch.rows import BatchMapper, map_batch, output_format
from commonground.errors import InvalidInput, ModelError
from commonground.sdg.mapping import ANSWER_REVISION

if TYPE_CHECKING:
    import pyarrow as pa

DEFAULT_BATCH_SIZE = 500


class MapperSource(Protocol):
    """A picklable recipe for a mapper: Dask workers load it once each, by ``key``."""

    @property
    def key(self) -> str: ...

    @property
    def mode(self) -> str: ...

    def load(self) -> BatchMapper: ...


@dataclass(frozen=True)
class ModelSpec:
    """The shipped SDG mapper (or the model folder ``model``) in ``mode``; ``precision``:
    the accurate mode's MiniLM precision (empty: the model's own); ``multilingual``: its
    language bridge."""

    model: str = ""
    mode: str = "fast"
    precision: str = ""
    #: the accurate mode's language bridge (COMMONGROUND_SDG_MULTILINGUAL)
    multilingual: bool = True

    @property
    def key(self) -> str:
        # unchanged without a precision, so runs started before it existed still resume; the
        # fast mode runs no MiniLM, so a precision there changes nothing and must not block one
        base = f"sdg-mapper:{self.model or 'shipped'}:{self.mode}"
        if self.precision and self.mode == "accurate":
            base = f"{base}:{self.precision}"
        # a run without the bridges must not resume one with them (their answers differ)
        return base if self.multilingual else f"{base}:no-bridge"

    def load(self) -> BatchMapper:
        import commonground.sdg as sdg
        from commonground.settings import load_settings

        if self.mode not in {"accurate", "fast"}:
            raise InvalidInput(f"mode {self.mode!r} is unknown; use 'accurate' or 'fast'")
        settings = load_settings({}, sdg_model=self.model, sdg_mode=self.mode,
                                 sdg_precision=self.precision,
                                 sdg_multilingual=self.multilingual)
        try:
            mapper: BatchMapper = sdg.load_mapper(settings, mode=self.mode)
        except ModelError:
            raise
        except (AttributeError, ImportError) as exc:
            raise ModelError(f"the SDG mapper is not available in this install ({exc}); "
                             "reinstall commonground") from None
        return mapper


class Executor(Protocol):
    """Maps batches, yielding each with its table as soon as it is done (any order)."""

    def run(self, source: MapperSource, batches: Iterator[Batch]
            ) -> Iterator[tuple[Batch, pa.Table]]: ...


class LocalExecutor:
    """This process, one batch after another, the mapper loaded once."""

    def run(self, source: MapperSource, batches: Iterator[Batch]
            ) -> Iterator[tuple[Batch, pa.Table]]:
        mapper: BatchMapper | None = None
        for batch in batches:
            if mapper is None:  # loaded lazily: a fully resumed run needs no model
                mapper = source.load()
            yield batch, map_batch(mapper, batch)


class MapCorpusReport(BaseModel):
    """What one run of corpus mapping did."""

    input: str
    output: str
    rows: int
    batches: int
    resumed_batches: int = Field(description="Batches found finished from an earlier run.")
    rows_without_text: int = Field(description="Rows with empty text: no probabilities.")
    goal_counts: dict[str, int] = Field(description="Rows predicted for each goal.")
    mode: str
    executor: str
    seconds: float


def map_corpus(
    input_path: Path,
    output: Path,
    *,
    text_column: str,
    id_column: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    source: MapperSource | None = None,
    executor: Executor | None = None,
    restart: bool = False,
    overwrite: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> MapCorpusReport:
    """Map every row of ``input_path`` and write one output row per input row to ``output``.

    Finished batches are kept in ``OUTPUT.parts/`` until the end, so an interrupted run
    resumes where it stopped when called again with the same input and options.
    """
    began = time.perf_counter()
    source = source or ModelSpec()
    executor = executor or LocalExecutor()
    input_format(input_path)
    fmt = output_format(output)
    if batch_size < 1:
        raise InvalidInput(f"--batch-size {batch_size} must be at least 1; try 500")
    if not input_path.is_file():
        raise InvalidInput(f"corpus {str(input_path)!r} does not exist or is not a file; "
                           "give the path of a CSV, JSONL or Parquet file")
    if output.resolve() == input_path.resolve():
        raise InvalidInput(f"--out {output} is the input itself; choose another output path")
    if output.is_dir():
        raise InvalidInput(f"--out {output} is a folder; give a file path, such as "
                           f"{output / ('sdgs.' + fmt)}")
    if output.exists() and not overwrite and not parts_dir(output).exists():
        raise InvalidInput(f"{output} already exists; pass --overwrite to replace it "
                           "or choose another --out")
    check_writable(output)
    manifest: dict[str, object] = {
        "input": fingerprint(input_path),
        "options": {"text_column": text_column, "id_column": id_column,
                    "batch_size": batch_size, "model": source.key},
    }
    revision = ANSWER_REVISION.get(source.mode)
    if revision:  # absent where the mode's answers never changed, so those runs still resume
        manifest[ANSWERS] = revision
    parts = Parts(output, manifest)
    resumed = parts.open(restart=restart)
    done = parts.done()
    seen = 0

    def todo() -> Iterator[Batch]:
        nonlocal seen
        for batch in iter_batches(input_path, text_column, id_column, batch_size):
            seen = batch.index + 1
            if batch.index in done:
                if on_progress is not None:
                    on_progress(len(batch))
                continue
            yield batch

    for batch, table in executor.run(source, todo()):
        parts.write(batch.index, table)
        if on_progress is not None:
            on_progress(len(batch))

    stats = _Stats()
    rows = parts.assemble(seen, fmt, observe=stats.add)
    return MapCorpusReport(
        input=str(input_path), output=str(output), rows=rows, batches=seen,
        resumed_batches=resumed, rows_without_text=stats.without_text,
        goal_counts={str(g): stats.goals.get(g, 0) for g in range(1, 18)},
        mode=source.mode, executor=type(executor).__name__,
        seconds=round(time.perf_counter() - began, 3),
    )


class _Stats:
    def __init__(self) -> None:
        self.without_text = 0
        self.goals: dict[int, int] = {}

    def add(self, table: pa.Table) -> None:
        import pyarrow.compute as pc

        self.without_text += table.column("sdg_1").null_count
        counts = pc.value_counts(pc.list_flatten(table.column("goals")))
        for item in counts.to_pylist():
            g = int(item["values"])
            self.goals[g] = self.goals.get(g, 0) + int(item["counts"])
