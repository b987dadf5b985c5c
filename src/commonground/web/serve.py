"""Run the web app with uvicorn."""

from __future__ import annotations

import uvicorn

from commonground.settings import Settings
from commonground.web.app import create_app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the API and pages on ``host``:``port`` (settings' values when None); blocks."""
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port,
                log_level=settings.log_level.lower(), proxy_headers=False,
                server_header=False)
