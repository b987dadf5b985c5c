"""One BLAS thread around prediction, so that results do not depend on the thread count.

A Dask worker runs one BLAS thread, a plain process as many as there are cores, and
OpenBLAS splits a matrix product differently for each: the target similarities then
differ in the last bits (5e-7), which is enough, once in thousands of texts, to put a
feature on the other side of a tree's split (`map-corpus` found one such row in 20,000,
docs/batch.md). The products in prediction are small beside the encoder, which runs in
ONNX Runtime's own threads and is not affected.

For the same reason a text's answer must not depend on the batch it is mapped in:
``rows_matmul`` computes a single row as two, because BLAS takes another kernel for one row
(a matrix-vector product), whose sums round differently.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

_controller: Any = None
#: len(sys.modules) when the controller looked at the loaded libraries
_modules_seen = -1


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which numpy's and scipy's BLAS run on one thread."""
    global _controller, _modules_seen
    from threadpoolctl import ThreadpoolController

    if _controller is None or len(sys.modules) != _modules_seen:
        # inspecting the loaded libraries is the slow part, so it is redone only after an
        # import, which is what loads another BLAS (scipy's own OpenBLAS, say): a controller
        # made before it would leave that library on all its threads
        _controller = ThreadpoolController()
        _modules_seen = len(sys.modules)
    limit: AbstractContextManager[Any] = _controller.limit(limits=1, user_api="blas")
    return limit


def rows_matmul(a: Any, b: Any) -> Any:
    """``a @ b`` for a dense ``a`` of one or more rows (or one vector), each row's result
    independent of how many rows there are: a one-row product runs as a two-row one.

    OpenBLAS gives a row the same sums in any matrix-matrix product on one thread, but a
    single row goes to its matrix-vector kernel, which rounds differently (5e-5 on 14,650
    similarities); that moved a near-tie among a text's nearest neighbours and shifted its
    probability by up to 0.019 between ``map(text)`` and ``map_many([..., text, ...])``.
    """
    if isinstance(a, np.ndarray) and a.ndim == 1:
        return rows_matmul(a[None, :], b)[0]
    if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0] == 1:
        return (np.concatenate([a, a]) @ b)[:1]
    return a @ b
