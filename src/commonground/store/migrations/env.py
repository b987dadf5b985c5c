"""Alembic environment: runs on the connection the Store hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import commonground.catalog.tables  # noqa: F401  (registers the tables on the metadata)
from commonground.store.base import Base

target_metadata = Base.metadata
config = context.config
connection = config.attributes.get("connection")

if connection is None:  # `alembic revision --autogenerate` from the command line
    url = config.get_main_option("sqlalchemy.url") or "sqlite://"
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
