"""``ws_broadcast_1000``: milliseconds from one event raised on our server's bus to the last of 1,000
WebSocket clients receiving it, against a bare ``websockets.broadcast`` of the same bytes.

Each server runs in a child process (``bench.ws_ours``, ``bench.ws_bare``); the clients run in other
child processes (``bench.ws_clients``), the same harness for both sides. Times are
``time.monotonic_ns()``, one clock for all processes on Linux. The value is the median over rounds,
after one warm-up round. Server memory with every client connected is recorded beside it.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import BenchError, Child, children, clean_env
from bench.ws_bare import payload

NAME = "ws_broadcast_1000"


def _measure(
    server_argv: list[str], side: str, log_dir: Path, *, clients: int, rounds: int, client_procs: int
) -> dict[str, Any]:
    with children() as started:
        server = Child(server_argv, name=f"{side}-ws-server", log_dir=log_dir, stdin=True, lines=True)
        started.append(server)
        words = server.expect("READY", timeout=120)
        url, token = words[0], (words[1] if len(words) > 1 else "")
        procs = max(1, min(client_procs, clients))
        shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        harnesses = []
        for i, share in enumerate(shares):
            argv = [sys.executable, "-m", "bench.ws_clients", "--url", url, "--clients", str(share)]
            if token:
                argv += ["--token", token]
            child = Child(
                argv, name=f"{side}-ws-clients-{i}", log_dir=log_dir, env=clean_env(), stdin=True, lines=True
            )
            started.append(child)
            harnesses.append(child)
        for child in harnesses:
            child.expect("READY", timeout=180)
        rss_kib = server.rss_kib()
        latencies: list[float] = []
        for r in range(rounds + 1):  # round 0 warms up
            server.send(f"FIRE {r}")
            fired = int(server.expect(f"FIRED {r}", timeout=30)[1])
            latest, received = 0, 0
            for child in harnesses:
                child.send(f"WAIT {r} 20")
                done = child.expect(f"DONE {r}", timeout=30)
                latest, received = max(latest, int(done[1])), received + int(done[2])
            if received < clients:
                raise BenchError(f"{side}: round {r} reached {received} of {clients} clients")
            if r > 0:
                latencies.append((latest - fired) / 1e6)
            time.sleep(0.3)  # let both sides settle before the next round
        for child in [*harnesses, server]:
            child.send("QUIT")
    return {"latencies": latencies, "rss_mb": rss_kib / 1024}


def run(
    *, quick: bool = False, clients: int = 1000, rounds: int | None = None, client_procs: int = 2
) -> dict[str, dict[str, Any]]:
    """Measure ours and the bare baseline; return ``{"ws_broadcast_1000": result}``."""
    rounds = rounds if rounds is not None else (3 if quick else 7)
    with tempfile.TemporaryDirectory(prefix="bench-ws-") as tmp:
        tmp_path = Path(tmp)
        kw = {"clients": clients, "rounds": rounds, "client_procs": client_procs}
        bare = _measure([sys.executable, "-m", "bench.ws_bare"], "bare", tmp_path, **kw)
        ours = _measure(
            [sys.executable, "-m", "bench.ws_ours", "--data", str(tmp_path / "data")], "ours", tmp_path, **kw
        )
    ours_ms, bare_ms = statistics.median(ours["latencies"]), statistics.median(bare["latencies"])
    message = {**payload(0), "type": "announcement.published", "seq": 0}
    return {
        NAME: {
            "value": round(ours_ms, 2),
            "unit": "ms",
            "baseline": round(bare_ms, 2),
            "ratio": round(bare_ms / ours_ms, 3) if ours_ms else None,
            "rounds_ms": [round(x, 2) for x in ours["latencies"]],
            "baseline_rounds_ms": [round(x, 2) for x in bare["latencies"]],
            "server_rss_mb": round(ours["rss_mb"], 1),
            "baseline_server_rss_mb": round(bare["rss_mb"], 1),
            "clients": clients,
            "client_processes": max(1, min(client_procs, clients)),
            "message_bytes": len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()),
            "method": f"median of {rounds} rounds after 1 warm-up; bus.publish (ours) / call_soon_threadsafe + "
            "broadcast (bare) → last client's receive, time.monotonic_ns across processes; compression off",
        }
    }
