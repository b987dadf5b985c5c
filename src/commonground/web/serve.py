"""Run the web app with uvicorn."""

from __future__ import annotations

import uvicorn

from commonground.settings import Settings
from commonground.web.app import create_app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the API and pages on ``host``:``port`` (settings' values when None); blocks.

    The server runs numpy's BLAS on one thread, set here in the main thread for the whole
    process. Requests map texts in worker threads, and the mapper's own per-call limit
    (``commonground.sdg.blas``) does not hold there: OpenBLAS ignores a thread other than
    the main one setting its thread count once the main thread has set it (observed with
    the OpenBLAS 0.3.31 of numpy's wheel). A product on two threads sums in another order,
    and a request's answer could then differ in the last bits from the CLI's."""
    import numpy  # noqa: F401  (loads the BLAS that the limit below must find)
    from threadpoolctl import threadpool_limits

    app = create_app(settings)
    limit = threadpool_limits(limits=1, user_api="blas")
    try:
        uvicorn.run(app, host=host or settings.host, port=port or settings.port,
                    log_level=settings.log_level.lower(), proxy_headers=False,
                    server_header=False)
    finally:
        limit.restore_original_limits()
