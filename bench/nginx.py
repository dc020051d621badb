"""nginx in front of several server processes for the scale-out benchmarks (and the tests): the shipped
deploy/nginx/activity-room.conf with its two upstream blocks listing the processes, on loopback, as a
non-daemon child with a temporary prefix (no root, nothing left behind)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from bench.procs import BenchError, Child, free_port

SITE = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "activity-room.conf"


def binary() -> str | None:
    for candidate in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def site_config(port: int, http_ports: Sequence[int], ws_ports: Sequence[int]) -> str:
    """The shipped site with its upstream blocks listing ``http_ports`` and ``ws_ports`` on 127.0.0.1."""
    site = SITE.read_text("utf-8")

    def upstream(name: str, ports: Sequence[int], text: str) -> str:
        block = re.search(rf"upstream {name} \{{\n(.*?)\n\}}", text, re.S)
        if block is None:
            raise BenchError(f"no upstream {name} in {SITE}")
        kept = [ln for ln in block.group(1).splitlines() if not re.match(r"\s*#?\s*server ", ln)]
        servers = [f"    server 127.0.0.1:{p};" for p in ports]
        return text.replace(block.group(0), f"upstream {name} {{\n" + "\n".join(servers + kept) + "\n}")

    site = upstream("activity_room_http", http_ports, site)
    site = upstream("activity_room_ws", ws_ports, site)
    return _plain_on_loopback(site, port)


def _plain_on_loopback(site: str, port: int) -> str:
    """The shipped HTTPS server block, listening on plain HTTP on 127.0.0.1:``port``; the port-80 block
    (it only redirects to HTTPS) dropped. What is measured and tested here is nginx's routing to the
    processes (locations, upgrade headers, buffering), not TLS: tests/deploy/test_live.py runs the
    shipped TLS itself with a throwaway certificate."""
    redirect = re.search(r"\nserver \{\n\s*listen 80;.*?\n\}\n", site, re.S)
    if redirect is None:
        raise BenchError(f"no port-80 server block in {SITE}")
    site = site.replace(redirect.group(0), "\n")
    if not re.search(r"^\s*listen 443 ssl[^;]*;", site, re.M):
        raise BenchError(f"no HTTPS listen line in {SITE}")
    site = re.sub(r"^(\s*)listen 443 ssl[^;]*;.*$", rf"\1listen 127.0.0.1:{port};", site, count=1, flags=re.M)
    site = re.sub(r"^\s*listen \[::\]:443[^;]*;\n", "", site, flags=re.M)
    return re.sub(r"^\s*ssl_[a-z_]+ [^;]*;\n", "", site, flags=re.M)


def write_config(workdir: Path, http_ports: Sequence[int], ws_ports: Sequence[int],
                 connections: int = 4096) -> tuple[Path, int]:
    """Write nginx.conf into ``workdir``; return its path and the port nginx will listen on."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (workdir / "site.conf").write_text(site_config(port, http_ports, ws_ports), "utf-8")
    temp = " ".join(f"{kind}_temp_path {workdir / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"daemon off; master_process off; pid {workdir / 'nginx.pid'}; error_log stderr warn;\n"
        f"worker_rlimit_nofile {connections * 3};\n"
        f"events {{ worker_connections {connections}; }}\n"
        f"http {{ access_log off; {temp} include {workdir / 'site.conf'}; }}\n", "utf-8")
    return conf, port


def start(workdir: Path, http_ports: Sequence[int], ws_ports: Sequence[int], *, connections: int = 4096,
          log_dir: Path) -> tuple[Child, int]:
    """Start nginx; return the child and its port (wait for it with ``procs.wait_http``)."""
    exe = binary()
    if exe is None:
        raise BenchError("nginx is not installed (make bench installs it)")
    conf, port = write_config(workdir, http_ports, ws_ports, connections)
    return Child([exe, "-p", str(workdir), "-c", str(conf)], name=f"nginx-{port}", log_dir=log_dir), port
