"""Fixtures every test may use: settings on a clean database, the runtime, the Flask app and client,
a session, and a live server on free ports (HTTP and WebSocket)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.app import create_app
from screen_server.config import Settings, load_settings
from screen_server.runner import RoomServer
from screen_server.runtime import Runtime, build_runtime
from tests.helpers.db import fresh_database, prepare_worker_database
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


@pytest.fixture
def settings(tmp_path: Path, worker_db_url: str) -> Settings:
    env = {k: v for k, v in os.environ.items() if k == "REDIS_URL_FOR_TESTS"}
    return load_settings(
        tmp_path / "data",
        env=env,
        database_url=fresh_database(worker_db_url, tmp_path),
        host="127.0.0.1",
        port=0,
        ws_port=0,
        secret_key="test-secret-key",
        http_threads=8,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, apply_migrations=False)
    yield rt
    rt.close()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.session_factory() as s:
        yield s


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime)
    app.config.update(TESTING=True)
    app.test_client_class = PhoneFormClient  # phone forms are posted with their page's CSRF token
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def server(settings: Settings) -> Iterator[RoomServer]:
    """A running server (HTTP + WebSocket + jobs) on free ports."""
    srv = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    yield srv
    srv.stop()
