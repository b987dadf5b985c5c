"""Fixtures of the web tests: a small catalog, the app over it, a stand-in SDG mapper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_catalog import FakeMapper, catalog_records

from commonground.catalog import add_initiatives
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.app import create_app
from commonground.web.deps import Mapper, get_mapper_loader


@pytest.fixture
def filled_store(store: Store) -> Store:
    add_initiatives(store, catalog_records())
    return store


@pytest.fixture
def app(settings: Settings, filled_store: Store) -> FastAPI:
    application = create_app(settings, store=filled_store)

    def loader() -> object:
        def load(mode: str | None) -> Mapper:
            return FakeMapper(mode)
        return load

    application.dependency_overrides[get_mapper_loader] = loader
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
