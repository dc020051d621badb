"""Alembic environment: runs on the engine the server hands over (``db.migrate``), or on DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from screen_server.db import Base, import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


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
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
