"""A branch secretary hosts the room's live contest from the terminal, end to end on the demo server:
the secretary creates the contest in the web admin and reads its 终端主持码 there; a terminal kiosk
(under Xvfb, 1920×1080) enters the code on its big keypad, starts the contest, closes each question,
moves on and shows the final results; a member plays on a phone (plain HTTP, as the phone page does);
the room's wall, listening on the WebSocket as a wall device, follows every step, and the saved
results and the audit log agree. Screenshots: test-artifacts/kiosk/contest-host-1920-*.png."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
import requests
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from content.models import Question, QuestionKind
from screen_server import protocol
from screen_server.audit.models import AuditEntry
from screen_server.contests import services as contests
from screen_server.contests.models import Contest, ContestQuestion
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import DeviceRole, Room
from screen_server.runner import RoomServer
from tests.admin.forms import SECRETARY, csrf_of
from tests.helpers.factories import make_device

pytestmark = [pytest.mark.kiosk]
WAIT = 10.0


def settled(t: Any, headline: str) -> None:
    """Wait until the host screen shows ``headline`` and the reply to the tap is in: the new state comes by
    the room's push, the reply to the host's request may come a moment later (the button says 请稍候… till then)."""
    t.until(lambda: t.screen().ids.headline.text == headline and not t.app.host.busy, timeout=WAIT)


class WallListener:
    """The room's wall as far as the contest goes: a wall device on the WebSocket, keeping every
    contest state it is sent (the snapshot's, then each ``contest.state``)."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.states: list[dict[str, Any]] = []
        self._ws: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ws_url, token), name="wall-listener", daemon=True)
        self._thread.start()
        assert self._ready.wait(WAIT), "the wall did not connect"

    def _run(self, ws_url: str, token: str) -> None:
        with connect(ws_url, open_timeout=WAIT, compression=None) as ws:
            self._ws = ws
            ws.send(protocol.encode(protocol.hello(device_token=token)))
            self._ready.set()
            try:
                for raw in ws:
                    msg = json.loads(raw)
                    if msg.get("type") == protocol.SNAPSHOT and (msg.get("state") or {}).get("contest"):
                        self.states.append(msg["state"]["contest"])
                    elif msg.get("type") == protocol.CONTEST_STATE:
                        self.states.append(msg["contest"])
            except ConnectionClosed:
                pass

    def phases(self) -> list[str]:
        seen: list[str] = []
        for s in list(self.states):
            phase = f"{s['status']}:{s['index']}"
            if not seen or seen[-1] != phase:
                seen.append(phase)
        return seen

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        self._thread.join(WAIT)


def right_answer(q: Question) -> str:
    """What a member who knows would type: the admin draws questions of every kind at random, and a
    fill-in answer may list accepted alternatives (``a/b``), of which one is typed."""
    if q.kind == QuestionKind.FILL_BLANK:
        return "|".join(blank.split("/")[0] for blank in q.answer.split("|"))
    return q.answer


def secretary_creates_the_contest(base: str, room_id: int) -> tuple[int, str]:
    """Sign in as the demo secretary, create a two-question contest for the demo room, and read the
    host code off the contest's page, as a person would."""
    web = requests.Session()
    form = {"username": SECRETARY[0], "password": SECRETARY[1],
            "csrf_token": csrf_of(web.get(f"{base}/admin/login", timeout=WAIT).text)}
    assert web.post(f"{base}/admin/login", data=form, timeout=WAIT, allow_redirects=False).status_code == 302
    form = {"title": "七一党史知识竞赛", "room_id": str(room_id), "questions": "2", "seconds": "60",
            "csrf_token": csrf_of(web.get(f"{base}/admin/contests", timeout=WAIT).text)}
    created = web.post(f"{base}/admin/contests", data=form, timeout=WAIT, allow_redirects=False)
    assert created.status_code == 302
    contest_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = web.get(f"{base}/admin/contests/{contest_id}", timeout=WAIT).text
    found = re.search(r'id="host-code">终端主持码 <strong class="bigcode">(\d{6})</strong>', page)
    assert found, "the contest page shows no host code"
    return contest_id, found.group(1)


def test_a_secretary_hosts_the_contest_from_the_terminal(demo_server: RoomServer, kiosk: Any) -> None:
    base = demo_server.http_url
    with demo_server.runtime.session_factory() as s:
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
        assert room_id is not None
        _wall, wall_token = make_device(s, role=DeviceRole.WALL, room_id=room_id, name="大屏")
        s.commit()
    contest_id, host_code = secretary_creates_the_contest(base, room_id)
    with demo_server.runtime.session_factory() as s:
        contest = s.get(Contest, contest_id)
        assert contest is not None
        join_code = contest.code
        answers = [right_answer(s.get(Question, cq.question_id))  # type: ignore[arg-type]
                   for cq in s.scalars(select(ContestQuestion).where(ContestQuestion.contest_id == contest_id)
                                       .order_by(ContestQuestion.position))]
    wall = WallListener(demo_server.ws_url, wall_token)
    try:
        t = kiosk(mode="terminal", server=base, offline=False, size=(1920, 1080))
        t.until(lambda: t.app.sm.current == "home" and t.app.contest.get("id") == contest_id, timeout=20)
        t.tap(t.find(t.screen(), "Tile", key="contests"))
        t.until(lambda: t.app.sm.current == "contests" and t.screen().ids.host.opacity == 1)
        t.screenshot("contest-host-1920-hub")
        t.tap(t.screen().ids.host)
        t.until(lambda: t.app.sm.current == "contest_host_code")
        for digit in host_code:
            t.tap(t.find(t.screen().ids.keypad, "HostCodeKey", key=digit))
        t.screenshot("contest-host-1920-code")
        t.tap(t.screen().ids.confirm)
        t.until(lambda: t.app.sm.current == "contest_host", timeout=WAIT)
        ids = t.screen().ids
        assert ids.top.title == "七一党史知识竞赛" and ids.headline.text == "等待开始"

        phone = requests.Session()  # a member joins on the phone page by the wall's code
        join_page = phone.get(f"{base}/c/{join_code}", timeout=WAIT).text
        assert "加入竞赛" in join_page
        token = join_page.split('name="csrf_token" value="')[1].split('"')[0]
        joined = phone.post(f"{base}/c/{join_code}", data={"number": "D0001", "pin": MEMBER_PIN, "csrf_token": token},
                            timeout=WAIT)
        assert joined.status_code == 200 and joined.url.endswith("/play")
        t.until(lambda: ids.detail.text == "已加入 1 人", timeout=WAIT)
        t.screenshot("contest-host-1920-lobby")

        t.tap(ids.first)  # 开始竞赛
        settled(t, "第 1 / 2 题")
        t.until(lambda: ids.detail.text.startswith("剩余"), timeout=WAIT)
        t.screenshot("contest-host-1920-question")
        sent = phone.post(f"{base}/api/contests/{contest_id}/answers", json={"index": 1, "answer": answers[0]},
                          timeout=WAIT)
        assert sent.status_code == 201, sent.text
        t.tap(ids.first)  # 结束本题
        settled(t, "本题已结束")
        assert ids.detail.text == "第 1 / 2 题 · 已作答 1 人" and ids.first.text == "下一题"
        t.screenshot("contest-host-1920-reveal")
        me = phone.get(f"{base}/api/contests/{contest_id}/me", timeout=WAIT).json()["me"]
        assert me["last"] == {"index": 1, "correct": True, "points": me["score"]} and me["score"] >= 500

        t.tap(ids.first)  # 下一题
        settled(t, "第 2 / 2 题")
        t.tap(ids.first)  # 结束本题 (nobody answered this one)
        settled(t, "本题已结束")
        assert ids.first.text == "公布最终成绩"
        t.tap(ids.first)  # 公布最终成绩
        settled(t, "已结束")
        assert not t.app.host.active and ids.first.text == "返回"
        t.screenshot("contest-host-1920-finished")
        t.until(lambda: wall.phases()[-1:] == ["finished:2"], timeout=WAIT)
    finally:
        wall.close()

    # The wall followed every step the terminal took, in order, and ended on the podium.
    assert wall.phases() == ["lobby:0", "question:1", "reveal:1", "question:2", "reveal:2", "finished:2"]
    reveal = next(s for s in wall.states if s["status"] == "reveal" and s["index"] == 1)
    assert reveal["answered"] == 1 and reveal["board"][0]["score"] == me["score"]
    podium = wall.states[-1]["board"]
    with demo_server.runtime.session_factory() as s:
        [row] = contests.results(s, contest_id)
        terminal_id = t.app.state.device["id"]
        audited = [(e.action, e.actor_user_id, e.details["device_id"]) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("contest.host")).order_by(AuditEntry.id))]
    assert (row["correct"], row["answered"]) == (1, 1) and row["score"] == me["score"]
    assert [(p["player_id"], p["score"]) for p in podium] == [(row["player_id"], row["score"])]
    assert audited == [("contest.host_start", None, terminal_id), ("contest.host_close", None, terminal_id),
                       ("contest.host_next", None, terminal_id), ("contest.host_close", None, terminal_id),
                       ("contest.host_next", None, terminal_id)]
