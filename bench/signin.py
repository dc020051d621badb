"""``signin_64``, ``signin_collapse`` and ``signin_to_wall_ms``: meeting sign-ins through our HTTP API
(the phone's JSON endpoint, each request a different remembered member) against a bare Flask endpoint
doing one ORM insert + commit per request into the same kind of SQLite file, served the same way.

Both servers run as child processes; the load comes from two more child processes
(``bench.signin_client``), so the generator never shares a GIL with a server. Rounds alternate.
The QR rotation is set to an hour for the bench server so one token serves the whole run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.procs import Child, activity_room_cmd, children, clean_env, free_port, wait_http

SECRET = "bench-signin-secret-key"
ROTATE = 3600
THREADS = 16
MEMBERS = 40_000


def _seed(data: Path, database_url: str = "", members: int = MEMBERS) -> tuple[int, str]:
    """Create the bench database (SQLite in ``data``, or ``database_url``): one branch, ``members`` members,
    a wall, a meeting open now."""
    from sqlalchemy import insert

    from screen_server.config import load_settings
    from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
    from screen_server.meetings.models import MeetingType
    from screen_server.meetings.services import create_meeting
    from screen_server.org.models import Branch, Committee, Member, Role, User
    from screen_server.runtime import build_runtime
    from screen_server.security import new_token, token_digest

    settings = load_settings(data, env={}, secret_key=SECRET, database_url=database_url or None)
    rt = build_runtime(settings)
    try:
        with rt.session_factory() as s:
            committee = Committee(name="基准党委")
            s.add(committee)
            s.flush()
            branch = Branch(committee_id=committee.id, name="基准支部", short_name="基准")
            room = Room(name="基准活动室", slug="bench")
            admin = User(username="bench", display_name="bench", password_hash="x", role=Role.ADMIN)
            s.add_all([branch, room, admin])
            s.flush()
            s.execute(insert(Member), [{"number": f"B{i:06d}", "name": f"党员{i}", "branch_id": branch.id}
                                       for i in range(1, members + 1)])
            token = new_token()
            s.add(Device(name="wall", role=DeviceRole.WALL, status=DeviceStatus.APPROVED, room_id=room.id,
                         token_digest=token_digest(token)))
            now = dt.datetime.now(dt.UTC)
            meeting = create_meeting(s, settings, admin, title="基准会议", type=MeetingType.OTHER,
                                     branch_ids=[branch.id], room_id=room.id, starts_at=now + dt.timedelta(hours=3),
                                     ends_at=now + dt.timedelta(hours=4), signin_opens_at=now - dt.timedelta(minutes=1),
                                     expected_member_ids=[])
            s.commit()
            return meeting.id, token
    finally:
        rt.close()


def _cookies(first: int, count: int) -> list[list[Any]]:
    from screen_server.http.signin import phone_cookie_value

    return [[i, phone_cookie_value(SECRET, SimpleNamespace(id=i, pin_hash=None))]  # type: ignore[arg-type]
            for i in range(first, first + count)]


def _load(tmp: Path, url: str, kind: str, token: str, items: list[list[Any]], conns: int, seconds: float,
          started: list[Child]) -> dict[str, Any]:
    """Run two generator processes of conns/2 threads each over disjoint halves of ``items``."""
    halves = [items[0::2], items[1::2]]
    procs = []
    for n, half in enumerate(halves):
        spec = tmp / f"spec-{kind}-{conns}-{n}-{time.monotonic_ns()}.json"
        spec.write_text(json.dumps({"url": url, "kind": kind, "token": token, "items": half,
                                    "threads": conns // 2, "seconds": seconds}))
        child = Child([sys.executable, "-m", "bench.signin_client", str(spec)], name=f"load-{kind}-{n}", log_dir=tmp,
                      lines=True)
        started.append(child)
        procs.append(child)
    results = []
    for child in procs:
        results.append(json.loads(child.expect("RESULT", timeout=seconds + 60)[0]))
    lat = sorted(x for r in results for x in r["latencies"])
    secs = max(r["seconds"] for r in results)
    return {"rps": len(lat) / secs if secs else 0.0, "errors": sum(r["errors"] for r in results),
            "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else None, "requests": len(lat)}


def _to_wall(base: str, ws: str, meeting_id: int, token: str, qr_token: str, first: int, count: int) -> list[float]:
    """Sign in ``count`` members one at a time; ms from each HTTP answer to the wall receiving it."""
    import http.client
    from urllib.parse import urlsplit

    from websockets.sync.client import connect

    from screen_server import protocol

    received: dict[int, int] = {}
    ready = threading.Event()
    done = threading.Event()

    def listen() -> None:
        with connect(ws, compression=None, open_timeout=10) as conn:
            conn.send(protocol.encode(protocol.hello(device_token=token)))
            conn.recv(timeout=10)
            conn.recv(timeout=10)
            ready.set()
            while not done.is_set() and len(received) < count:
                try:
                    msg = json.loads(conn.recv(timeout=5))
                except TimeoutError:
                    continue
                if msg.get("type") == protocol.SIGNIN_RECORDED:
                    received[int(msg["attendee"]["member_id"])] = time.monotonic_ns()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    if not ready.wait(15):
        raise RuntimeError("the wall client did not connect")
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    acked: dict[int, int] = {}
    for member_id, cookie in _cookies(first, count):
        conn.request("POST", f"/api/meetings/{meeting_id}/signins",
                     body=json.dumps({"token": qr_token, "client_id": f"wall-{member_id}"}),
                     headers={"Content-Type": "application/json", "Cookie": f"ar_phone={cookie}"})
        resp = conn.getresponse()
        resp.read()
        acked[member_id] = time.monotonic_ns()
        deadline = time.monotonic() + 5
        while member_id not in received and time.monotonic() < deadline:
            time.sleep(0.001)
    done.set()
    listener.join(10)
    return [(received[m] - acked[m]) / 1e6 for m in acked if m in received]


def run(*, quick: bool = False) -> dict[str, dict[str, Any]]:
    from screen_server.meetings import qr

    seconds = 2.0 if quick else 4.0
    rounds = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="bench-signin-") as tmp_name, children() as started:
        tmp = Path(tmp_name)
        meeting_id, wall_token = _seed(tmp / "data")
        port, ws_port, bare_port = free_port(), free_port(), free_port()
        ours = Child([*activity_room_cmd(), "serve", "--data", str(tmp / "data"), "--host", "127.0.0.1",
                      "--port", str(port), "--ws-port", str(ws_port)], name="ours-signin", log_dir=tmp,
                     env=clean_env(ACTIVITY_ROOM_SECRET_KEY=SECRET, ACTIVITY_ROOM_QR_ROTATE_SECONDS=str(ROTATE),
                                   ACTIVITY_ROOM_LOG_LEVEL="WARNING", ACTIVITY_ROOM_HTTP_THREADS=str(THREADS),
                                   # BENCH_SQLITE_SYNCHRONOUS=NORMAL measures what FULL (the default) costs
                                   ACTIVITY_ROOM_SQLITE_SYNCHRONOUS=os.environ.get("BENCH_SQLITE_SYNCHRONOUS",
                                                                                   "FULL")))
        started.append(ours)
        bare = Child([sys.executable, "-m", "bench.signin_bare", "--port", str(bare_port), "--threads", str(THREADS),
                      "--db", str(tmp / "bare.sqlite3")], name="bare-signin", log_dir=tmp)
        started.append(bare)
        base, ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{ws_port}/ws"
        wait_http(base + "/healthz", ours)
        wait_http(f"http://127.0.0.1:{bare_port}/healthz", bare)
        qr_token = qr.current(SECRET, meeting_id, dt.datetime.now(dt.UTC), ROTATE).token
        ours_url = f"{base}/api/meetings/{meeting_id}/signins"
        bare_url = f"http://127.0.0.1:{bare_port}/signin"
        cursor = 1
        figures: dict[tuple[str, int], list[dict[str, Any]]] = {}
        per_round = 3_000 if not quick else 1_500  # 8 load runs × this must stay below MEMBERS
        for _ in range(rounds):
            for conns in (8, 64):
                for kind, url in (("ours", ours_url), ("bare", bare_url)):
                    items = _cookies(cursor, per_round)
                    cursor += per_round
                    figures.setdefault((kind, conns), []).append(
                        _load(tmp, url, kind, qr_token, items, conns, seconds, started))
        wall_ms = sorted(_to_wall(base, ws, meeting_id, wall_token, qr_token, cursor, 20 if quick else 50))

    def best(kind: str, conns: int) -> dict[str, Any]:
        runs = figures[(kind, conns)]
        return {"rps": sum(r["rps"] for r in runs) / len(runs), "p99_ms": max(r["p99_ms"] or 0 for r in runs),
                "errors": sum(r["errors"] for r in runs)}

    o64, o8, b64, b8 = best("ours", 64), best("ours", 8), best("bare", 64), best("bare", 8)
    method = (f"{rounds} alternating round(s) of {seconds:g} s per level; 2 generator processes; every request "
              f"a different member; waitress {THREADS} threads both sides; QR rotation {ROTATE} s for the bench")
    return {
        "signin_64": {"value": round(o64["rps"], 1), "unit": "sign-ins/s", "baseline": round(b64["rps"], 1),
                      "ratio": round(o64["rps"] / b64["rps"], 3) if b64["rps"] else None,
                      "p99_ms": round(o64["p99_ms"], 1), "baseline_p99_ms": round(b64["p99_ms"], 1),
                      "errors": o64["errors"], "baseline_errors": b64["errors"], "method": method},
        "signin_collapse": {"value": round(o64["rps"] / o8["rps"], 3) if o8["rps"] else None, "unit": "ratio 64/8",
                            "ours_8": round(o8["rps"], 1), "ours_8_p99_ms": round(o8["p99_ms"], 1),
                            "ours_64": round(o64["rps"], 1), "baseline_8": round(b8["rps"], 1),
                            "baseline_64": round(b64["rps"], 1),
                            "baseline_collapse": round(b64["rps"] / b8["rps"], 3) if b8["rps"] else None,
                            "method": method},
        "signin_to_wall_ms": {"value": round(wall_ms[len(wall_ms) // 2], 2) if wall_ms else None, "unit": "ms",
                              "p95_ms": round(wall_ms[int(0.95 * (len(wall_ms) - 1))], 2) if wall_ms else None,
                              "samples": len(wall_ms),
                              "method": "median of sequential sign-ins: HTTP answer received → the wall's "
                                        "WebSocket client holding signin.recorded (time.monotonic_ns); "
                                        "negative: the wall had it before the phone's answer arrived"},
    }
