"""``contest_2000_answers_per_s`` and ``contest_2000_close_to_board_ms``: a live contest with 2,000
players.

The server (``RoomServer``: HTTP, WebSocket, the contest engine) runs in this process on a fresh SQLite
file; 2,000 members join (through the engine, as the join page does). 2,000 players' phones are
WebSocket clients in a child process (``bench.ws_clients`` with a player ticket), and the wall is a
WebSocket client in a thread here. When the question opens, two generator processes
(``bench.contest_client``) send every player's answer as fast as they can: the answers accepted per
second is 2,000 ÷ (last answer acknowledged − first sent). Then the host closes the question; the time
to the wall's client holding ``contest.state`` with the reveal (distribution and board) is measured on
``time.monotonic_ns()``, one clock for every process.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.procs import Child, children, clean_env

PLAYERS = 2000
GENERATORS = 2
THREADS = 32


def _seed(settings: Any, players: int) -> tuple[str, int, list[list[Any]], int]:
    """Members, a room with a wall, ten questions and a contest in its lobby; return the wall token, the
    contest id, the room id and the players' questions."""
    from sqlalchemy import insert, select

    from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
    from screen_server.contests.services import create_contest
    from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
    from screen_server.org.models import Branch, Committee, Member
    from screen_server.points.services import ensure_rules
    from screen_server.runtime import build_runtime
    from screen_server.security import new_token, token_digest

    rt = build_runtime(settings)
    token = new_token()
    with rt.session_factory() as s:
        committee = Committee(name="基准党委")
        s.add(committee)
        s.flush()
        branches = [Branch(committee_id=committee.id, name=f"第{i}支部", short_name=f"第{i}支部", position=i)
                    for i in range(10)]
        s.add_all(branches)
        room = Room(name="基准活动室", slug="bench")
        s.add(room)
        s.flush()
        s.add(Device(name="大屏", role=DeviceRole.WALL, status=DeviceStatus.APPROVED, room_id=room.id,
                     token_digest=token_digest(token)))
        s.execute(insert(Member), [{"number": f"C{i:05d}", "name": f"选手{i}", "branch_id": branches[i % 10].id,
                                    "pin_hash": "-"} for i in range(players)])
        for n in range(10):
            s.add(Question(kind=QuestionKind.SINGLE, stem=f"第{n + 1}题", answer="B", status=ReviewStatus.PUBLISHED,
                           options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"]))
        ensure_rules(s)
        s.flush()
        contest = create_contest(s, title="基准竞赛", room_id=room.id, questions=10, seconds=60, seed=1)
        s.commit()
        member_ids = list(s.scalars(select(Member.id).order_by(Member.id)))
        result = token, contest.id, member_ids, room.id
    rt.close()
    return result


def run(*, quick: bool = False, players: int = PLAYERS) -> dict[str, dict[str, Any]]:
    from websockets.sync.client import connect

    from screen_server import protocol
    from screen_server.config import load_settings
    from screen_server.org.models import Member
    from screen_server.runner import RoomServer
    from screen_server.runtime import build_runtime

    with tempfile.TemporaryDirectory(prefix="bench-contest-") as tmp, children() as kids, ExitStack() as stack:
        base = Path(tmp)
        settings = load_settings(base / "data", host="127.0.0.1", port=0, ws_port=0, secret_key="bench-contest",
                                 http_threads=16, ws_ticket_seconds=600)
        token, contest_id, member_ids, room_id = _seed(settings, players)
        server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
        try:
            engine = server.runtime.contests
            with server.runtime.session_factory() as s:
                members = {m.id: m for m in s.query(Member).all()}
                for m in members.values():
                    _ = m.branch  # loaded before the session closes
                joined = [engine.join(contest_id, members[mid]) for mid in member_ids]
            ticket = server.runtime.ws_tickets.issue({"kind": "player", "room_id": room_id,
                                                      "contest_id": contest_id})
            phones = Child([sys.executable, "-m", "bench.ws_clients", "--url", server.ws_url, "--clients",
                            str(players), "--ticket", ticket, "--concurrency", "100"],
                           name="phones", log_dir=base, stdin=True, lines=True, env=clean_env())
            kids.append(phones)
            phones.expect("READY", timeout=120)

            reveal_at: dict[str, int] = {}
            got = threading.Event()
            wall = stack.enter_context(connect(server.ws_url, compression=None, open_timeout=10, max_size=2**22))
            wall.send(protocol.encode(protocol.hello(device_token=token, version="bench")))

            def watch() -> None:
                for raw in wall:
                    data = raw.encode() if isinstance(raw, str) else raw
                    if b'"contest.state"' in data and b'"status":"reveal"' in data.replace(b": ", b":"):
                        reveal_at["ns"] = time.monotonic_ns()
                        got.set()

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()

            engine.start(contest_id)
            url = f"{server.http_url}/api/contests/{contest_id}/answers"
            shares = [joined[i::GENERATORS] for i in range(GENERATORS)]
            generators = []
            for n, share in enumerate(shares):
                spec = base / f"gen{n}.json"
                spec.write_text(json.dumps({"url": url, "index": 1, "threads": THREADS,
                                            "players": [[p.id, p.secret, "ABCD"[p.id % 4]] for p in share]}))
                generators.append(Child([sys.executable, "-m", "bench.contest_client", str(spec)], name=f"gen{n}",
                                        log_dir=base, lines=True, env=clean_env()))
            kids.extend(generators)
            results = [json.loads(" ".join(g.expect("RESULT", timeout=120))) for g in generators]
            accepted = sum(r["ok"] for r in results)
            errors = sum(r["errors"] for r in results)
            span_s = (max(r["last_ns"] for r in results) - min(r["first_ns"] for r in results)) / 1e9

            close_ms = []
            for round_ in range(1 if quick else 3):
                if round_:
                    engine.next(contest_id)
                    time.sleep(0.5)
                got.clear()
                started = time.monotonic_ns()
                engine.close_now(contest_id)
                if not got.wait(30):
                    raise TimeoutError("the wall never got the board")
                close_ms.append((reveal_at["ns"] - started) / 1e6)
            live = engine.get(contest_id)
            board_ok = len(live.board) == 10 and live.board[0]["score"] >= live.board[-1]["score"]
            phones.send("QUIT")
        finally:
            server.stop()
    value = accepted / span_s if span_s else 0.0
    return {
        "contest_2000_answers_per_s": {
            "value": round(value, 1), "unit": "answers/s", "players": players, "accepted": accepted,
            "errors": errors, "seconds": round(span_s, 2), "p99_ms": max(r["p99_ms"] or 0 for r in results),
            "within_5_s": span_s <= 5.0,
            "method": f"{players} players each answer once, as fast as {GENERATORS} generator processes × "
                      f"{THREADS} threads send; first sent → last acknowledged; {players} player WebSockets open",
        },
        "contest_2000_close_to_board_ms": {
            "value": round(statistics.median(close_ms), 1), "unit": "ms", "rounds_ms": [round(x, 1) for x in close_ms],
            "clients": players + 1, "board_ok": board_ok,
            "method": "median of rounds: the host closes the question → the wall's WebSocket client holding "
                      f"contest.state (reveal: distribution and top ten); {players} player WebSockets receive it too",
        },
    }
