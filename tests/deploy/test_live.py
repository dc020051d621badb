"""The deployment files, run: the server started by the systemd unit's own command line stops cleanly
on SIGTERM, and nginx with deploy/nginx/activity-room.conf really carries HTTP and the WebSocket."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session
from websockets.exceptions import InvalidStatus

from screen_server import protocol
from screen_server.runner import RoomServer
from tests.deploy.files import DEPLOY, SERVE, unit
from tests.helpers.factories import make_device
from tests.helpers.ws import RoomClient

WAIT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the process exited early"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # polling a starting process; bounded by the deadline
    raise TimeoutError(f"nothing listens on {port}")


def test_the_units_command_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    keys = unit("activity-room.service")
    assert keys["ExecStart"] == [SERVE]
    program = Path(sys.executable).with_name("activity-room")
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copy(DEPLOY / "config.example.toml", data / "config.toml")  # as install.sh leaves it
    http_port, ws_port = free_port(), free_port()
    argv = (
        SERVE.replace("/opt/activity-room/venv/bin/activity-room", str(program))
        .replace("/var/lib/activity-room", str(data))
        .split()
    )
    argv += ["--host", "127.0.0.1", "--port", str(http_port), "--ws-port", str(ws_port)]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until_listening(http_port, proc)
        health = requests.get(f"http://127.0.0.1:{http_port}/healthz", timeout=10).json()
        assert health["status"] == "ok" and health["database"] == "sqlite"
        proc.send_signal(signal.SIGTERM)  # what systemd sends (KillSignal=SIGTERM)
        assert proc.wait(timeout=int(keys["TimeoutStopSec"][0])) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert (data / "activity-room.sqlite3").exists() and (data / "media").is_dir()
    assert (data / "secret_key").stat().st_mode & 0o077 == 0


def _nginx_binary() -> str | None:
    for candidate in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture
def nginx(server: RoomServer, tmp_path: Path) -> Iterator[int]:
    """deploy/nginx/activity-room.conf in front of ``server``, on a free port; yields that port."""
    binary = _nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (set NGINX=/path/to/nginx to run this test)")
    port = free_port()
    site = (DEPLOY / "nginx" / "activity-room.conf").read_text("utf-8")
    site = (
        site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{server.http_port};")
        .replace("server 127.0.0.1:8765;", f"server 127.0.0.1:{server.runtime.ws_port};")
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("listen [::]:80;", "")
    )
    (tmp_path / "site.conf").write_text(site, "utf-8")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; master_process off; pid {tmp_path / 'nginx.pid'}; error_log stderr warn;\n"
        f"events {{}}\nhttp {{ access_log off; {temp} include {tmp_path / 'site.conf'}; }}\n",
        "utf-8",
    )
    with (tmp_path / "nginx.log").open("wb") as log:
        proc = subprocess.Popen(
            [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_until_listening(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_nginx_carries_http_with_gzip(nginx: int) -> None:
    base = f"http://127.0.0.1:{nginx}"
    health = requests.get(base + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    spec = requests.get(base + "/api/openapi.json", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert spec.headers.get("Content-Encoding") == "gzip" and spec.json()["openapi"].startswith("3.")
    missing = requests.get(base + "/api/nothing-here", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_nginx_carries_the_websocket_and_keeps_the_origin_rule(
    nginx: int, server: RoomServer, session: Session
) -> None:
    device, token = make_device(session)
    session.commit()
    url = f"ws://127.0.0.1:{nginx}/ws"

    async def scenario() -> None:
        screen = await RoomClient.open(url, device_token=token)
        assert screen.welcome["type"] == protocol.WELCOME and screen.snapshot["type"] == protocol.SNAPSHOT
        # An event raised in the server reaches the screen through the proxy.
        server.runtime.bus.publish(protocol.Event(protocol.PREVIEW_REQUESTED, {}, device_id=device.id))
        assert (await screen.recv_type(protocol.PREVIEW_REQUESTED))["seq"] > screen.snapshot["seq"]
        await screen.close()
        # Host and Origin pass through unchanged: the server's own page is let in, another site is not.
        browser = await RoomClient.open(url, device_token=token, origin=f"http://127.0.0.1:{nginx}")
        assert browser.welcome["type"] == protocol.WELCOME
        await browser.close()
        with pytest.raises(InvalidStatus) as refused:
            await RoomClient.open(url, device_token=token, origin="http://evil.example")
        assert refused.value.response.status_code == 403

    asyncio.run(scenario())
