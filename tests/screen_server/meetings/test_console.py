"""The meeting console: sign-in closes and reopens (with a reason, audited, pushed), the wall's steps and
the snapshot, the terminal's host code with its lockout, templates, quorum counts, minutes and photos."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.devices.models import DeviceRole
from screen_server.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LockedOut,  # noqa: I001
    )
from screen_server.meetings import console, minutes, signins, templates
from screen_server.meetings.models import MeetingType, SignInMethod
from screen_server.meetings.services import counts, open_meeting_for_room
from screen_server.org.models import PartyStatus, Role
from screen_server.polls import services as polls
from screen_server.push.viewer import Viewer
from screen_server.runtime import Runtime
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user

from .conftest import OpenMeeting

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def _sign(session: Session, settings: Settings, meeting_id: int, *member_ids: int) -> None:
    for mid in member_ids:
        signins.record_sign_in(session, settings, meeting_id=meeting_id, member_id=mid, method=SignInMethod.TERMINAL)
    session.commit()


def test_close_and_reopen_signin(runtime, session: Session, settings: Settings,  # type: ignore[no-untyped-def]
                                 open_meeting: OpenMeeting) -> None:
    om, log = open_meeting, EventLog(runtime.bus)
    host = console.Host(user=om.secretary)
    console.close_signin(session, settings, host, om.meeting.id)
    session.commit()
    log.wait(protocol.SIGNIN_CLOSED, where=lambda e: e.payload["meeting_id"] == om.meeting.id)
    assert open_meeting_for_room(session, om.room_id) is None  # the wall leaves the sign-in screen
    assert om.meeting.quorum_reached is False  # recorded at close: nobody came
    with pytest.raises(Conflict):
        console.close_signin(session, settings, host, om.meeting.id)
    session.rollback()
    with pytest.raises(Invalid, match="原因"):
        console.reopen_signin(session, settings, host, om.meeting.id, reason=" ")
    session.rollback()
    console.reopen_signin(session, settings, host, om.meeting.id, reason="两位同志路上堵车", minutes=10)
    session.commit()
    log.wait(protocol.SIGNIN_OPENED)
    assert open_meeting_for_room(session, om.room_id) is not None
    audit = [a.action for a in session.scalars(select(AuditEntry).where(AuditEntry.target_type == "meeting"))]
    assert "meeting.signin_closed" in audit and "meeting.signin_reopened" in audit
    reopened = session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.signin_reopened"))
    assert reopened is not None and reopened.details["reason"] == "两位同志路上堵车"
    other_secretary = make_user(session, Role.SECRETARY, branch_id=make_branch(session).id)
    with pytest.raises(Exception, match="会议不存在"):
        console.close_signin(session, settings, console.Host(user=other_secretary), om.meeting.id)


def test_quorum_counts_full_members_and_leave(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    om = open_meeting  # 5 expected
    om.members[4].party_status = PartyStatus.PROBATIONARY
    session.commit()
    from screen_server.meetings.services import request_leave
    request_leave(session, meeting_id=om.meeting.id, member_id=om.members[3].id, reason="出差")
    _sign(session, settings, om.meeting.id, om.members[0].id, om.members[4].id, om.outsider.id)
    c = counts(session, om.meeting)
    # 应到 5 (the one on leave included), 有表决权应到 4 (the 预备党员 left out), 实到 2, 有表决权实到 1
    assert (c["expected"], c["voting_expected"], c["signed"], c["voting_signed"], c["on_leave"]) == (5, 4, 2, 1, 1)
    assert c["quorum"] is False and c["quorum_needed"] == 3
    _sign(session, settings, om.meeting.id, om.members[1].id, om.members[2].id)
    c = counts(session, om.meeting)
    assert c["voting_signed"] == 3 and c["quorum"] is True


def test_steps_on_the_wall_and_the_snapshot(runtime, session: Session, settings: Settings,  # type: ignore[no-untyped-def]
                                            open_meeting: OpenMeeting) -> None:
    om, log = open_meeting, EventLog(runtime.bus)
    host = console.Host(user=om.admin)
    om.meeting.agenda = "1. 传达学习\n2. 民主评议党员"
    session.commit()
    console.set_step(session, settings, host, om.meeting.id, "agenda")
    session.commit()
    event = log.wait(protocol.CONSOLE_UPDATED)
    assert event.room_id == om.room_id and event.payload["console"]["step"] == "agenda"
    assert event.payload["console"]["agenda"] == ["传达学习", "民主评议党员"]
    assert "quorum" in event.payload["console"]["counts"]
    snap = console.snapshot_part(session, settings, Viewer(kind="device", device_id=None, room_id=om.room_id))
    assert snap["console"]["step"] == "agenda"
    ballot = polls.create_poll(session, title="表决", options=["同意", "不同意"], meeting_id=om.meeting.id,
                               anonymous=True, requires_vote=True, open_now=False)
    session.commit()
    with pytest.raises(Conflict, match="法定人数"):  # the step opens the ballot, which needs quorum
        console.set_step(session, settings, host, om.meeting.id, "poll", ballot.id)
    session.rollback()
    _sign(session, settings, om.meeting.id, *(m.id for m in om.members[:3]))
    console.set_step(session, settings, host, om.meeting.id, "poll", ballot.id)
    session.commit()
    assert polls.get_poll(session, ballot.id).open
    data = console.console_data(session, settings, om.meeting)
    assert data is not None and data["poll"]["id"] == ballot.id and data["poll"]["hidden"]
    with pytest.raises(Invalid):
        console.set_step(session, settings, host, om.meeting.id, "dance")
    session.rollback()
    console.set_step(session, settings, host, om.meeting.id, "end")
    session.commit()
    assert log.of(protocol.CONSOLE_UPDATED)[-1].payload["console"] is None
    assert console.snapshot_part(session, settings, Viewer(kind="device", device_id=None,
                                                           room_id=om.room_id))["console"] is None


def test_terminal_host_code(session: Session, settings: Settings, runtime: Runtime,
                            open_meeting: OpenMeeting) -> None:
    om = open_meeting
    terminal, _token = make_device(session, DeviceRole.TERMINAL, room_id=om.room_id)
    elsewhere, _t = make_device(session, DeviceRole.TERMINAL)
    session.commit()
    gate = runtime.meeting_hosts  # misses count in the shared lockout store
    code = console.host_code(settings.secret_key, om.meeting.id)
    state = console.host_at_terminal(session, settings, gate, device=terminal, code=code, action="check")
    assert state["meeting"]["id"] == om.meeting.id and state["window"] == "open"
    state = console.host_at_terminal(session, settings, gate, device=terminal, code=code, action="close_signin")
    session.commit()
    assert state["window"] == "closed"
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.signin_closed"))
    assert audit is not None and audit.details["device_id"] == terminal.id
    with pytest.raises(Forbidden):  # a terminal of another room: its room has no meeting with this code
        console.host_at_terminal(session, settings, gate, device=elsewhere, code=code, action="check")
    for _ in range(5):
        with pytest.raises(Forbidden):
            console.host_at_terminal(session, settings, gate, device=terminal, code="000000", action="check")
    with pytest.raises(LockedOut):  # locked: even the right code waits
        console.host_at_terminal(session, settings, gate, device=terminal, code=code, action="check")


def test_terminal_host_over_http(client: FlaskClient, session: Session, settings: Settings,
                                 open_meeting: OpenMeeting) -> None:
    om = open_meeting
    terminal, token = make_device(session, DeviceRole.TERMINAL, room_id=om.room_id)
    session.commit()
    code = console.host_code(settings.secret_key, om.meeting.id)
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/device/meeting-host", json={"code": code, "action": "step", "step": "agenda"}, headers=auth)
    assert r.status_code == 200 and r.json["step"]["step"] == "agenda"
    r = client.post("/api/device/meeting-host", json={"code": "123", "action": "check"}, headers=auth)
    assert r.status_code == 403 and "主持码" in r.json["error"]["message"]
    assert client.post("/api/device/meeting-host", json={"code": code}).status_code == 401
    for bad in ([None, None], "半小时", True):  # Schemathesis's finds: a clear refusal, never a 500
        r = client.post("/api/device/meeting-host", headers=auth,
                        json={"code": code, "action": "reopen_signin", "reason": "补签", "minutes": bad})
        assert r.status_code in (400, 409) and r.json["error"]["message"], (bad, r.json)


def test_template_fills_in_the_meeting(session: Session, settings: Settings) -> None:
    branch = make_branch(session)
    members = [make_member(session, branch_id=branch.id, title="组织委员" if i < 3 else "") for i in range(8)]
    secretary = make_user(session, Role.SECRETARY, branch_id=branch.id)
    room = make_room(session)
    starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    general = templates.create_from_template(session, settings, secretary, type="branch_general",
                                             branch_id=branch.id, starts_at=starts, room_id=room.id)
    assert general.title == "支部党员大会" and general.quorum_rule == "half" and len(general.expected) == 8
    assert "法定人数" in general.agenda and general.ends_at - general.starts_at == dt.timedelta(minutes=120)
    committee = templates.create_from_template(session, settings, secretary, type="branch_committee",
                                               branch_id=branch.id, starts_at=starts)
    assert {m.id for m in committee.expected} == {m.id for m in members[:3]}
    with pytest.raises(Forbidden):
        templates.save_template(session, secretary, "group", agenda="x", attendees="group", quorum_rule="none",
                                cadence_days=30, duration_minutes=60)
    admin = make_user(session, Role.ADMIN)
    saved = templates.save_template(session, admin, "party_lecture", agenda="1. 专题党课", attendees="branch",
                                    quorum_rule="none", cadence_days=60, duration_minutes=45)
    assert saved["cadence_days"] == 60 and templates.template_of(session, MeetingType.PARTY_LECTURE)["agenda"] == "1. 专题党课"
    with pytest.raises(Invalid):
        templates.save_template(session, admin, "party_lecture", agenda="", attendees="everyone", quorum_rule="none",
                                cadence_days=30, duration_minutes=60)


def test_minutes_photos_and_held(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    om = open_meeting
    sec = om.secretary
    with pytest.raises(Invalid, match="会议记录"):
        minutes.mark_held(session, sec, om.meeting.id)
    minutes.save_minutes(session, sec, om.meeting.id, minutes="## 会议内容\n<script>alert(1)</script>**通过**",
                         decisions="同意张三转正\n\n同意发展李四")
    assert "<script>" not in minutes.minutes_html(om.meeting) and "<strong>通过</strong>" in minutes.minutes_html(om.meeting)
    assert minutes.decision_list(om.meeting) == ["同意张三转正", "同意发展李四"]
    photo = minutes.add_photo(session, settings, sec, om.meeting.id, io.BytesIO(PNG), filename="合影.png")
    from content.errors import MediaRejected
    with pytest.raises(MediaRejected):
        minutes.add_photo(session, settings, sec, om.meeting.id, io.BytesIO(b"%PDF-1.4 not a photo"), filename="x.png")
    with pytest.raises(Invalid, match="照片"):
        minutes.add_photo(session, settings, sec, om.meeting.id, io.BytesIO(b"%PDF-1.4\n" + b"0" * 64), filename="x.pdf")
    minutes.mark_held(session, sec, om.meeting.id)
    session.commit()
    assert om.meeting.held_at is not None and om.meeting.quorum_reached is False
    assert [p.id for p in minutes.photos_of(session, om.meeting.id)] == [photo.id]
    assert console.get_photo(session, settings, photo.id, console.photo_sig(settings.secret_key, photo.id)).id == photo.id


def test_cadence_says_what_is_due(session: Session, settings: Settings) -> None:
    from screen_server.meetings import cadence

    branch = make_branch(session, short_name="一支部")
    for _ in range(3):  # the 支委 a 支委会 expects
        make_member(session, branch_id=branch.id, title="组织委员")
    admin = make_user(session, Role.ADMIN)
    now = dt.datetime(2026, 12, 4, 4, 0, tzinfo=dt.UTC)  # the clock, injected
    templates.create_from_template(session, settings, admin, type="branch_committee", branch_id=branch.id,
                                   starts_at=now - dt.timedelta(days=40))
    templates.create_from_template(session, settings, admin, type="branch_general", branch_id=branch.id,
                                   starts_at=now - dt.timedelta(days=86))
    templates.create_from_template(session, settings, admin, type="party_lecture", branch_id=branch.id,
                                   starts_at=now - dt.timedelta(days=10))
    session.commit()
    due = {d.type: d for d in cadence.due_meetings(session, [branch], now=now)}
    assert due["branch_committee"].status == "overdue" and "支部委员会已逾期" in due["branch_committee"].message
    assert due["branch_committee"].last_held == dt.date(2026, 10, 25)  # 40 days ago, Beijing time
    assert due["group"].status == "overdue" and "从未召开" in due["group"].message  # never held
    assert due["branch_general"].status == "soon"  # 91-day cadence, 86 days ago
    assert due["party_lecture"].status == "ok"
    assert [d.status for d in cadence.due_meetings(session, [branch], now=now)][:2] == ["overdue", "overdue"]


def test_supervision_comment_rectification_and_overdue(session: Session, open_meeting: OpenMeeting) -> None:
    from screen_server.meetings import supervision

    om = open_meeting
    today = dt.date(2026, 12, 4)  # the clock, injected
    with pytest.raises(Forbidden):
        supervision.comment(session, om.secretary, om.meeting.id, "自己督导自己")
    supervision.comment(session, om.admin, om.meeting.id, "会议记录过于简单，请补充讨论内容。")
    branch_id = om.meeting.branches[0].id
    item = supervision.issue(session, om.admin, branch_id=branch_id, title="补充会议记录中的讨论发言",
                             deadline=today + dt.timedelta(days=2), today=today, meeting_id=om.meeting.id)
    with pytest.raises(Invalid, match="期限"):
        supervision.issue(session, om.admin, branch_id=branch_id, title="x", deadline=today - dt.timedelta(days=1),
                          today=today)
    session.commit()
    assert [i.id for i in supervision.open_items(session, [branch_id])] == [item.id]  # the branch sees it
    assert not supervision.is_overdue(item, today + dt.timedelta(days=2))
    assert supervision.is_overdue(item, today + dt.timedelta(days=3))  # unanswered past its deadline
    other = make_user(session, Role.SECRETARY, branch_id=make_branch(session).id)
    with pytest.raises(Exception, match="不存在"):
        supervision.answer(session, other, item.id, text="已补充", done=True)
    supervision.answer(session, om.secretary, item.id, text="已补充 5 位同志的发言要点。", done=True)
    session.commit()
    assert supervision.open_items(session, [branch_id]) == [] and not supervision.is_overdue(item, today + dt.timedelta(days=9))
    actions = {a.action for a in session.scalars(select(AuditEntry).where(AuditEntry.action.like("supervision.%")))}
    assert actions == {"supervision.comment", "supervision.issue", "supervision.answer"}


def test_a_member_sees_tomorrows_meeting_on_the_phone(client: FlaskClient, session: Session, settings: Settings) -> None:
    from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value

    branch = make_branch(session)
    member, other = make_member(session, branch_id=branch.id), make_member(session)
    admin = make_user(session, Role.ADMIN)
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    templates.create_from_template(session, settings, admin, type="party_lecture", branch_id=branch.id,
                                   starts_at=tomorrow, title="学习二十届四中全会精神专题党课", room_id=make_room(session).id)
    session.commit()
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    for path in ("/m/me", "/m/meetings"):
        page = client.get(path).get_data(as_text=True)
        assert "近期会议" in page and "学习二十届四中全会精神专题党课" in page and "党课" in page, path
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, other))  # not expected there
    assert "学习二十届四中全会精神专题党课" not in client.get("/m/meetings").get_data(as_text=True)
    client.delete_cookie(PHONE_COOKIE)
    assert "请先扫描" in client.get("/m/meetings").get_data(as_text=True)
