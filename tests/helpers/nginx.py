"""A real nginx in front of server processes, on loopback ports, for tests: the shipped
deploy/nginx/activity-room.conf with its upstream blocks pointing at the processes given.

nginx runs as a non-daemon child (``daemon off; master_process off``) with a temporary prefix, so a
test needs no root and leaves nothing behind. Skipped where nginx is not installed (``make test``
installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "activity-room.conf"
WAIT = 30.0


def nginx_binary() -> str | None:
    for candidate in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_config(port: int, http_ports: Sequence[int], ws_ports: Sequence[int]) -> str:
    """The shipped site with its two upstream blocks listing ``http_ports`` and ``ws_ports`` on loopback."""
    site = SITE.read_text("utf-8")

    def upstream(name: str, ports: Sequence[int], text: str) -> str:
        block = re.search(rf"upstream {name} \{{\n(.*?)\n\}}", text, re.S)
        assert block is not None, f"no upstream {name} in {SITE}"
        lines = [ln for ln in block.group(1).splitlines() if not re.match(r"\s*#?\s*server ", ln)]
        servers = [f"    server 127.0.0.1:{p};" for p in ports]
        return text.replace(block.group(0), f"upstream {name} {{\n" + "\n".join(servers + lines) + "\n}")

    site = upstream("activity_room_http", http_ports, site)
    site = upstream("activity_room_ws", ws_ports, site)
    return site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")


@contextmanager
def run_nginx(workdir: Path, http_ports: Sequence[int], ws_ports: Sequence[int]) -> Iterator[int]:
    """Start nginx in front of the given upstream ports; yield the port it listens on."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (make test installs it; or set NGINX=/path/to/nginx)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (workdir / "site.conf").write_text(site_config(port, http_ports, ws_ports), "utf-8")
    temp = " ".join(f"{kind}_temp_path {workdir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                        "scgi"))
    (workdir / "nginx.conf").write_text(
        f"daemon off; master_process off; pid {workdir / 'nginx.pid'}; error_log stderr warn;\n"
        f"events {{ worker_connections 4096; }}\n"
        f"http {{ access_log off; {temp} include {workdir / 'site.conf'}; }}\n", "utf-8")
    with (workdir / "nginx.log").open("wb") as log:
        proc = subprocess.Popen([binary, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
                                stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert proc.poll() is None, (workdir / "nginx.log").read_text("utf-8", "replace")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"nginx does not listen on {port}")
            time.sleep(0.05)  # polling a starting process; bounded by the deadline
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
