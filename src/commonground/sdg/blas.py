"""One BLAS thread around prediction, so that results do not depend on the thread count.

A Dask worker runs one BLAS thread, a plain process as many as there are cores, and
OpenBLAS splits a matrix product differently for each: the target similarities then
differ in the last bits (5e-7), which is enough, once in thousands of texts, to put a
feature on the other side of a tree's split (`map-corpus` found one such row in 20,000,
docs/batch.md). The products in prediction are small beside the encoder, which runs in
ONNX Runtime's own threads and is not affected.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Any

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
