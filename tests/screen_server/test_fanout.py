"""Scale-out: two server processes on one PostgreSQL and one Redis; an event raised on one reaches a
WebSocket client of the other. Runs on every pass (the machine provides both services)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from screen_server import protocol
from screen_server.bus import RedisBus
from screen_server.config import load_settings
from screen_server.db import make_engine, make_session_factory, migrate, utcnow
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.meetings import qr
from screen_server.meetings.models import MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.protocol import Event
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user
from tests.helpers.ws import RoomClient

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
pytestmark = pytest.mark.redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server process exited early"
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)  # polling a starting process; bounded by the deadline
    raise TimeoutError(url)


@pytest.fixture
def pg_database(worker_id: str) -> Iterator[str]:
    name = f"ar_fanout_{worker_id}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_redis_bus_delivers_across_instances() -> None:
    channel_a, channel_b = RedisBus(REDIS_URL), RedisBus(REDIS_URL)
    got: list[Event] = []
    channel_b.subscribe(got.append)
    channel_a.start()
    channel_b.start()
    try:
        assert channel_b.wait_ready()
        sent = channel_a.publish(Event("ping", {"n": 1}, room_id=7))
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.01)
        assert got and got[0].type == "ping" and got[0].room_id == 7 and got[0].seq == sent.seq
        assert channel_b.last_seq() >= sent.seq
    finally:
        channel_a.close()
        channel_b.close()


def test_event_on_one_process_reaches_a_client_of_the_other(tmp_path: Path, pg_database: str) -> None:
    secret = "shared-secret-for-both"
    engine = make_engine(pg_database)
    migrate(engine)
    with make_session_factory(engine)() as s:
        branch = make_branch(s)
        member = make_member(s, branch_id=branch.id)
        room = make_room(s)
        _device, token = make_device(s, room_id=room.id)
        now = utcnow()
        meeting = create_meeting(
            s, load_settings(tmp_path / "seed", env={}, secret_key=secret), make_user(s),
            title="跨进程签到", type=MeetingType.GROUP, branch_ids=[branch.id], room_id=room.id,
            starts_at=now + dt.timedelta(minutes=20), ends_at=now + dt.timedelta(hours=1),
            signin_opens_at=now - dt.timedelta(minutes=1),
        )
        s.commit()
        cookie = phone_cookie_value(secret, member)
        meeting_id, member_id = meeting.id, member.id
    engine.dispose()
    redis.Redis.from_url(REDIS_URL).ping()

    env = os.environ | {"DATABASE_URL": pg_database, "REDIS_URL": REDIS_URL, "ACTIVITY_ROOM_SECRET_KEY": secret,
                        "ACTIVITY_ROOM_RUN_JOBS": "false"}
    procs, urls = [], []
    try:
        for i in range(2):
            http_port, ws_port = _free_port(), _free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "screen_server.cli", "serve", "--data", str(tmp_path / f"p{i}"),
                 "--host", "127.0.0.1", "--port", str(http_port), "--ws-port", str(ws_port)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
            procs.append(proc)
            urls.append((f"http://127.0.0.1:{http_port}", f"ws://127.0.0.1:{ws_port}/ws"))
        for (http_url, _), proc in zip(urls, procs, strict=True):
            _wait_healthy(http_url, proc)
            assert requests.get(http_url + "/healthz", timeout=5).json()["bus"] == "redis"

        async def scenario() -> None:
            wall = await RoomClient.open(urls[1][1], device_token=token)  # a screen of process 2
            assert wall.snapshot["state"]["signin"]["meeting"]["id"] == meeting_id
            qr_token = qr.current(secret, meeting_id, utcnow(), 15).token
            # The member signs in through process 1.
            r = await asyncio.to_thread(
                requests.post, f"{urls[0][0]}/api/meetings/{meeting_id}/signins",
                json={"token": qr_token}, cookies={PHONE_COOKIE: cookie}, timeout=10)
            assert r.status_code == 201, r.text
            msg = await wall.recv_type(protocol.SIGNIN_RECORDED)
            assert msg["attendee"]["member_id"] == member_id and msg["counts"]["signed"] == 1
            await wall.close()

        asyncio.run(scenario())
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            assert proc.wait(timeout=15) == 0  # SIGTERM stops the server cleanly with exit code 0


def test_redis_bus_publishes_a_transactions_events_in_one_round_trip_in_order() -> None:
    sender, receiver = RedisBus(REDIS_URL, "test-many"), RedisBus(REDIS_URL, "test-many")
    got: list[Event] = []
    receiver.subscribe(got.append)
    receiver.start()
    try:
        assert receiver.wait_ready()
        sent = sender.publish_many([Event("signin.recorded", {"n": n}, room_id=3) for n in range(5)])
        assert [e.seq for e in sent] == sorted(e.seq for e in sent) and len({e.seq for e in sent}) == 5
        deadline = time.monotonic() + 5
        while len(got) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [(e.payload["n"], e.seq) for e in got] == [(n, e.seq) for n, e in enumerate(sent)]
    finally:
        sender.close()
        receiver.close()
