"""``kill9_signin``: 1,000 members sign in through the phone's JSON API while the server is killed with
SIGKILL at a random moment; 20 trials, each on a fresh copy of the same database.

Per trial: the load (32 threads, every sign-in with its own client-made id) runs until the kill; every
sign-in answered 200/201 counts as acknowledged. Then the database is opened as the killed server left
it (WAL included): ``PRAGMA integrity_check``, and every acknowledged sign-in must be there (*lost*
counts those that are not). Then the server is started again and every one of the 1,000 sign-ins is
sent again with the same client id, as a phone retrying would: each member must end up signed in
exactly once (*duplicated* counts extra rows). The value is the number lost over all trials (goal 0).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import queue
import random
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.procs import Child, activity_room_cmd, children, clean_env, free_port, wait_http
from bench.signin import ROTATE, SECRET, _cookies, _seed

MEMBERS = 1_000
TRIALS = 20
THREADS = 32
DB = "activity-room.sqlite3"


def _serve(data: Path, tmp: Path, name: str, started: list[Child]) -> tuple[Child, int]:
    port, ws_port = free_port(), free_port()
    child = Child([*activity_room_cmd(), "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port),
                   "--ws-port", str(ws_port)], name=name, log_dir=tmp,
                  env=clean_env(ACTIVITY_ROOM_SECRET_KEY=SECRET, ACTIVITY_ROOM_QR_ROTATE_SECONDS=str(ROTATE),
                                ACTIVITY_ROOM_LOG_LEVEL="WARNING", ACTIVITY_ROOM_RUN_JOBS="false"))
    started.append(child)
    wait_http(f"http://127.0.0.1:{port}/healthz", child)
    return child, port


def _sign_all(port: int, path: str, qr_token: str, items: list[tuple[int, str, str]], stop: threading.Event,
              threads: int = THREADS) -> dict[int, str]:
    """Sign ``items`` (member, cookie, client id) in over ``threads`` connections until done or the server
    dies; return the members whose sign-in was acknowledged, with their client id."""
    work: queue.Queue[tuple[int, str, str]] = queue.Queue()
    for item in items:
        work.put(item)
    acked: dict[int, str] = {}
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            try:
                member_id, cookie, client_id = work.get_nowait()
            except queue.Empty:
                return
            try:
                conn.request("POST", path, body=json.dumps({"token": qr_token, "client_id": client_id}),
                             headers={"Content-Type": "application/json", "Cookie": f"ar_phone={cookie}"})
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this one was never acknowledged
            if resp.status in (200, 201):
                with lock:
                    acked[member_id] = client_id

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    return acked


def _inspect(db: Path, meeting_id: int) -> tuple[str, dict[int, int]]:
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute("SELECT member_id, count(*) FROM attendances WHERE meeting_id = ? GROUP BY member_id",
                            (meeting_id,)).fetchall()
    finally:
        conn.close()
    return integrity, {int(m): int(n) for m, n in rows}


def run(*, quick: bool = False, trials: int | None = None) -> dict[str, dict[str, Any]]:
    from screen_server.meetings import qr

    trials = trials or (5 if quick else TRIALS)
    rng = random.Random(9)
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-kill9-") as tmp_name, children() as started:
        tmp = Path(tmp_name)
        template = tmp / "template"
        meeting_id, _wall = _seed(template, members=MEMBERS)
        qr_token = qr.current(SECRET, meeting_id, dt.datetime.now(dt.UTC), ROTATE).token
        path = f"/api/meetings/{meeting_id}/signins"
        cookies = _cookies(1, MEMBERS)
        for trial in range(trials):
            data = tmp / f"trial-{trial}"
            shutil.copytree(template, data)
            items = [(int(m), str(c), f"k9-{trial}-{m}") for m, c in cookies]
            server, port = _serve(data, tmp, f"server-{trial}", started)
            stop = threading.Event()
            kill_after = rng.uniform(0.05, 2.0)
            timer = threading.Timer(kill_after, lambda s=server: _kill(s))
            started_at = time.monotonic()
            timer.start()
            acked = _sign_all(port, path, qr_token, items, stop)
            timer.join()
            server.proc.wait(10)
            integrity, rows = _inspect(data / DB, meeting_id)
            lost = sorted(m for m in acked if m not in rows)
            # The phones retry: everything again, with the same client ids, against the restarted server.
            again, port = _serve(data, tmp, f"server-{trial}-again", started)
            retried = _sign_all(port, path, qr_token, items, threading.Event())
            again.stop()
            after_integrity, after = _inspect(data / DB, meeting_id)
            figures.append({
                "killed_after_s": round(kill_after, 3), "load_s": round(time.monotonic() - started_at, 3),
                "acknowledged": len(acked), "present_after_kill": len(rows), "lost": len(lost),
                "integrity": integrity, "integrity_after_retry": after_integrity,
                "retried_acknowledged": len(retried), "present_after_retry": len(after),
                "duplicated": sum(n - 1 for n in after.values()) + sum(n - 1 for n in rows.values()),
            })
            shutil.rmtree(data, ignore_errors=True)
    lost_total = sum(f["lost"] for f in figures)
    integrities = sorted({f["integrity"] for f in figures} | {f["integrity_after_retry"] for f in figures})
    return {"kill9_signin": {
        "value": lost_total, "unit": "sign-ins acknowledged then lost",
        "duplicated": sum(f["duplicated"] for f in figures), "trials": len(figures),
        "integrity": "ok" if integrities == ["ok"] else integrities,
        "acknowledged": sum(f["acknowledged"] for f in figures),
        "complete_after_retry": all(f["present_after_retry"] == MEMBERS for f in figures),
        "kills_mid_load": sum(0 < f["acknowledged"] < MEMBERS for f in figures),
        "trial_details": figures,
        "method": f"{MEMBERS} members, {THREADS} client threads, SIGKILL of the server's process group at "
                  f"a random 0.05–2 s into the load; then restart and resend all with the same client ids; "
                  "SQLite synchronous=FULL (the default)",
    }}


def _kill(child: Child) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.proc.pid, signal.SIGKILL)
