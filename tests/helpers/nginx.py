"""A real nginx in front of server processes, on loopback ports, for tests: the shipped
deploy/nginx/activity-room.conf with its upstream blocks pointing at the processes given (the config is
written by ``bench.nginx``, which the scale-out benchmarks use too).

nginx runs as a non-daemon child (``daemon off; master_process off``) with a temporary prefix, so a
test needs no root and leaves nothing behind. Skipped where nginx is not installed (``make test``
installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.nginx import write_config

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


@contextmanager
def run_nginx(workdir: Path, http_ports: Sequence[int], ws_ports: Sequence[int]) -> Iterator[int]:
    """Start nginx in front of the given upstream ports; yield the port it listens on."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (make test installs it; or set NGINX=/path/to/nginx)")
    conf, port = write_config(workdir, http_ports, ws_ports)
    with (workdir / "nginx.log").open("wb") as log:
        proc = subprocess.Popen([binary, "-p", str(workdir), "-c", str(conf)],
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
