"""The batch domain: corpus-scale SDG mapping, streamed, resumable, on Dask when asked."""

from commonground.batch.corpus import INPUT_FORMATS, Batch, count_rows, iter_batches
from commonground.batch.job import (
    DEFAULT_BATCH_SIZE,
    LocalExecutor,
    MapCorpusReport,
    MapperSource,
    ModelSpec,
    map_corpus,
)
from commonground.batch.parts import parts_dir
from commonground.batch.rows import COLUMNS, OUTPUT_FORMATS, BatchMapper, map_batch

__all__ = [
    "COLUMNS",
    "DEFAULT_BATCH_SIZE",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "Batch",
    "BatchMapper",
    "LocalExecutor",
    "MapCorpusReport",
    "MapperSource",
    "ModelSpec",
    "count_rows",
    "iter_batches",
    "map_batch",
    "map_corpus",
    "parts_dir",
]
