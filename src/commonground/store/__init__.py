"""Storage: SQLite (default) and PostgreSQL through SQLAlchemy, with Alembic migrations."""

from commonground.store.base import Base
from commonground.store.store import Store

__all__ = ["Base", "Store"]
