"""Two server processes behind a real nginx on PostgreSQL + Redis run one live contest as one server.

200 players join and answer a 5-question contest with their requests alternating between the two
processes; the host steps through nginx from the room's terminal; two walls (WebSocket clients with
the wall's device token, standing in for the Kivy wall) are connected through nginx, one landing on
each process. While question 5 is open the process holding the contest's clock is killed with
SIGKILL: the other takes the clock over within 5 s, the question still closes, and no acknowledged
answer is lost. The final board and every player's points are then compared with the same answers
(the same players, the same answers at the same elapsed times) played against one in-process engine.
Along the way: a phone's cookie and a WebSocket ticket made by one process are accepted by the other.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session
from websockets.sync.client import connect

from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server import protocol
from screen_server.contests import services as contests
from screen_server.contests.hosting import host_code
from screen_server.contests.models import ContestAnswer, ContestPlayer
from screen_server.db import make_engine, make_session_factory, migrate
from screen_server.devices.models import DeviceRole
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.org.models import Member
from screen_server.runtime import Runtime
from tests.helpers.cluster import Cluster, pg_database
from tests.helpers.factories import make_branch, make_device, make_member, make_room
from tests.helpers.nginx import run_nginx
from tests.helpers.phone import post_form
from tests.helpers.shared import REDIS_URL, namespace, redis_or_skip
from tests.helpers.wall import WallListener

PLAYERS = 200
QUESTIONS = 5
SECONDS = 10
ANSWERS = "BCDAB"  # the right answer of each question
BRANCHES = ("一支部", "二支部", "三支部", "四支部")
TAKEOVER_S = 5.0


def _seed(session: Session) -> dict[str, Any]:
    """The same organisation, questions and contest in any database (numbers and names identify players)."""
    branches = [make_branch(session, short_name=b) for b in BRANCHES]
    members = [make_member(session, number=f"S{i:04d}", name=f"党员{i:03d}", branch_id=branches[i % 4].id)
               for i in range(PLAYERS)]
    room = make_room(session)
    qs = []
    for n, right in enumerate(ANSWERS, 1):
        q = Question(kind=QuestionKind.SINGLE, stem=f"第{n}题", answer=right, status=ReviewStatus.PUBLISHED,
                     difficulty=1, options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"])
        session.add(q)
        session.flush()
        qs.append(q)
    contest = contests.create_contest(session, title="两进程知识竞赛", room_id=room.id, questions=QUESTIONS,
                                      seconds=SECONDS, question_ids=[q.id for q in qs], team_mode=True)
    return {"room": room, "members": members, "contest": contest}


def _given(player: int, position: int) -> str:
    right = ANSWERS[position - 1]
    return right if (player + position) % 3 else "ABCD"[("ABCD".index(right) + 1) % 4]


@dataclass
class Ack:
    player: int
    position: int
    given: str
    elapsed_ms: int


def _answer(servers: list[str], sess: requests.Session, cid: int, player: int, position: int) -> Ack | None:
    """One player's answer, sent to ``servers[0]``; if that process is gone, resent to the next one.
    Returns the acknowledgement, or None when no process acknowledged it."""
    given = _given(player, position)
    for base in servers:
        try:
            r = sess.post(f"{base}/api/contests/{cid}/answers", json={"index": position, "answer": given}, timeout=15)
        except requests.ConnectionError:
            continue  # that process was killed
        if r.status_code == 201:
            return Ack(player, position, given, r.json()["elapsed_ms"])
        assert r.status_code == 409, r.text  # a resend of an answer stored before the process died
        return None
    return None


def test_two_processes_behind_nginx_run_one_contest(tmp_path: Path, runtime: Runtime, session: Session) -> None:
    client = redis_or_skip()
    with pg_database() as db_url, namespace(client) as ns:
        engine = make_engine(db_url)
        migrate(engine)
        with make_session_factory(engine)() as s:
            seeded = _seed(s)
            _wall, wall_token = make_device(s, role=DeviceRole.WALL, room_id=seeded["room"].id, name="大屏")
            _term, term_token = make_device(s, role=DeviceRole.TERMINAL, room_id=seeded["room"].id, name="一体机")
            s.commit()
            cid, code = seeded["contest"].id, seeded["contest"].code
            member_ids = [m.id for m in seeded["members"]]
        engine.dispose()
        cluster = Cluster(tmp_path / "cluster", db_url, REDIS_URL, ns).start(2)
        try:
            a, b = cluster.servers
            with run_nginx(tmp_path / "nginx", [a.http_port, b.http_port], [a.ws_port, b.ws_port]) as port:
                outcome = _play(cluster, port, client, ns, cid, code, member_ids, wall_token, term_token)
        finally:
            codes = cluster.stop()
        assert codes == [0]  # the survivor stops cleanly on SIGTERM
        with make_session_factory(engine)() as s:
            stored = s.execute(select(ContestAnswer.player_id, ContestAnswer.position, ContestAnswer.answer,
                                      ContestAnswer.elapsed_ms).order_by(ContestAnswer.id)).all()
            final = {s.get(Member, p.member_id).number: (p.score, p.correct)  # type: ignore[union-attr]
                     for p in s.scalars(select(ContestPlayer))}
            pid_to_number = {p.id: s.get(Member, p.member_id).number  # type: ignore[union-attr]
                             for p in s.scalars(select(ContestPlayer))}
        engine.dispose()

    # No acknowledged answer is lost: every one is stored, with the elapsed time it was acknowledged with.
    by_key = {(pid_to_number[pid], pos): (given, elapsed) for pid, pos, given, elapsed in stored}
    for ack in outcome["acks"]:
        assert by_key[(f"S{ack.player:04d}", ack.position)] == (ack.given, ack.elapsed_ms)
    assert len(stored) >= len(outcome["acks"]) >= PLAYERS * (QUESTIONS - 1) + PLAYERS // 2

    # The same answers, at the same elapsed times, against one process: the same boards and points.
    replay = _replay(runtime, session, [(pid_to_number[pid], pos, given, el) for pid, pos, given, el in stored],
                     order=[pid_to_number[p] for p in sorted(pid_to_number)])
    assert replay["final"] == final
    wall_boards = {i: _named(outcome["reveals"][i]["board"], pid_to_number) for i in range(1, QUESTIONS + 1)}
    assert wall_boards == replay["reveals"]
    assert _named(outcome["podium"]["board"], pid_to_number) == replay["podium"]
    assert outcome["podium"]["teams"] == replay["teams"]


def _named(board: list[dict[str, Any]], numbers: dict[int, str]) -> list[tuple[int, str, int, int]]:
    return [(r["rank"], numbers[r["player_id"]], r["score"], r["change"]) for r in board]


def _play(cluster: Cluster, port: int, client: redis.Redis, ns: str, cid: int, code: str, member_ids: list[int],
          wall_token: str, term_token: str) -> dict[str, Any]:
    a, b = cluster.servers
    proxy = f"http://127.0.0.1:{port}"
    walls, wall_on = [], {}
    for _ in range(2):  # nginx shares WebSockets round-robin: one wall on each process
        walls.append(WallListener(f"ws://127.0.0.1:{port}/ws", wall_token))
        counts = {s.owner: requests.get(s.http_url + "/healthz", timeout=5).json()["live_clients"] for s in (a, b)}
        wall_on[id(walls[-1])] = next(o for o, n in counts.items() if n == 1 and o not in wall_on.values())
    assert sorted(wall_on.values()) == sorted([a.owner, b.owner])
    assert all(w.snapshot["state"]["contest"]["status"] == "lobby" for w in walls)

    def host(action: str) -> dict[str, Any]:
        r = requests.post(f"{proxy}/api/device/contests/{cid}/host", headers={"Authorization": f"Bearer {term_token}"},
                          json={"code": host_code(cluster.secret, cid), "action": action}, timeout=15)
        assert r.status_code == 200, r.text
        return r.json()

    class _M:  # what phone_cookie_value reads of a member
        def __init__(self, mid: int, pin_hash: str) -> None:
            self.id, self.pin_hash, self.phone_generation = mid, pin_hash, 0

    engine = make_engine(cluster.database_url)
    with make_session_factory(engine)() as s:
        pins = {mid: pin for mid, pin in s.execute(select(Member.id, Member.pin_hash))}
    engine.dispose()
    servers = [a.http_url, b.http_url]
    phones: list[requests.Session] = []
    for mid in member_ids:
        sess = requests.Session()
        sess.cookies.set(PHONE_COOKIE, phone_cookie_value(cluster.secret, _M(mid, pins[mid])))  # type: ignore[arg-type]
        phones.append(sess)

    def join(i: int) -> None:
        r = post_form(phones[i], f"{servers[i % 2]}/c/{code}", {}, allow_redirects=False, timeout=15)
        assert r.status_code == 302, r.text  # the phone cookie of the shared secret: a one-tap join

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(join, range(PLAYERS)))
    # The player cookie set by one process works on the other; so does a WebSocket ticket it issued.
    me = phones[0].get(f"{servers[1]}/api/contests/{cid}/me", timeout=15)
    assert me.status_code == 200 and me.json()["me"]["name"] == "党员000"
    with connect(b.ws_url, compression=None, open_timeout=10) as phone_ws:
        ticket = phones[1].get(f"{servers[1]}/api/contests/{cid}/me", timeout=15).json()["ticket"]
        phone_ws.send(protocol.encode(protocol.hello(ticket=ticket)))
        assert json.loads(phone_ws.recv(timeout=10))["type"] == protocol.WELCOME
    lobby = walls[0].wait_contest("lobby", timeout=10)
    deadline = time.monotonic() + 10
    while walls[0].contest_states("lobby")[-1]["players"] < PLAYERS and time.monotonic() < deadline:
        time.sleep(0.1)  # the lobby is pushed at most twice a second; bounded
    assert walls[0].contest_states("lobby")[-1]["players"] == PLAYERS and lobby["code"] == code

    acks: list[Ack] = []
    reveals: dict[int, dict[str, Any]] = {}
    lease_key = f"{ns}:lease:contest:{cid}"
    for position in range(1, QUESTIONS + 1):
        host("start" if position == 1 else "next")
        opened = walls[0].wait_contest("question", position)
        order = list(range(PLAYERS))
        random.Random(position).shuffle(order)

        def send(i: int, _pos: int = position) -> Ack | None:
            first = (i + _pos) % 2  # each player's requests alternate between the processes
            return _answer([servers[first], servers[1 - first]], phones[i], cid, i, _pos)

        if position < QUESTIONS:
            with ThreadPoolExecutor(16) as pool:
                got = [x for x in pool.map(send, order) if x is not None]
            assert len(got) == PLAYERS
            acks += got
            host("close")
            reveals[position] = walls[0].wait_contest("reveal", position)
            continue
        # Question 5: kill the process that holds the contest's clock while the answers come in.
        holder = cluster.by_owner(client.get(lease_key).decode())  # type: ignore[union-attr]
        survivor = b if holder is a else a
        survivor_wall = next(w for w in walls if wall_on[id(w)] == survivor.owner)
        with ThreadPoolExecutor(16) as pool:
            first_half = [x for x in pool.map(send, order[: PLAYERS // 2]) if x is not None]
            assert len(first_half) == PLAYERS // 2
            rest = pool.map(send, order[PLAYERS // 2:])
            cluster.kill(holder)
            killed_at = time.monotonic()
            acks += first_half + [x for x in rest if x is not None]
        while (client.get(lease_key) or b"").decode() != survivor.owner:
            assert time.monotonic() - killed_at < TAKEOVER_S, "the clock was not taken over within 5 s"
            time.sleep(0.05)  # polling the lease; bounded by the assertion
        closes = dt.datetime.fromisoformat(opened["question"]["closes_at"])
        left = (closes - dt.datetime.now(dt.UTC)).total_seconds()
        reveals[position] = survivor_wall.wait_contest("reveal", position, timeout=max(left, 0) + TAKEOVER_S)
        walls = [survivor_wall]
    host("next")  # after the last question: the podium
    podium = walls[0].wait_contest("finished", timeout=15)
    time.sleep(1.0)  # anything sent twice would arrive now
    wall = walls[0]
    for position in range(1, QUESTIONS + 1):
        assert len(wall.contest_states("question", position)) == 1, position
        assert len(wall.contest_states("reveal", position)) == 1, position
    assert len(wall.contest_states("finished")) == 1
    wall.close()
    return {"acks": acks, "reveals": reveals, "podium": podium}


def _replay(runtime: Runtime, session: Session, answers: list[tuple[str, int, str, int]],
            order: list[str]) -> dict[str, Any]:
    """Play ``answers`` (member number, position, answer, elapsed ms) against this process's engine with a
    clock that puts each answer at its elapsed time; return the boards, the podium and the final points."""
    seeded = _seed(session)
    session.commit()
    cid = seeded["contest"].id
    members = {m.number: m for m in seeded["members"]}
    at = [dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)]
    engine = runtime.contests
    engine.now = lambda: at[0]
    players = {number: engine.join(cid, members[number]) for number in order}
    numbers = {p.id: n for n, p in players.items()}
    reveals: dict[int, list[tuple[int, str, int, int]]] = {}
    for position in range(1, QUESTIONS + 1):
        opened = at[0]
        engine.start(cid) if position == 1 else engine.next(cid)
        for number, pos, given, elapsed in answers:
            if pos == position:
                at[0] = opened + dt.timedelta(milliseconds=elapsed)
                p = players[number]
                assert engine.answer(cid, p.id, p.secret, pos, given).elapsed_ms == elapsed
        engine.close_now(cid)
        reveals[position] = _named(engine.public_state(engine.get(cid))["board"], numbers)
        at[0] = opened + dt.timedelta(seconds=60)
    engine.next(cid)
    state = engine.public_state(engine.get(cid))
    session.expire_all()
    final = {numbers[p.id]: (p.score, p.correct) for p in session.scalars(select(ContestPlayer)
                                                                           .where(ContestPlayer.contest_id == cid))}
    return {"reveals": reveals, "podium": _named(state["board"], numbers), "teams": state["teams"], "final": final}
