"""Corpus mapping on Dask: a local cluster of worker processes, or an existing scheduler.

Each task maps a whole batch (a task per text would cost milliseconds of scheduling each);
each worker process loads the mapper once and keeps it (``_cached``). Only a few batches
per worker thread are in flight at a time, so the corpus is never all in memory. The
client keeps the part files, so remote workers need no shared file system — only
commonground installed.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any

from commonground.batch.corpus import Batch
from commonground.batch.job import MapperSource
from commonground.batch.rows import BatchMapper, map_batch
from commonground.errors import CommongroundError, InvalidInput

if TYPE_CHECKING:
    import pyarrow as pa

LOCAL_HOST = "127.0.0.1"

_MAPPERS: dict[str, BatchMapper] = {}
_LOCK = threading.Lock()


def _cached(source: MapperSource) -> BatchMapper:
    """The worker process's mapper for ``source``, loaded on its first batch."""
    with _LOCK:
        mapper = _MAPPERS.get(source.key)
        if mapper is None:
            mapper = _MAPPERS[source.key] = source.load()
        return mapper


def _map_task(source: MapperSource, batch: Batch) -> tuple[Batch, pa.Table]:
    return batch, map_batch(_cached(source), batch)


class DaskExecutor:
    """Runs batches on the cluster behind ``client``, a bounded number in flight."""

    def __init__(self, client: Any, in_flight_per_thread: int = 2) -> None:
        self.client = client
        threads = sum(client.nthreads().values()) or 1
        self.window = max(2, in_flight_per_thread * threads)

    def run(self, source: MapperSource, batches: Iterator[Batch]
            ) -> Iterator[tuple[Batch, pa.Table]]:
        from distributed import as_completed

        def submit(batch: Batch) -> Any:
            return self.client.submit(_map_task, source, batch, pure=False)

        pending = as_completed([submit(b) for b in islice(batches, self.window)])  # type: ignore[no-untyped-call]
        try:
            for future in pending:
                batch, table = future.result()
                future.release()
                nxt = next(batches, None)
                if nxt is not None:
                    pending.add(submit(nxt))  # type: ignore[no-untyped-call]
                yield batch, table
        finally:
            left = list(pending.futures)
            if left:
                self.client.cancel(left)


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None,
                connect_timeout: float = 10.0) -> Iterator[Any]:
    """A client of a new LocalCluster on 127.0.0.1 (``workers`` processes) or of ``scheduler``.

    A local cluster starts worker processes: call this from a CLI command or under
    ``if __name__ == "__main__":``, never at import time of a module.
    """
    from distributed import Client, LocalCluster

    if (workers is None) == (scheduler is None):
        raise InvalidInput("give either --workers N or --scheduler ADDRESS, not both")
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=connect_timeout)  # type: ignore[no-untyped-call]
        except ValueError as exc:  # distributed's answer to an address it cannot parse
            raise InvalidInput(
                f"--scheduler {scheduler!r} is not a Dask scheduler address ({exc}); give it "
                "as tcp://host:port, e.g. tcp://10.0.0.5:8786"
            ) from None
        except (OSError, TimeoutError) as exc:
            raise CommongroundError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start it with "
                "`dask scheduler` or check the address (tcp://host:8786)"
            ) from None
        with client:
            yield client
        return
    assert workers is not None
    if workers < 1:
        raise InvalidInput(f"--workers {workers} must be at least 1; try 2")
    # The scheduler runs in this process and logs each start and stop at INFO; a failed
    # task reaches the caller as its own exception, so only errors are worth printing.
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            # Without a dashboard the scheduler still serves health routes, on port 8787 or,
            # when another cluster holds it, on a random port after a warning worth nothing.
            warnings.filterwarnings("ignore", message="Port 8787 is already in use")
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, host=LOCAL_HOST, silence_logs=logging.CRITICAL)
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
    finally:
        quiet.setLevel(level)
