"""Alembic environment: runs on the engine the server hands over (``db.migrate``), or on DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from screen_server.db import Base, import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out what the models do not describe on purpose: SQLite's full-text tables and the
    expression index on PostgreSQL (both made by the content-search revision)."""
    if type_ == "table" and (name or "").startswith("content_search"):
        return False
    return not (type_ == "index" and name == "ix_content_items_search")


def run() -> None:
    engine = config.attributes.get("connection_engine")
    if engine is None:
        engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///data/activity-room.sqlite3"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
