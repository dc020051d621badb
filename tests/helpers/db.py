"""Test databases: SQLite by default, PostgreSQL when TEST_DATABASE_URL (or DATABASE_URL) names one.

Each xdist worker migrates one database once; each test then gets it clean (a copy of the migrated
SQLite file, or the PostgreSQL tables truncated), so tests never see each other's rows.

Tests that start from the demo organisation do not seed it (2–3 s a time): each worker seeds one demo
template once (`DemoTemplate`), and each such test gets a copy of it — a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL — and a copy of its media store.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from screen_server.config import Settings
from screen_server.db import make_engine, make_session_factory, migrate


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
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        worker_url = _pg_url(url, name)
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


def _pg_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _pg_admin(url: str, *statements: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


@dataclass
class DemoTemplate:
    """One worker's seeded demo organisation, copied for each test that asks for it.

    ``make_settings(data_dir, database_url)`` builds the settings a test would get, so the template is
    seeded with the same secret key and options the tests run with.
    """

    worker_url: str
    base_dir: Path
    make_settings: Callable[[Path, str], Settings]
    url: str = ""
    day: dt.date | None = None

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "demo-data"

    def copy_into(self, data_dir: Path) -> str:
        """Copy the seeded database and media store for one test; return the copy's database URL."""
        from screen_server.meetings.services import LOCAL_TZ

        # The demo is seeded relative to today (a meeting open now, study "earlier today"): past
        # midnight in the room's time zone, seed again rather than hand out yesterday's demo.
        if self.day != dt.datetime.now(LOCAL_TZ).date():
            self._seed()
        shutil.copytree(self.data_dir / "media", data_dir / "media", dirs_exist_ok=True)
        if is_postgres(self.url):
            template, name = make_url(self.url).database, f"{make_url(self.worker_url).database}_t"
            _pg_admin(self.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                      f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return _pg_url(self.url, name)
        target = data_dir / "demo.sqlite3"
        shutil.copyfile(self.url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target.as_posix()}"

    def _seed(self) -> None:
        from screen_server.demo import seed_demo
        from screen_server.meetings.services import LOCAL_TZ

        day = dt.datetime.now(LOCAL_TZ).date()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if is_postgres(self.worker_url):
            name = f"{make_url(self.worker_url).database}_demo"
            _pg_admin(self.worker_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
            self.url = _pg_url(self.worker_url, name)
        else:
            self.base_dir.mkdir(parents=True, exist_ok=True)
            path = self.base_dir / "demo-template.sqlite3"
            shutil.copyfile(self.worker_url.removeprefix("sqlite:///"), path)
            self.url = f"sqlite:///{path.as_posix()}"
        settings = self.make_settings(self.data_dir, self.url)
        engine = make_engine(self.url)
        try:
            if is_postgres(self.url):
                migrate(engine)
            with make_session_factory(engine)() as session:
                seed_demo(session, settings)
                session.commit()
        finally:
            engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template without connections
        self.day = day
