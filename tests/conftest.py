"""Test plumbing: isolated settings and store, shared-data and service detection, markers.

Tests that need ../shared, PostgreSQL or Chromium skip with a reason where those are absent;
with COMMONGROUND_REQUIRE_ALL=1 (set by .ci/run) every skip becomes a failure.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from commonground.settings import Settings, load_settings
from commonground.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("COMMONGROUND_SHARED", ROOT.parent / "shared"))
REQUIRE_ALL = os.environ.get("COMMONGROUND_REQUIRE_ALL") == "1"
SEED_REPORT = SHARED / "seed" / "partnerships-and-innovation-sdgs-in-cities-2023.md"


def load_script(relative: str) -> ModuleType:
    """A script or benchmark of the repository (``scripts/x.py``, ``benchmarks/y.py``),
    imported as a module under a test-only name."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(f"{path.stem}_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def need(condition: bool, reason: str) -> None:
    """Skip (or, under COMMONGROUND_REQUIRE_ALL=1, fail) when a prerequisite is absent."""
    if not condition:
        if REQUIRE_ALL:
            pytest.fail(f"required in CI but missing: {reason}")
        pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under COMMONGROUND_REQUIRE_ALL=1: {report.longrepr}"


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")
                                      or host.startswith("/")):
        raise OSError(f"tests must stay offline: connection to {host!r} blocked")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _offline_and_isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reaches the network or the user's own store."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setenv("COMMONGROUND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({}, database_url=f"sqlite:///{tmp_path / 'test.db'}",
                         auto_map_sdgs=False)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store(settings.database_url)
    yield s
    s.close()


@pytest.fixture
def shared_dir() -> Path:
    need(SHARED.is_dir(), f"../shared not found at {SHARED}")
    return SHARED


@pytest.fixture
def seed_report(shared_dir: Path) -> Path:
    need(SEED_REPORT.is_file(), f"seed report not found at {SEED_REPORT}")
    return SEED_REPORT


PG_URL = os.environ.get("COMMONGROUND_TEST_POSTGRES_URL", "")


def _fresh_postgres(url: str) -> Store:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return Store(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same test on SQLite and on a real PostgreSQL server (CI provides one)."""
    if request.param == "postgres":
        need(bool(PG_URL), "COMMONGROUND_TEST_POSTGRES_URL is not set (.ci/run starts a server)")
        s = _fresh_postgres(PG_URL)
    else:
        s = Store(f"sqlite:///{tmp_path / 'any.db'}")
    yield s
    s.close()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the shipped SDG mapper by the deterministic fake of tests/fakes.py."""
    import commonground.sdg

    from fakes import fake_load_mapper

    monkeypatch.setattr(commonground.sdg, "load_mapper", fake_load_mapper)
