"""Fixtures of the web tests: a small catalog, the app over it, a stand-in SDG mapper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from commonground.catalog import add_initiatives
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.app import create_app
from commonground.web.deps import Mapper, get_mapper_loader
from web.web_catalog import FakeMapper, catalog_records


@pytest.fixture
def filled_store(store: Store) -> Store:
    add_initiatives(store, catalog_records())
    return store


@pytest.fixture
def app(settings: Settings, filled_store: Store) -> FastAPI:
    application = create_app(settings, store=filled_store)

    def loader() -> object:
        def load(mode: str | None, precision: str | None = None) -> Mapper:
            application.state.precisions_asked.append(precision)
            return FakeMapper(mode)
        return load

    application.state.precisions_asked = []

    application.dependency_overrides[get_mapper_loader] = loader
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


Need = Callable[[bool, str], None]


@pytest.fixture
def need(request: pytest.FixtureRequest) -> Need:
    """``need(cond, reason)`` of tests/conftest.py (skip, or fail under REQUIRE_ALL=1).

    Both conftest files are modules named ``conftest``, so an import would be ambiguous;
    the top-level one is found among pytest's plugins by its path instead.
    """
    top = Path(__file__).resolve().parents[1] / "conftest.py"
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == top:
            found: Need = plugin.need
            return found
    raise LookupError(f"{top} is not loaded as a conftest")
