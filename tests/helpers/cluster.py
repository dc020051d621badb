"""Several ``activity-room serve`` processes on one PostgreSQL database and one Redis, as a
headquarters runs them behind nginx; for the scale-out tests.

``pg_database()`` makes a fresh PostgreSQL database (named with ``AR_TEST_TAG``) and drops it after.
On the PostgreSQL pass (CI) a missing PostgreSQL fails the test; on the SQLite pass the test is
skipped with the reason. ``Cluster`` starts the processes with the same secret, database and Redis
namespace, each on its own free ports, and stops or kills them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.helpers.db import is_postgres, requested_url
from tests.helpers.nginx import free_port

PG_URL = requested_url() if is_postgres(requested_url()) else os.environ.get(
    "TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
PROGRAM = str(Path(sys.executable).with_name("activity-room"))
START_WAIT = 60.0


@contextmanager
def pg_database() -> Iterator[str]:
    name = f"ar_scale_{os.environ.get('AR_TEST_TAG', '')}{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        if is_postgres(requested_url()):
            pytest.fail(f"PostgreSQL at {PG_URL} does not answer on the PostgreSQL pass: {exc}")
        pytest.skip(f"several processes share PostgreSQL, which does not answer here (SQLite pass): {exc}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    http_port: int
    ws_port: int
    log: Path
    owner: str = ""

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/ws"

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Cluster:
    workdir: Path
    database_url: str
    redis_url: str
    namespace: str
    secret: str = "one-secret-for-every-process"
    env: Mapping[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    def start(self, count: int) -> Cluster:
        base = {k: v for k, v in os.environ.items() if not k.startswith("ACTIVITY_ROOM_")}
        env = base | {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                      "ACTIVITY_ROOM_SECRET_KEY": self.secret, "ACTIVITY_ROOM_REDIS_NAMESPACE": self.namespace,
                      "ACTIVITY_ROOM_LOG_LEVEL": "WARNING", **self.env}
        self.workdir.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            http_port, ws_port = free_port(), free_port()
            log = self.workdir / f"server{i}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [PROGRAM, "serve", "--data", str(self.workdir / f"p{i}"), "--host", "127.0.0.1",
                     "--port", str(http_port), "--ws-port", str(ws_port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            self.servers.append(Server(proc, http_port, ws_port, log))
        for server in self.servers:
            self._wait_healthy(server)
        return self

    def _wait_healthy(self, server: Server) -> None:
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            assert server.alive, server.log.read_text("utf-8", "replace")[-3000:]
            try:
                r = requests.get(server.http_url + "/healthz", timeout=2)
                if r.status_code == 200:
                    server.owner = r.json()["process"]
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)  # polling a starting process; bounded by the deadline
        raise TimeoutError(server.http_url)

    def by_owner(self, owner: str) -> Server:
        return next(s for s in self.servers if s.owner == owner)

    def kill(self, server: Server) -> None:
        """SIGKILL: no clean-up, no lease released, nothing flushed."""
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)

    def stop(self) -> list[int]:
        """SIGTERM every live process; return their exit codes."""
        live = [s for s in self.servers if s.alive]
        for s in live:
            os.killpg(s.proc.pid, signal.SIGTERM)
        codes = []
        for s in live:
            try:
                codes.append(s.proc.wait(timeout=20))
            except subprocess.TimeoutExpired:
                os.killpg(s.proc.pid, signal.SIGKILL)
                codes.append(s.proc.wait())
        return codes
