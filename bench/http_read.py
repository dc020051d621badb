"""``http_read``: requests per second of a read endpoint of our server at 64 connections, against a bare
Flask JSON endpoint served the same way (waitress, same thread count), both in child processes.

The endpoint is ``GET /api/server-info`` (no database; ``/healthz`` adds a ``SELECT 1``). The two servers
are measured in alternating rounds after a warm-up, so drift on a shared machine hits both alike.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.procs import BenchError, Child, activity_room_cmd, children, clean_env, free_port, wait_http

ENDPOINT = "/api/server-info"
HTTP_THREADS = 16  # screen_server.config.Settings.http_threads


def start_ours(started: list[Child], data: Path, log_dir: Path, *, threads: int) -> str:
    port, ws_port = free_port(), free_port()
    argv = [
        *activity_room_cmd(),
        "serve",
        "--data",
        str(data),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws-port",
        str(ws_port),
    ]
    env = clean_env(ACTIVITY_ROOM_HTTP_THREADS=str(threads), ACTIVITY_ROOM_LOG_LEVEL="WARNING")
    child = Child(argv, name="ours-http", log_dir=log_dir, env=env)
    started.append(child)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", child)
    return base


def start_bare(started: list[Child], log_dir: Path, *, threads: int) -> str:
    port = free_port()
    argv = [sys.executable, "-m", "bench.flask_bare", "--port", str(port), "--threads", str(threads)]
    child = Child(argv, name="bare-flask", log_dir=log_dir)
    started.append(child)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + ENDPOINT, child)
    return base


def _combine(loads: list[loadgen.Load]) -> dict[str, Any]:
    requests = sum(x.requests for x in loads)
    seconds = sum(x.seconds for x in loads)
    return {
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": sum(x.p50_ms for x in loads) / len(loads),
        "p99_ms": max(x.p99_ms for x in loads),
        "errors": sum(x.errors for x in loads),
        "requests": requests,
        "rounds_rps": [round(x.rps, 1) for x in loads],
    }


def run(
    *,
    quick: bool = False,
    connections: int = 64,
    seconds: float | None = None,
    rounds: int | None = None,
    warmup: float | None = None,
    threads: int = HTTP_THREADS,
    tool: str = "auto",
) -> dict[str, dict[str, Any]]:
    """Measure ours and the bare baseline; return ``{"http_read": result}``."""
    seconds = seconds if seconds is not None else (2.0 if quick else 5.0)
    rounds = rounds if rounds is not None else (1 if quick else 2)
    warmup = warmup if warmup is not None else (1.0 if quick else 2.0)
    tool = tool if tool != "auto" else ("wrk" if loadgen.has_wrk() else "python")
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp, children() as started:
        tmp_path = Path(tmp)
        ours_url = start_ours(started, tmp_path / "data", tmp_path, threads=threads) + ENDPOINT
        bare_url = start_bare(started, tmp_path, threads=threads) + ENDPOINT
        for url in (ours_url, bare_url):
            if warmup > 0:
                loadgen.run(url, connections=connections, seconds=warmup, tool=tool)
        ours_loads, bare_loads = [], []
        for _ in range(rounds):
            ours_loads.append(loadgen.run(ours_url, connections=connections, seconds=seconds, tool=tool))
            bare_loads.append(loadgen.run(bare_url, connections=connections, seconds=seconds, tool=tool))
    ours, bare = _combine(ours_loads), _combine(bare_loads)
    for side, got in (("ours", ours), ("bare", bare)):
        if got["errors"] > 0.01 * max(1, got["requests"]):
            raise BenchError(f"{side}: {got['errors']} errors in {got['requests']} requests")
    return {
        "http_read": {
            "value": round(ours["rps"], 1),
            "unit": "req/s",
            "baseline": round(bare["rps"], 1),
            "ratio": round(ours["rps"] / bare["rps"], 3) if bare["rps"] else None,
            "p50_ms": round(ours["p50_ms"], 2),
            "p99_ms": round(ours["p99_ms"], 2),
            "baseline_p50_ms": round(bare["p50_ms"], 2),
            "baseline_p99_ms": round(bare["p99_ms"], 2),
            "errors": ours["errors"],
            "baseline_errors": bare["errors"],
            "requests": ours["requests"],
            "rounds_rps": ours["rounds_rps"],
            "baseline_rounds_rps": bare["rounds_rps"],
            "endpoint": "GET " + ENDPOINT,
            "connections": connections,
            "server_threads": threads,
            "seconds_per_round": seconds,
            "rounds": rounds,
            "method": f"{tool}, {rounds} alternating round(s) of {seconds:g} s after a {warmup:g} s warm-up; "
            "p99 is the worst round's",
        }
    }
