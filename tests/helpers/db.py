"""Test databases: SQLite by default, PostgreSQL when TEST_DATABASE_URL (or DATABASE_URL) names one.

Each xdist worker migrates one database once; each test then gets it clean (a copy of the migrated
SQLite file, or the PostgreSQL tables truncated), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from screen_server.db import make_engine, migrate


def requested_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def prepare_worker_database(base_dir: Path, worker: str) -> str:
    """Create and migrate this worker's database; return its URL."""
    url = requested_url()
    if is_postgres(url):
        # AR_TEST_TAG keeps concurrent runs from different checkouts apart on one PostgreSQL server.
        name = f"ar_test_{os.environ.get('AR_TEST_TAG', '')}{worker}"
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        worker_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    else:
        base_dir.mkdir(parents=True, exist_ok=True)
        worker_url = f"sqlite:///{(base_dir / 'template.sqlite3').as_posix()}"
    engine = make_engine(worker_url)
    migrate(engine)
    engine.dispose()
    return worker_url


def fresh_database(worker_url: str, tmp_path: Path) -> str:
    """Return the URL of an empty, migrated database for one test."""
    if is_postgres(worker_url):
        engine = create_engine(worker_url)
        with engine.begin() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        engine.dispose()
        return worker_url
    template = Path(worker_url.removeprefix("sqlite:///"))
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target.as_posix()}"
