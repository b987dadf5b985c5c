"""The store: migrations, SQLite pragmas, PostgreSQL, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from commonground.errors import StoreError
from commonground.settings import load_settings
from commonground.store import Store

TABLES = {"alembic_version", "awards", "initiatives", "organisations", "outcomes",
          "partnerships", "places", "sdg_links", "sources"}


def test_migrations_create_every_table(any_store: Store) -> None:
    assert set(any_store.table_names()) >= TABLES
    any_store.migrate()  # idempotent
    with any_store.read() as s:
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_sqlite_path_parent_is_created(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    assert (tmp_path / "deep" / "er" / "x.db").exists()


def test_bad_url_is_explained() -> None:
    with pytest.raises(StoreError, match="not an SQLAlchemy URL"):
        Store("not a url")


def test_unreachable_server_is_explained() -> None:
    with pytest.raises(StoreError, match="COMMONGROUND_DATABASE_URL"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_settings_from_environment() -> None:
    s = load_settings({"COMMONGROUND_DATABASE_URL": "sqlite:///x.db", "COMMONGROUND_PORT": "9000",
                       "COMMONGROUND_AUTO_MAP_SDGS": "no"})
    assert (s.database_url, s.port, s.auto_map_sdgs) == ("sqlite:///x.db", 9000, False)
    default = load_settings({})
    assert default.database_url.startswith("sqlite:///") and default.port == 8000


def test_bad_settings_are_explained() -> None:
    from commonground.errors import InvalidInput

    with pytest.raises(InvalidInput, match="COMMONGROUND_PORT='eighty'"):
        load_settings({"COMMONGROUND_PORT": "eighty"})
    with pytest.raises(InvalidInput, match="accurate"):
        load_settings({"COMMONGROUND_SDG_MODE": "slow"})
    with pytest.raises(InvalidInput, match=r"PRECISION .fp16. is unknown; use .fp32. or .int8."):
        load_settings({"COMMONGROUND_SDG_PRECISION": "fp16"})
