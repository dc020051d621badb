"""The scale-out benchmarks: server processes behind nginx (the shipped config) on PostgreSQL + Redis.

- ``contest_5000_answers_per_s`` and ``contest_5000_close_to_board_ms``: the contest benchmark with
  5,000 players and two server processes. Players are seeded in the database (as the join page would
  leave them); 5,000 phones follow the contest on WebSockets through nginx with a player ticket signed
  by the bench with the shared secret; the wall is a WebSocket client through nginx; the host steps
  through nginx from the room's terminal with the host code. Answers go through nginx from two generator
  processes. Close → board is timed from the host's close request to the wall holding the reveal.
- ``signin_64_2proc``: meeting sign-ins at 64 connections through nginx to two processes, against the
  same through nginx to one process (same database kind, same Redis, same run, rounds alternating).
- ``signin_64_gunicorn``: ours as shipped (one process, SQLite) against a bare Flask endpoint doing one
  ORM insert + commit per request on gunicorn with 2 workers × 4 threads, the same load generator.

Needs PostgreSQL (``BENCH_PG_URL``, default ``postgresql+psycopg://root@127.0.0.1:5432/postgres``),
Redis (``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/0``; keys under a fresh namespace, deleted
after) and nginx. Every process shares the machine's cores with the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import nginx
from bench.procs import Child, activity_room_cmd, children, clean_env, free_port, wait_http

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-scale-secret-key"
PLAYERS = 5000
GENERATORS = 2
THREADS = 32
QUESTION_SECONDS = 30


@contextlib.contextmanager
def pg_database(label: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def redis_namespace() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    ns = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        yield ns
    finally:
        keys = list(client.scan_iter(match=f"{ns}:*", count=1000))
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i:i + 1000])
        client.close()


def _servers(tmp: Path, started: list[Child], count: int, env: dict[str, str], label: str) -> list[tuple[int, int]]:
    """Start ``count`` ``activity-room serve`` processes; return their (HTTP, WebSocket) ports."""
    ports = []
    for i in range(count):
        port, ws_port = free_port(), free_port()
        child = Child([*activity_room_cmd(), "serve", "--data", str(tmp / f"{label}{i}"), "--host", "127.0.0.1",
                       "--port", str(port), "--ws-port", str(ws_port)], name=f"{label}{i}", log_dir=tmp,
                      env=clean_env(**env))
        started.append(child)
        wait_http(f"http://127.0.0.1:{port}/healthz", child)  # one at a time: the first migrates
        ports.append((port, ws_port))
    return ports


def _nginx(tmp: Path, started: list[Child], ports: list[tuple[int, int]], name: str, connections: int = 4096) -> str:
    child, port = nginx.start(tmp / name, [p for p, _ in ports], [w for _, w in ports], connections=connections,
                              log_dir=tmp)
    started.append(child)
    wait_http(f"http://127.0.0.1:{port}/healthz", child)
    return f"127.0.0.1:{port}"


# --- the contest ---------------------------------------------------------------------------------------


def _seed_contest(db_url: str, data: Path, players: int) -> dict[str, Any]:
    import secrets

    from sqlalchemy import insert, select

    from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
    from screen_server.config import load_settings
    from screen_server.contests.models import ContestPlayer
    from screen_server.contests.services import create_contest
    from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
    from screen_server.org.models import Branch, Committee, Member
    from screen_server.points.services import ensure_rules
    from screen_server.runtime import build_runtime
    from screen_server.security import new_token, token_digest

    rt = build_runtime(load_settings(data, env={}, database_url=db_url, secret_key=SECRET))
    wall, terminal = new_token(), new_token()
    try:
        with rt.session_factory() as s:
            committee = Committee(name="基准党委")
            s.add(committee)
            s.flush()
            branches = [Branch(committee_id=committee.id, name=f"第{i}支部", short_name=f"第{i}支部", position=i)
                        for i in range(10)]
            room = Room(name="基准活动室", slug="bench")
            s.add_all([*branches, room])
            s.flush()
            s.add_all([Device(name="大屏", role=DeviceRole.WALL, status=DeviceStatus.APPROVED, room_id=room.id,
                              token_digest=token_digest(wall)),
                       Device(name="一体机", role=DeviceRole.TERMINAL, status=DeviceStatus.APPROVED, room_id=room.id,
                              token_digest=token_digest(terminal))])
            s.execute(insert(Member), [{"number": f"C{i:05d}", "name": f"选手{i}", "branch_id": branches[i % 10].id,
                                        "pin_hash": "-"} for i in range(players)])
            for n in range(10):
                s.add(Question(kind=QuestionKind.SINGLE, stem=f"第{n + 1}题", answer="B",
                               status=ReviewStatus.PUBLISHED,
                               options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"]))
            ensure_rules(s)
            s.flush()
            contest = create_contest(s, title="基准竞赛", room_id=room.id, questions=10, seconds=QUESTION_SECONDS,
                                     seed=1)
            members = s.execute(select(Member.id, Member.name, Member.branch_id).order_by(Member.id)).all()
            short = {b.id: b.short_name for b in branches}
            # What the join page leaves behind, for every player at once (joining is not what is measured).
            s.execute(insert(ContestPlayer), [{"contest_id": contest.id, "member_id": mid, "name": name,
                                               "branch_id": bid, "branch": short[bid],
                                               "secret": secrets.token_urlsafe(24)} for mid, name, bid in members])
            s.commit()
            rows = s.execute(select(ContestPlayer.id, ContestPlayer.secret).order_by(ContestPlayer.id)).all()
            return {"wall": wall, "terminal": terminal, "contest_id": contest.id, "room_id": room.id,
                    "players": [[pid, secret] for pid, secret in rows]}
    finally:
        rt.close()


def _host(proxy: str, terminal: str, contest_id: int, action: str) -> dict[str, Any]:
    from screen_server.contests.hosting import host_code

    req = urllib.request.Request(
        f"http://{proxy}/api/device/contests/{contest_id}/host", method="POST",
        data=json.dumps({"code": host_code(SECRET, contest_id), "action": action}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {terminal}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def contest(*, quick: bool = False, players: int = PLAYERS) -> dict[str, dict[str, Any]]:
    from websockets.sync.client import connect

    from screen_server import protocol
    from screen_server.security import Tickets

    with tempfile.TemporaryDirectory(prefix="bench-scale-contest-") as tmp_name, children() as kids, \
            ExitStack() as stack, pg_database("contest") as db_url, redis_namespace() as ns:
        tmp = Path(tmp_name)
        seeded = _seed_contest(db_url, tmp / "seed", players)
        cid = seeded["contest_id"]
        env = {"DATABASE_URL": db_url, "REDIS_URL": REDIS_URL, "ACTIVITY_ROOM_SECRET_KEY": SECRET,
               "ACTIVITY_ROOM_REDIS_NAMESPACE": ns, "ACTIVITY_ROOM_LOG_LEVEL": "WARNING",
               "ACTIVITY_ROOM_WS_TICKET_SECONDS": "600"}
        ports = _servers(tmp, kids, 2, env, "server")
        proxy = _nginx(tmp, kids, ports, "nginx", connections=4 * players)
        ticket = Tickets(SECRET, "ws-ticket", 600).issue({"kind": "player", "room_id": seeded["room_id"],
                                                          "contest_id": cid})
        phones = Child([sys.executable, "-m", "bench.ws_clients", "--url", f"ws://{proxy}/ws", "--clients",
                        str(players), "--ticket", ticket, "--concurrency", "100"],
                       name="phones", log_dir=tmp, stdin=True, lines=True, env=clean_env())
        kids.append(phones)
        phones.expect("READY", timeout=300)

        reveal_at: dict[str, int] = {}
        got = threading.Event()
        wall = stack.enter_context(connect(f"ws://{proxy}/ws", compression=None, open_timeout=10, max_size=2**22))
        wall.send(protocol.encode(protocol.hello(device_token=seeded["wall"], version="bench")))
        boards: list[dict[str, Any]] = []

        def watch() -> None:
            for raw in wall:
                data = raw.encode() if isinstance(raw, str) else raw
                if b'"contest.state"' in data and b'"status":"reveal"' in data.replace(b": ", b":"):
                    reveal_at["ns"] = time.monotonic_ns()
                    boards.append(json.loads(data)["contest"])
                    got.set()

        threading.Thread(target=watch, daemon=True).start()
        published_at: dict[str, int] = {}
        import redis

        bus = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
        bus.subscribe(f"{ns}:events")

        def listen_bus() -> None:  # when the reveal leaves the server for Redis: splits compute from fan-out
            with contextlib.suppress(redis.RedisError, ValueError):  # closed at the end of the run
                for message in bus.listen():
                    if b'"status":"reveal"' in message["data"]:
                        published_at["ns"] = time.monotonic_ns()

        threading.Thread(target=listen_bus, daemon=True).start()
        _host(proxy, seeded["terminal"], cid, "start")
        generators = []
        shares = [seeded["players"][i::GENERATORS] for i in range(GENERATORS)]
        for n, share in enumerate(shares):
            spec = tmp / f"gen{n}.json"
            spec.write_text(json.dumps({"url": f"http://{proxy}/api/contests/{cid}/answers", "index": 1,
                                        "threads": THREADS,
                                        "players": [[pid, secret, "ABCD"[pid % 4]] for pid, secret in share]}))
            generators.append(Child([sys.executable, "-m", "bench.contest_client", str(spec)], name=f"gen{n}",
                                    log_dir=tmp, lines=True, env=clean_env()))
        kids.extend(generators)
        results = [json.loads(" ".join(g.expect("RESULT", timeout=300))) for g in generators]
        accepted = sum(r["ok"] for r in results)
        errors = sum(r["errors"] for r in results)
        span_s = (max(r["last_ns"] for r in results) - min(r["first_ns"] for r in results)) / 1e9

        close_ms, publish_ms = [], []
        for round_ in range(1 if quick else 3):
            if round_:
                _host(proxy, seeded["terminal"], cid, "next")
                time.sleep(0.5)
            got.clear()
            started = time.monotonic_ns()
            _host(proxy, seeded["terminal"], cid, "close")
            if not got.wait(30):
                raise TimeoutError("the wall never got the board")
            close_ms.append((reveal_at["ns"] - started) / 1e6)
            publish_ms.append((published_at.get("ns", started) - started) / 1e6)
        board = boards[0]["board"]
        board_ok = len(board) == 10 and boards[0]["answered"] == accepted
        phones.send("QUIT")
        bus.close()
    value = accepted / span_s if span_s else 0.0
    setup = (f"2 server processes (activity-room serve, waitress 16 threads each) behind nginx (deploy config), "
             f"PostgreSQL + Redis, all on this machine's cores; {players} player WebSockets through nginx")
    return {
        "contest_5000_answers_per_s": {
            "value": round(value, 1), "unit": "answers/s", "players": players, "accepted": accepted,
            "errors": errors, "error_sample": [e for r in results for e in r.get("error_sample", [])][:3],
            "seconds": round(span_s, 2), "p99_ms": max(r["p99_ms"] or 0 for r in results),
            "question_seconds": QUESTION_SECONDS, "within_question_time": span_s <= QUESTION_SECONDS and not errors,
            "method": f"{players} players each answer once through nginx, as fast as {GENERATORS} generator "
                      f"processes × {THREADS} threads send; first sent → last acknowledged. {setup}",
        },
        "contest_5000_close_to_board_ms": {
            "value": round(statistics.median(close_ms), 1), "unit": "ms", "rounds_ms": [round(x, 1) for x in close_ms],
            "goal_ms": 250, "clients": players + 1, "board_ok": board_ok,
            "to_redis_ms": [round(x, 1) for x in publish_ms],
            "method": "median of rounds: the host's close request (terminal, through nginx) sent → the wall's "
                      f"WebSocket client (through nginx) holding contest.state with the reveal; to_redis_ms: "
                      f"the same request → the reveal event seen on the Redis bus (the rest is the fan-out). {setup}",
        },
    }


# --- sign-ins ------------------------------------------------------------------------------------------


def signin(*, quick: bool = False) -> dict[str, dict[str, Any]]:
    from bench import signin as base
    from screen_server.meetings import qr

    seconds = 3.0 if quick else 5.0
    rounds = 1 if quick else 2
    per_round = 2_000 if quick else 4_000
    with tempfile.TemporaryDirectory(prefix="bench-scale-signin-") as tmp_name, children() as kids, \
            pg_database("signin") as db_url, redis_namespace() as ns:
        tmp = Path(tmp_name)
        meeting_pg, _wall = base._seed(tmp / "seed-pg", database_url=db_url)
        meeting_lite, _wall2 = base._seed(tmp / "shipped")
        common = {"ACTIVITY_ROOM_SECRET_KEY": base.SECRET, "ACTIVITY_ROOM_QR_ROTATE_SECONDS": str(base.ROTATE),
                  "ACTIVITY_ROOM_LOG_LEVEL": "WARNING", "ACTIVITY_ROOM_HTTP_THREADS": str(base.THREADS)}
        scaled = common | {"DATABASE_URL": db_url, "REDIS_URL": REDIS_URL, "ACTIVITY_ROOM_REDIS_NAMESPACE": ns}
        pair = _servers(tmp, kids, 2, scaled, "pair")
        single = _servers(tmp, kids, 1, scaled, "single")
        two_proxy, one_proxy = _nginx(tmp, kids, pair, "nginx-pair"), _nginx(tmp, kids, single, "nginx-single")
        shipped_port, shipped_ws = free_port(), free_port()
        shipped = Child([*activity_room_cmd(), "serve", "--data", str(tmp / "shipped"), "--host", "127.0.0.1",
                         "--port", str(shipped_port), "--ws-port", str(shipped_ws)], name="shipped", log_dir=tmp,
                        env=clean_env(**common))
        kids.append(shipped)
        wait_http(f"http://127.0.0.1:{shipped_port}/healthz", shipped)
        from bench.signin_bare import make_app

        make_app(str(tmp / "bare.sqlite3"))  # the table exists before two workers start
        bare_port = free_port()
        bare = Child([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
                      f"127.0.0.1:{bare_port}", "--log-level", "warning",
                      f"bench.signin_bare:make_app('{tmp / 'bare.sqlite3'}')"],
                     name="gunicorn-bare", log_dir=tmp, env=clean_env())
        kids.append(bare)
        wait_http(f"http://127.0.0.1:{bare_port}/healthz", bare)

        now = dt.datetime.now(dt.UTC)
        token_pg = qr.current(base.SECRET, meeting_pg, now, base.ROTATE).token
        token_lite = qr.current(base.SECRET, meeting_lite, now, base.ROTATE).token
        setups = {
            "two": ("ours", f"http://{two_proxy}/api/meetings/{meeting_pg}/signins", token_pg),
            "one": ("ours", f"http://{one_proxy}/api/meetings/{meeting_pg}/signins", token_pg),
            "shipped": ("ours", f"http://127.0.0.1:{shipped_port}/api/meetings/{meeting_lite}/signins", token_lite),
            "gunicorn": ("bare", f"http://127.0.0.1:{bare_port}/signin", ""),
        }
        cursor = {"pg": 1, "lite": 1}
        figures: dict[str, list[dict[str, Any]]] = {}
        for _ in range(rounds):
            for name, (kind, url, token) in setups.items():
                pool = "pg" if name in ("two", "one") else "lite"
                items = base._cookies(cursor[pool], per_round)
                cursor[pool] += per_round
                figures.setdefault(name, []).append(base._load(tmp, url, kind, token, items, 64, seconds, kids))

    def mean(name: str) -> dict[str, Any]:
        runs = figures[name]
        return {"rps": sum(r["rps"] for r in runs) / len(runs), "p99_ms": max(r["p99_ms"] or 0 for r in runs),
                "errors": sum(r["errors"] for r in runs)}

    two, one, shipped_f, gun = mean("two"), mean("one"), mean("shipped"), mean("gunicorn")
    load = f"{rounds} alternating round(s) of {seconds:g} s at 64 connections, 2 generator processes, every request a " \
           f"different member"
    return {
        "signin_64_2proc": {
            "value": round(two["rps"], 1), "unit": "sign-ins/s", "baseline": round(one["rps"], 1),
            "ratio": round(two["rps"] / one["rps"], 3) if one["rps"] else None, "p99_ms": round(two["p99_ms"], 1),
            "baseline_p99_ms": round(one["p99_ms"], 1), "errors": two["errors"], "baseline_errors": one["errors"],
            "method": f"{load}; ours through nginx to 2 processes vs through nginx to 1 process, both on "
                      f"PostgreSQL + Redis, waitress {base.THREADS} threads per process",
        },
        "signin_64_gunicorn": {
            "value": round(shipped_f["rps"], 1), "unit": "sign-ins/s", "baseline": round(gun["rps"], 1),
            "ratio": round(shipped_f["rps"] / gun["rps"], 3) if gun["rps"] else None,
            "p99_ms": round(shipped_f["p99_ms"], 1), "baseline_p99_ms": round(gun["p99_ms"], 1),
            "errors": shipped_f["errors"], "baseline_errors": gun["errors"],
            "ours_2proc_postgres": round(two["rps"], 1),
            "method": f"{load}; ours as shipped (one activity-room serve process on SQLite) vs a bare Flask "
                      "endpoint doing one ORM insert + commit per request into SQLite (WAL) on gunicorn "
                      "2 workers × 4 threads",
        },
    }
