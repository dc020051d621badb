"""Fixtures every test may use: settings on a clean database, the runtime, the Flask app and client,
a session, and a live server on free ports (HTTP and WebSocket).

A test that asks for ``demo_db`` (directly or through another fixture, such as the admin's ``demo``)
starts from the demo organisation: ``settings`` then points at a copy of the worker's seeded template
instead of an empty database. With ``TEST_REDIS_URL`` set (the PostgreSQL pass), the settings name that
Redis, so every server a test starts publishes through the real Redis bus, on a channel of its own per
worker.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.app import create_app
from screen_server.config import Settings, load_settings
from screen_server.runner import RoomServer
from screen_server.runtime import Runtime, build_runtime
from tests.helpers.db import DemoTemplate, fresh_database, is_postgres, prepare_worker_database, requested_url
from tests.helpers.phone import PhoneFormClient

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def data_key() -> None:
    """A data key for tests that open a database without a runtime (each runtime loads its own)."""
    from cryptography.fernet import Fernet

    from screen_server import privacy

    privacy.install(Fernet.generate_key())


@pytest.fixture(scope="session")
def worker_db_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    return prepare_worker_database(tmp_path_factory.mktemp("db"), worker_id)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests save screenshots for people to look at (kept after the run)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def make_test_settings(data_dir: Path, database_url: str, worker: str = "master") -> Settings:
    """The settings every test server runs with, on ``database_url``."""
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    return load_settings(
        data_dir,
        env={},
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        ws_port=0,
        secret_key="test-secret-key",
        http_threads=8,
        redis_url=redis_url,
        # Pub/sub channels are global to a Redis server: each worker (and each checkout) its own.
        redis_namespace=f"test:{os.environ.get('AR_TEST_TAG', '')}{worker}" if redis_url else "activity-room",
        # One data key for every test database: the seeded demo template is copied into many data dirs.
        data_key="dGVzdC1kYXRhLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=",
        admin_totp="optional",  # the demo's and the factories' admins sign in with a password; test_totp covers "required"
    )


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, worker_db_url: str, worker_id: str) -> DemoTemplate:
    """This worker's demo organisation, seeded once (again after local midnight) and copied per test."""
    return DemoTemplate(worker_db_url, tmp_path_factory.mktemp("demo"),
                        lambda data_dir, url: make_test_settings(data_dir, url, worker_id))


@pytest.fixture
def demo_db() -> None:
    """Ask for this fixture to start from the demo organisation (``settings`` reads it and hands out a
    copy of the seeded template)."""


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, worker_db_url: str, worker_id: str) -> Settings:
    if "demo_db" in request.fixturenames:
        url = request.getfixturevalue("demo_template").copy_into(tmp_path / "data")
    else:
        url = fresh_database(worker_db_url, tmp_path)
    return make_test_settings(tmp_path / "data", url, worker_id)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The server's parts without its threads. Events stay in process (``LocalBus``), so a test's
    ``EventLog`` sees them the moment the session commits; a running server uses ``settings.redis_url``."""
    rt = build_runtime(dataclasses.replace(settings, redis_url=""), apply_migrations=False)
    yield rt
    rt.close()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def _apps() -> dict[tuple[str, int], tuple[Flask, dict[str, Any]]]:
    """This worker's Flask apps, by the settings ``create_app`` reads (built once: ~170 routes to compile)."""
    return {}


@pytest.fixture
def app(runtime: Runtime, _apps: dict[tuple[str, int], tuple[Flask, dict[str, Any]]]) -> Iterator[Flask]:
    """The server's Flask app on this test's runtime. The app is built once per worker and handed the
    runtime of each test; what a test changes in its config is put back afterwards."""
    from screen_server.http import content

    key = (runtime.settings.secret_key, runtime.settings.max_upload_mb)
    if key not in _apps:
        built = create_app(runtime)
        built.config.update(TESTING=True)
        built.test_client_class = PhoneFormClient  # phone forms are posted with their page's CSRF token
        _apps[key] = (built, dict(built.config))
    app, config = _apps[key]
    app.extensions["activity_room"] = runtime
    app.extensions["activity_room.ratelimits"].storage.reset()  # the app outlives a test; its counts must not
    content._served.clear()  # media ids of the previous test's database
    content.forget_served_on_change(runtime.bus)
    yield app
    app.config.clear()
    app.config.update(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[Callable[..., RoomServer]]:
    """Start running servers (HTTP + WebSocket + jobs) on free ports on this test's database:
    ``live_server(**setting_overrides)``. Each is stopped when the test ends, the last started first."""
    started: list[RoomServer] = []

    def start(**overrides: Any) -> RoomServer:
        chosen = dataclasses.replace(settings, **overrides)
        started.append(RoomServer(chosen, runtime=build_runtime(chosen, apply_migrations=False)).start())
        return started[-1]

    yield start
    for srv in reversed(started):
        srv.stop()


@pytest.fixture
def server(live_server: Callable[..., RoomServer]) -> RoomServer:
    """A running server (HTTP + WebSocket + jobs) on free ports."""
    return live_server()


# --- the PostgreSQL pass: only the tests that open a database or the bus --------------------------------
# A test opens a database when its fixtures reach worker_db_url (settings, session, client, server … all
# do), or its own PostgreSQL (pg_database); tests marked postgres or redis reach a server themselves.
DB_FIXTURES = frozenset({"worker_db_url", "pg_database"})
DB_MARKERS = frozenset({"postgres", "redis"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--every-test", action="store_true",
                     help="on PostgreSQL, also run the tests that open no database (deselected by default)")


def touches_db(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & DB_FIXTURES) or any(item.get_closest_marker(m) for m in DB_MARKERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if touches_db(item):
            item.add_marker(pytest.mark.db)
    if not is_postgres(requested_url()) or config.getoption("--every-test"):
        return
    keep = [item for item in items if item.get_closest_marker("db")]
    dropped = [item for item in items if not item.get_closest_marker("db")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    if is_postgres(requested_url()):
        bus = "Redis bus (TEST_REDIS_URL)" if os.environ.get("TEST_REDIS_URL") else "in-process bus"
        every = config.getoption("--every-test")
        return f"PostgreSQL pass, {bus}: {'every test' if every else 'only tests that open a database or the bus'}"
    return "SQLite pass, in-process bus: every test"


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.helpers.browser import close_shared

    close_shared()
