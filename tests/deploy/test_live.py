"""The deployment files, run: the server started by the systemd unit's own command line stops cleanly
on SIGTERM, and nginx with deploy/nginx/activity-room.conf (and a throwaway certificate from
deploy/make-room-ca.sh) passes ``nginx -t``, carries HTTPS and the WebSocket over TLS, and answers plain
HTTP only with a redirect."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Proxy:
    """nginx in front of the server: its HTTPS and HTTP ports, and the throwaway CA its certificate is from."""

    https_port: int
    http_port: int
    ca: Path


def _site(server: RoomServer, tmp_path: Path, https_port: int, http_port: int) -> Path:
    """deploy/nginx/activity-room.conf pointed at ``server``, free ports and a throwaway certificate made
    by deploy/make-room-ca.sh; returns the nginx.conf that includes it."""
    tls = tmp_path / "tls"
    subprocess.run(["sh", str(DEPLOY / "make-room-ca.sh"), "--out", str(tls), "room.local", "127.0.0.1"],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "activity-room.conf").read_text("utf-8")
    site = (
        site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{server.http_port};")
        .replace("server 127.0.0.1:8765;", f"server 127.0.0.1:{server.runtime.ws_port};")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        .replace("listen [::]:80;", "").replace("listen [::]:443 ssl http2;", "")
        .replace("/etc/activity-room/tls/", f"{tls}/")
    )
    (tmp_path / "site.conf").write_text(site, "utf-8")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off; master_process off; pid {tmp_path / 'nginx.pid'}; error_log stderr warn;\n"
        f"events {{}}\nhttp {{ access_log off; {temp} include {tmp_path / 'site.conf'}; }}\n",
        "utf-8",
    )
    return conf


@pytest.fixture
def nginx(server: RoomServer, tmp_path: Path) -> Iterator[Proxy]:
    """deploy/nginx/activity-room.conf in front of ``server`` (HTTPS, and HTTP that only redirects)."""
    binary = _nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (set NGINX=/path/to/nginx to run this test)")
    https_port, http_port = free_port(), free_port()
    conf = _site(server, tmp_path, https_port, http_port)
    checked = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr  # nginx -t: the shipped config, with a real certificate
    with (tmp_path / "nginx.log").open("wb") as log:
        proc = subprocess.Popen(
            [binary, "-p", str(tmp_path), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_until_listening(https_port, proc)
        yield Proxy(https_port, http_port, tmp_path / "tls" / "ca.crt")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_nginx_carries_https_with_gzip_and_http_only_redirects(nginx: Proxy) -> None:
    base = f"https://127.0.0.1:{nginx.https_port}"
    health = requests.get(base + "/healthz", timeout=10, verify=nginx.ca)
    assert health.status_code == 200 and health.json() == {"status": "ok"}  # proxied: no internals
    assert health.headers["Strict-Transport-Security"].startswith("max-age=")
    spec = requests.get(base + "/api/openapi.json", headers={"Accept-Encoding": "gzip"}, timeout=10, verify=nginx.ca)
    assert spec.headers.get("Content-Encoding") == "gzip" and spec.json()["openapi"].startswith("3.")
    missing = requests.get(base + "/api/nothing-here", timeout=10, verify=nginx.ca)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    plain = requests.get(f"http://127.0.0.1:{nginx.http_port}/admin/login?x=1", timeout=10, allow_redirects=False)
    assert plain.status_code == 301 and plain.headers["Location"] == "https://127.0.0.1/admin/login?x=1"


def test_nginx_carries_the_websocket_and_keeps_the_origin_rule(
    nginx: Proxy, server: RoomServer, session: Session
) -> None:
    device, token = make_device(session)
    session.commit()
    url = f"wss://127.0.0.1:{nginx.https_port}/ws"
    tls = ssl.create_default_context(cafile=str(nginx.ca))

    async def scenario() -> None:
        screen = await RoomClient.open(url, device_token=token, ssl=tls)
        assert screen.welcome["type"] == protocol.WELCOME and screen.snapshot["type"] == protocol.SNAPSHOT
        # An event raised in the server reaches the screen through the proxy.
        server.runtime.bus.publish(protocol.Event(protocol.PREVIEW_REQUESTED, {}, device_id=device.id))
        assert (await screen.recv_type(protocol.PREVIEW_REQUESTED))["seq"] > screen.snapshot["seq"]
        await screen.close()
        # Host and Origin pass through unchanged: the server's own page is let in, another site is not.
        browser = await RoomClient.open(url, device_token=token, origin=f"https://127.0.0.1:{nginx.https_port}",
                                        ssl=tls)
        assert browser.welcome["type"] == protocol.WELCOME
        await browser.close()
        with pytest.raises(InvalidStatus) as refused:
            await RoomClient.open(url, device_token=token, origin="http://evil.example", ssl=tls)
        assert refused.value.response.status_code == 403

    asyncio.run(scenario())
