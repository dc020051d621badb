"""The systemd watchdog: a test binds the notify socket, starts the server, sees READY=1 and WATCHDOG=1;
after an injected hang of the sign-in writer the pings stop, and they come back when it recovers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from screen_server.config import Settings
from screen_server.meetings.models import SignInMethod
from screen_server.ops.watchdog import Watchdog, notify
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.1)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "600000")  # 0.6 s: a ping every 0.2 s
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.close()


def received(sock: socket.socket, seconds: float) -> list[str]:
    got, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(sock.recv(4096).decode("utf-8"))
        except TimeoutError:
            continue
    return got


def test_ready_then_pings_which_stop_while_the_writer_hangs(notify_socket: socket.socket,
                                                            settings: Settings) -> None:
    server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    release = threading.Event()
    try:
        assert server.watchdog is not None
        server.stall_seconds = 0.5
        first = received(notify_socket, 1.5)
        assert first[0].startswith("READY=1")
        assert first.count("WATCHDOG=1") >= 3

        writer = server.runtime.signin_writer
        real_write = writer._write

        def hang(batch: Any) -> None:
            release.wait(30)
            real_write(batch)

        writer._write = hang  # type: ignore[method-assign]
        writer.submit(meeting_id=1, member_id=1, method=SignInMethod.TERMINAL)
        received(notify_socket, 0.8)  # pings already on their way before the hang counted as a stall
        during = received(notify_socket, 1.5)
        assert "WATCHDOG=1" not in during
        assert any(m.startswith("STATUS=异常") and "sign-in writer stalled" in m for m in during)

        release.set()
        after = received(notify_socket, 1.5)
        assert "WATCHDOG=1" in after
    finally:
        release.set()
        server.stop()
    assert "STOPPING=1" in received(notify_socket, 0.5)


def test_http_that_stops_answering_stops_the_pings(notify_socket: socket.socket, settings: Settings) -> None:
    server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    try:
        assert "WATCHDOG=1" in received(notify_socket, 1.0)
        server._http.close()  # the HTTP side is gone; the process lives on
        received(notify_socket, 0.5)
        assert "WATCHDOG=1" not in received(notify_socket, 1.5)
    finally:
        server.stop()


def test_without_systemd_there_is_no_watchdog(tmp_path: Path) -> None:
    assert Watchdog.from_env({}, []) is None
    assert not notify("READY=1", "")
    only_ready = Watchdog.from_env({"NOTIFY_SOCKET": str(tmp_path / "x")}, [])
    assert only_ready is not None and only_ready.interval is None
    other_pid = Watchdog.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, [])
    assert other_pid is not None and other_pid.interval is None  # the pings are meant for another process
    ours = Watchdog.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "90000000"}, [])
    assert ours is not None and ours.interval == 30.0
