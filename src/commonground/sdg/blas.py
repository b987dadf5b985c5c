"""One BLAS thread around prediction, so that results do not depend on the thread count.

A Dask worker runs one BLAS thread, a plain process as many as there are cores, and
OpenBLAS splits a matrix product differently for each: the target similarities then
differ in the last bits (5e-7), which is enough, once in thousands of texts, to put a
feature on the other side of a tree's split (`map-corpus` found one such row in 20,000,
docs/batch.md). The products in prediction are small beside the encoder, which runs in
ONNX Runtime's own threads and is not affected.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

_controller: Any = None


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which numpy's and scipy's BLAS run on one thread."""
    global _controller
    from threadpoolctl import ThreadpoolController

    if _controller is None:
        # inspecting the loaded libraries is the slow part: do it once, after the model's
        # imports have loaded them
        _controller = ThreadpoolController()
    limit: AbstractContextManager[Any] = _controller.limit(limits=1, user_api="blas")
    return limit
