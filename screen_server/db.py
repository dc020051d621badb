"""The database: declarative base, engine and session factory, and migrations.

One metadata for every area (screen_server's and content's models), with a naming convention so that
Alembic names constraints the same on SQLite and PostgreSQL. SQLite runs in WAL mode with foreign keys on and
``synchronous=FULL`` unless the settings say otherwise.
Sessions are made per request or job and never shared across threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from content.orm import NAMING_CONVENTION, Base, UTCDateTime, utcnow

__all__ = ["NAMING_CONVENTION", "Base", "UTCDateTime", "utcnow", "make_engine", "make_session_factory", "migrate"]


SQLITE_MMAP_BYTES = 256 * 1024 * 1024
SQLITE_CACHE_KIB = 32 * 1024  # per connection, at most
MIGRATION_LOCK = 7_274_2026  # an arbitrary advisory-lock key owned by our migrations


SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")


def make_engine(url: str, *, echo: bool = False, synchronous: str = "FULL") -> Engine:
    """Create the engine for ``url``; SQLite gets WAL, ``synchronous``, foreign keys and a busy timeout.

    ``synchronous=FULL`` (the default) fsyncs the WAL at every commit, so an acknowledged write survives
    a power cut; the writers commit in groups, so that is one fsync per batch, not per sign-in.
    """
    mode = synchronous.strip().upper()
    if mode not in SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous 只能是 {'、'.join(SYNCHRONOUS)}，而不是 {synchronous!r}")
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            # An in-memory database exists only on its one connection.
            poolclass=StaticPool if ":memory:" in url or url == "sqlite://" else None,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={mode}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # Reads walk many rows of a few big tables (a search touches every matching item, thousands
            # over a 10,000-item library): with SQLite's default 2 MB page cache per connection each
            # lookup became a read() of a page evicted a moment before (search_p95_ms 42 ms). The file
            # mapped into memory (shared through the OS page cache, not per connection) and a larger
            # cache ceiling (filled only as pages are used) make those lookups memory reads.
            cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'activity-room.sqlite3').as_posix()}"


def import_all_models() -> None:
    """Import every model module so the metadata is complete (for migrations and tests)."""
    from content import models as _content  # noqa: F401
    from screen_server.alerts import models as _alerts  # noqa: F401
    from screen_server.announcements import models as _ann  # noqa: F401
    from screen_server.assessment import models as _assessment  # noqa: F401
    from screen_server.audit import models as _audit  # noqa: F401
    from screen_server.contests import models as _contests  # noqa: F401
    from screen_server.devices import models as _dev  # noqa: F401
    from screen_server.exams import models as _exams  # noqa: F401
    from screen_server.meetings import models as _meetings  # noqa: F401
    from screen_server.messages import models as _messages  # noqa: F401
    from screen_server.offline import models as _offline  # noqa: F401
    from screen_server.org import models as _org  # noqa: F401
    from screen_server.points import models as _points  # noqa: F401
    from screen_server.polls import models as _polls  # noqa: F401
    from screen_server.practice import models as _practice  # noqa: F401
    from screen_server.screens import models as _screens  # noqa: F401
    from screen_server.service_window import models as _service_window  # noqa: F401
    from screen_server.setup import models as _setup  # noqa: F401
    from screen_server.stats import indexes as _stats_indexes  # noqa: F401
    from screen_server.study import models as _study  # noqa: F401


def migrate(engine: Engine) -> None:
    """Bring the database to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection_engine"] = engine
    if engine.dialect.name != "postgresql":
        command.upgrade(cfg, "head")
        return
    # Several processes starting together on one PostgreSQL: one migrates, the others wait.
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            command.upgrade(cfg, "head")
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
