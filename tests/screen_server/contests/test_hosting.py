"""Hosting a contest from the room's terminal: the host code (stable, per contest, secret-bound), the
lockout after five wrong codes (with an injected clock), each action driving the engine as the admin
does and landing in the audit log, refusals that change nothing, and the admin page showing the code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server.audit.models import AuditEntry
from screen_server.contests import hosting
from screen_server.contests import services as contests
from screen_server.contests.models import Contest, ContestStatus
from screen_server.errors import Forbidden, LockedOut
from tests.admin.forms import login
from tests.helpers.factories import make_device, make_member, make_room


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def _question(session: Session, stem: str) -> Question:
    q = Question(kind=QuestionKind.SINGLE, stem=stem, answer="B", status=ReviewStatus.PUBLISHED, difficulty=1,
                 options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"])
    session.add(q)
    session.flush()
    return q


@pytest.fixture
def hosted(runtime, session: Session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    room = make_room(session)
    device, token = make_device(session, room_id=room.id, name="一楼终端")
    elsewhere, other_token = make_device(session, name="二楼终端")  # another room's terminal
    qs = [_question(session, "第一题"), _question(session, "第二题")]
    contest = contests.create_contest(session, title="党章知识竞赛", room_id=room.id, questions=2, seconds=60,
                                      question_ids=[q.id for q in qs])
    member = make_member(session)
    session.commit()
    clock = Clock()
    runtime.clock = clock
    return {"contest_id": contest.id, "token": token, "device_id": device.id, "other_token": other_token,
            "member": member, "clock": clock, "code": runtime.contest_hosts.code(contest.id)}


def _host(client: FlaskClient, hosted: dict[str, Any], action: str, code: str | None = None,
          token: str | None = None) -> Any:
    return client.post(f"/api/device/contests/{hosted['contest_id']}/host",
                       json={"code": hosted["code"] if code is None else code, "action": action},
                       headers={"Authorization": f"Bearer {token or hosted['token']}"})


def _audit(session: Session) -> list[tuple[str, str | None, dict[str, Any]]]:
    session.expire_all()
    return [(e.action, e.target_id, e.details) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.action.startswith("contest.host_"),
                                 ~AuditEntry.action.startswith("contest.host_code")).order_by(AuditEntry.id))]


def test_the_host_code_is_six_digits_per_contest_and_bound_to_the_secret() -> None:
    code = hosting.host_code("secret-a", 7)
    assert len(code) == 6 and code.isdigit()
    assert hosting.host_code("secret-a", 7) == code  # stable: nothing stored
    assert hosting.host_code("secret-a", 8) != code
    assert hosting.host_code("secret-b", 7) != code
    assert len({hosting.host_code("secret-a", i) for i in range(200)}) > 190


def test_five_wrong_codes_lock_the_terminal_out_for_fifteen_minutes(runtime) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    runtime.clock = clock
    gate = runtime.contest_hosts
    right = gate.code(1)
    wrong = "000000" if right != "000000" else "111111"
    for _attempt in range(5):
        with pytest.raises(Forbidden, match="主持码不正确"):
            gate.check(1, 10, wrong)
    with pytest.raises(LockedOut, match="错误次数过多，已暂时锁定。请在 .* 之后再试"):
        gate.check(1, 10, wrong)  # the sixth is not even looked at
    clock.advance(minutes=14)
    with pytest.raises(LockedOut):
        gate.check(1, 10, right)  # even the right code waits out the lock
    gate.check(1, 11, right)  # another terminal is not locked
    gate.check(2, 10, gate.code(2))  # nor is this terminal for another contest
    clock.advance(minutes=1, seconds=1)
    gate.check(1, 10, right)  # fifteen minutes later: in
    for _attempt in range(4):  # a right code forgets the misses before it
        with pytest.raises(Forbidden):
            gate.check(1, 10, wrong)
    gate.check(1, 10, f" {right[:3]} {right[3:]} ")
    for _attempt in range(4):
        with pytest.raises(Forbidden):
            gate.check(1, 10, wrong)


def test_a_terminal_hosts_a_whole_contest(client: FlaskClient, session: Session, runtime,  # type: ignore[no-untyped-def]
                                         hosted: dict[str, Any]) -> None:
    engine, contest_id = runtime.contests, hosted["contest_id"]
    player = engine.join(contest_id, hosted["member"])
    checked = _host(client, hosted, "check")
    assert checked.status_code == 200
    assert checked.get_json()["status"] == "lobby" and checked.get_json()["players"] == 1
    assert _audit(session) == []  # checking the code changes nothing

    assert _host(client, hosted, "next").status_code == 409  # the state forbids it: nothing changes
    assert _host(client, hosted, "close").get_json()["error"]["message"] == "当前没有正在作答的题目。"
    assert engine.get(contest_id).status == ContestStatus.LOBBY

    started = _host(client, hosted, "start")
    assert started.status_code == 200
    state = started.get_json()
    assert state["status"] == "question" and state["index"] == 1 and state["question"]["stem"] == "第一题"
    again = _host(client, hosted, "start")
    assert again.status_code == 409 and again.get_json()["error"]["message"] == "竞赛已经开始。"
    early = _host(client, hosted, "next")
    assert early.status_code == 409 and "本题还在作答中" in early.get_json()["error"]["message"]

    engine.answer(contest_id, player.id, player.secret, 1, "B")
    closed = _host(client, hosted, "close").get_json()
    assert closed["status"] == "reveal" and closed["answered"] == 1 and closed["answer"] == "B"
    assert _host(client, hosted, "next").get_json()["index"] == 2
    finished = _host(client, hosted, "finish").get_json()
    assert finished["status"] == "finished" and finished["board"][0]["score"] >= 500
    session.expire_all()
    assert session.get(Contest, contest_id).status == ContestStatus.FINISHED  # type: ignore[union-attr]
    assert _host(client, hosted, "finish").status_code == 409
    refused = _host(client, hosted, "check")
    assert refused.status_code == 409 and refused.get_json()["error"]["message"] == "本场竞赛已经结束。"

    rows = _audit(session)
    assert [a for a, _t, _d in rows] == ["contest.host_start", "contest.host_close", "contest.host_next",
                                         "contest.host_finish"]  # the refused steps left no trace
    assert {t for _a, t, _d in rows} == {str(contest_id)}
    assert rows[0][2] == {"device_id": hosted["device_id"], "action": "start", "from": "lobby", "status": "question",
                          "index": 1}
    assert rows[-1][2]["from"] == "question" and rows[-1][2]["status"] == "finished"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "contest.host_start")).one()
    assert entry.actor_user_id is None and entry.actor_name == "一楼终端"


def test_wrong_codes_other_rooms_and_strangers_are_refused(client: FlaskClient, session: Session, runtime,  # type: ignore[no-untyped-def]
                                                         hosted: dict[str, Any]) -> None:
    engine, contest_id, clock = runtime.contests, hosted["contest_id"], hosted["clock"]
    wrong = "000000" if hosted["code"] != "000000" else "111111"
    no_token = client.post(f"/api/device/contests/{contest_id}/host", json={"code": hosted["code"], "action": "start"})
    assert no_token.status_code == 401
    other = _host(client, hosted, "start", token=hosted["other_token"])
    assert other.status_code == 403 and other.get_json()["error"]["message"] == "这场竞赛不在本活动室进行。"
    assert _host(client, hosted, "dance").status_code == 400
    for _attempt in range(5):
        r = _host(client, hosted, "start", code=wrong)
        assert r.status_code == 403 and r.get_json()["error"] == {"code": "host_code_wrong", "message": "主持码不正确。"}
    locked = _host(client, hosted, "start", code=wrong)
    assert locked.status_code == 429 and "错误次数过多，已暂时锁定" in locked.get_json()["error"]["message"]
    assert _host(client, hosted, "start").status_code == 429  # the right code, too, while locked
    assert engine.get(contest_id).status == ContestStatus.LOBBY and _audit(session) == []
    session.expire_all()
    tries = [e.action for e in session.scalars(select(AuditEntry).where(
        AuditEntry.action.startswith("contest.host_code")).order_by(AuditEntry.id))]
    assert tries == ["contest.host_code_failed"] * 5 + ["contest.host_code_locked_out"] + ["contest.host_code_refused"] * 2
    clock.advance(minutes=15, seconds=1)
    assert _host(client, hosted, "start").get_json()["status"] == "question"
    assert [a for a, _t, _d in _audit(session)] == ["contest.host_start"]
    missing = client.post("/api/device/contests/999999/host", json={"code": runtime.contest_hosts.code(999999)},
                          headers={"Authorization": f"Bearer {hosted['token']}"})
    assert missing.status_code == 404


@pytest.mark.usefixtures("demo_db")
def test_the_admin_page_shows_the_host_code(client: FlaskClient, session: Session, runtime, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.admin.forms import SECRETARY

    room = make_room(session)
    q = _question(session, "题")
    from sqlalchemy import select

    from screen_server.org.models import User

    secretary = session.scalar(select(User).where(User.username == SECRETARY[0]))
    assert secretary is not None
    contest = contests.create_contest(session, title="主持码竞赛", room_id=room.id, questions=1, question_ids=[q.id],
                                      actor_user_id=secretary.id)  # a secretary hosts their own branch's contests
    session.commit()
    code = runtime.contest_hosts.code(contest.id)
    assert "终端主持码" not in client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)  # signed out
    login(client, *SECRETARY)
    page = client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)
    assert "终端主持码" in page and f'<strong class="bigcode">{code}</strong>' in page
    assert "输入此码" in page
