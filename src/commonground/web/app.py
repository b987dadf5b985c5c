"""``create_app(settings)``: the JSON API under /api/v1 and the HTML pages, in one FastAPI app."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from commonground import __version__
from commonground.sdg.framework import Framework
from commonground.settings import Settings
from commonground.store import Store
from commonground.web import api, pages
from commonground.web.deps import WebState
from commonground.web.errors import install_error_handlers


def _default_framework() -> Framework:
    from commonground.sdg.framework import framework

    return framework()


def create_app(settings: Settings, *, store: Store | None = None,
               framework: Callable[[], Framework] | None = None) -> FastAPI:
    """A new app over ``store`` (opened from ``settings.database_url`` when not given).

    ``framework`` returns the SDG framework (the packaged one by default; loaded on first use).
    Interactive API docs are off: Swagger UI and ReDoc load their assets from a CDN, and this
    app fetches nothing from outside. The OpenAPI document is at /api/v1/openapi.json.
    """
    app = FastAPI(
        title="commonground",
        version=__version__,
        summary="Cities learn from each other's SDG innovations.",
        license_info={"name": "AGPL-3.0-or-later",
                      "identifier": "AGPL-3.0-or-later"},
        openapi_url=f"{api.API_V1}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebState(settings=settings,
                             store=store if store is not None else Store(settings.database_url),
                             framework=framework or _default_framework)
    app.state.templates = pages.make_templates()
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("commonground.web", "static")]), name="static")
    return app
