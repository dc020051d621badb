"""Queued terminal sign-ins: delivered exactly once; one the server refuses (the meeting closed while the
server was down) becomes an offline conflict the admin sees — who, what, when, why — once, however
often it is resent. The PIN cache is for paired terminals only."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.meetings.models import Attendance, Meeting, MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.offline.models import OfflineConflict
from screen_server.org.models import Role
from tests.admin.forms import login
from tests.helpers.factories import PASSWORD, make_branch, make_device, make_member, make_room, make_user


def _setup(session: Session, settings: Settings) -> tuple[int, list[int], str]:
    branch = make_branch(session)
    members = [make_member(session, branch_id=branch.id, name=f"王{n}明") for n in range(3)]
    room = make_room(session)
    _terminal, token = make_device(session, name="一楼终端", room_id=room.id)
    now = utcnow()
    meeting = create_meeting(session, settings, make_user(session, Role.ADMIN), title="十二月支部党员大会",
                             type=MeetingType.BRANCH_GENERAL, branch_ids=[branch.id], room_id=room.id,
                             starts_at=now + dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=1),
                             signin_opens_at=now - dt.timedelta(minutes=5))
    session.commit()
    return meeting.id, [m.id for m in members], token


def _queued(client: FlaskClient, token: str, meeting_id: int, member_id: int, client_id: str,
            clock: dt.datetime, offset: float) -> tuple[int, dict]:
    r = client.post("/api/device/offline/signins", headers={"Authorization": f"Bearer {token}"},
                    json={"meeting_id": meeting_id, "member_id": member_id, "client_id": client_id,
                          "device_clock": clock.isoformat(), "clock_offset_s": offset})
    return r.status_code, r.get_json()


def test_queued_sign_ins_arrive_once_and_refusals_become_one_conflict_each(
        client: FlaskClient, session: Session, settings: Settings) -> None:
    meeting_id, members, token = _setup(session, settings)
    terminal_clock = utcnow() - dt.timedelta(minutes=9, seconds=40)  # the terminal runs 20 s slow
    status, body = _queued(client, token, meeting_id, members[0], "t1-0001", terminal_clock, 20.0)
    assert status == 201 and body["created"]
    assert _queued(client, token, meeting_id, members[0], "t1-0001", terminal_clock, 20.0)[0] == 200

    meeting = session.get(Meeting, meeting_id)
    assert meeting is not None
    meeting.signin_closes_at = utcnow() - dt.timedelta(seconds=1)  # closed while the server was down
    session.commit()
    status, body = _queued(client, token, meeting_id, members[1], "t1-0002", terminal_clock, 20.0)
    assert status == 200 and body["conflict"]["kind"] == "signin"
    assert "签到" in body["conflict"]["reason"]
    again = _queued(client, token, meeting_id, members[1], "t1-0002", terminal_clock, 20.0)[1]
    assert again["conflict"]["id"] == body["conflict"]["id"]
    session.expire_all()
    assert session.scalar(select(func.count(Attendance.id)).where(Attendance.meeting_id == meeting_id)) == 1
    (conflict,) = session.scalars(select(OfflineConflict)).all()
    assert conflict.member_id == members[1] and conflict.subject == "十二月支部党员大会"
    assert conflict.device_clock == terminal_clock
    assert conflict.made_at == terminal_clock + dt.timedelta(seconds=20)  # on the server's clock

    make_user(session, Role.ADMIN, username="ops-admin")
    session.commit()
    login(client, "ops-admin", PASSWORD)
    listing = client.get("/admin/devices").get_data(as_text=True)
    assert "离线冲突" in listing and "1 条记录被服务器拒绝" in listing
    page = client.get("/admin/devices/conflicts").get_data(as_text=True)
    assert "王1明" in page and "十二月支部党员大会" in page and "一楼终端" in page and conflict.reason in page
    assert "偏差 +20 秒" in page


def test_bad_queued_records_change_nothing(client: FlaskClient, session: Session, settings: Settings) -> None:
    meeting_id, members, token = _setup(session, settings)
    auth = {"Authorization": f"Bearer {token}"}
    no_clock = client.post("/api/device/offline/signins", headers=auth,
                           json={"meeting_id": meeting_id, "member_id": members[0], "client_id": "x1"})
    assert no_clock.status_code == 400 and "终端时钟" in no_clock.get_json()["error"]["message"]
    naive = _queued(client, token, meeting_id, members[0], "x2", dt.datetime(2026, 12, 4, 10), 0.0)
    assert naive[0] == 400 and "终端时钟不正确" in naive[1]["error"]["message"]  # a clock without its zone
    stranger = client.post("/api/device/offline/signins", json={"meeting_id": meeting_id})
    assert stranger.status_code == 401
    assert session.scalar(select(func.count(OfflineConflict.id))) == 0
    assert session.scalar(select(func.count(Attendance.id))) == 0


def test_pin_cache_is_for_paired_terminals(client: FlaskClient, session: Session, settings: Settings) -> None:
    _meeting_id, members, token = _setup(session, settings)
    assert client.get("/api/device/offline/pins").status_code == 401
    body = client.get("/api/device/offline/pins", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {m["id"] for m in body["members"]} >= set(members)
    assert all(m["pin_hash"].startswith("$argon2") for m in body["members"])
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(hours=71) < expires - utcnow() <= dt.timedelta(hours=72)


def test_a_study_span_the_server_refuses_becomes_an_offline_conflict(client: FlaskClient, session: Session,
                                                                     settings: Settings) -> None:
    _meeting_id, members, token = _setup(session, settings)
    start = utcnow() - dt.timedelta(minutes=5)
    span = {"id": "span-ghost-1", "item_id": 99999, "member_id": members[0], "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(seconds=30)).isoformat(), "active_seconds": 30}
    for _ in range(2):  # sent again after a lost answer: still one conflict
        body = client.post("/api/study/spans", headers={"Authorization": f"Bearer {token}"},
                           json={"spans": [span]}).get_json()
        assert body["rejected"] == [{"id": "span-ghost-1", "error": "学习内容不存在。", "reason": "invalid"}]
    (conflict,) = session.scalars(select(OfflineConflict)).all()
    assert (conflict.kind, conflict.member_id, conflict.reason) == ("study", members[0], "学习内容不存在。")
    assert conflict.made_at == start and conflict.payload["item_id"] == 99999
