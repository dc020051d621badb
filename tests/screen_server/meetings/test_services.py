from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.errors import Forbidden, Invalid
from screen_server.leases import MemoryMap
from screen_server.meetings import services as meetings
from screen_server.meetings import signins
from screen_server.meetings.models import Attendance, AttendanceCorrection, MeetingType, SignInMethod
from screen_server.meetings.services import SignInWatcher
from screen_server.runtime import Runtime
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch
from tests.screen_server.meetings.conftest import OpenMeeting


def _sign(session: Session, settings: Settings, om: OpenMeeting, member_id: int, **kw: object) -> signins.SignInAnswer:
    result = signins.record_sign_in(session, settings, meeting_id=om.meeting.id, member_id=member_id,
                                     method=SignInMethod.QR, **kw)  # type: ignore[arg-type]
    session.commit()
    return result


def test_signing_in_twice_is_harmless(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    m = open_meeting.members[0]
    first = _sign(session, settings, open_meeting, m.id)
    assert first.created and not first.late and not first.guest
    second = _sign(session, settings, open_meeting, m.id)
    assert not second.created
    assert second.message.startswith("您已于 ") and "签到" in second.message
    assert session.scalar(select(func.count(Attendance.id))) == 1


def test_resent_client_id_counts_once(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    m = open_meeting.members[1]
    assert _sign(session, settings, open_meeting, m.id, client_id="abc").created
    assert not _sign(session, settings, open_meeting, m.id, client_id="abc").created


def test_member_not_expected_is_a_guest(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    result = _sign(session, settings, open_meeting, open_meeting.outsider.id)
    assert result.guest
    counts = meetings.counts(session, open_meeting.meeting)
    assert counts == {"expected": 5, "signed": 0, "guests": 1, "on_leave": 0, "rate": 0.0, "voting_expected": 5,
                      "voting_signed": 0, "quorum_rule": "half", "quorum": False, "quorum_needed": 3}


def test_outside_the_window_says_when(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    m = open_meeting.meeting
    early = m.signin_opens_at - dt.timedelta(minutes=1)
    with pytest.raises(Invalid) as not_open:
        signins.record_sign_in(session, settings, meeting_id=m.id, member_id=open_meeting.members[0].id,
                                method=SignInMethod.QR, now=early)
    assert "签到尚未开始" in not_open.value.message and "开放" in not_open.value.message
    with pytest.raises(Invalid) as closed:
        signins.record_sign_in(session, settings, meeting_id=m.id, member_id=open_meeting.members[0].id,
                                method=SignInMethod.QR, now=m.signin_closes_at)
    assert "签到已于" in closed.value.message
    assert session.scalar(select(func.count(Attendance.id))) == 0


def test_after_the_start_is_late(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    m = open_meeting.meeting
    late = signins.record_sign_in(session, settings, meeting_id=m.id, member_id=open_meeting.members[2].id,
                                   method=SignInMethod.QR, now=m.starts_at + dt.timedelta(minutes=3))
    assert late.late and "迟到" in late.message


def test_leave_and_makeup_are_recorded_with_who_and_why(
    session: Session, settings: Settings, open_meeting: OpenMeeting
) -> None:
    om = open_meeting
    meetings.request_leave(session, meeting_id=om.meeting.id, member_id=om.members[3].id, reason="出差")
    session.commit()
    assert meetings.counts(session, om.meeting)["on_leave"] == 1
    with pytest.raises(Invalid):
        meetings.makeup_sign_in(session, settings, om.secretary, meeting_id=om.meeting.id,
                                member_id=om.members[4].id, reason="  ")
    meetings.makeup_sign_in(session, settings, om.secretary, meeting_id=om.meeting.id, member_id=om.members[4].id,
                            reason="手机没电，会后补签")
    session.commit()
    correction = session.scalar(select(AttendanceCorrection))
    assert correction is not None and correction.by_user_id == om.secretary.id and correction.action == "makeup"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.makeup")) is not None


def test_secretary_manages_only_their_branch(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    other = make_branch(session)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(Forbidden):
        meetings.create_meeting(session, settings, open_meeting.secretary, title="别的支部", type=MeetingType.GROUP,
                                branch_ids=[other.id], starts_at=now, ends_at=now + dt.timedelta(hours=1))


def test_wall_snapshot_shows_the_open_meeting(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    from screen_server.push.viewer import Viewer

    _sign(session, settings, open_meeting, open_meeting.members[0].id)
    part = meetings.snapshot_part(session, settings, Viewer("device", room_id=open_meeting.room_id, device_id=1))
    state = part["signin"]
    assert state["meeting"]["title"] == "支部党员大会" and state["meeting"]["type_label"] == "支部党员大会"
    assert state["counts"]["signed"] == 1 and state["counts"]["expected"] == 5
    assert state["qr"]["path"].startswith(f"/s/{open_meeting.meeting.id}?t=")
    name = open_meeting.members[0].name
    assert state["recent"][0]["name"] == name[0] + "*" * (len(name) - 2) + name[-1]  # masked
    assert meetings.snapshot_part(session, settings, Viewer("device", room_id=None))["signin"] is None


def test_the_signin_watcher_tells_a_meeting_that_took_an_older_meetings_id(
        runtime: Runtime, session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    """A database restored or made anew hands out meeting ids again while the shared map (Redis) still
    holds what was announced for the older meeting with that id: the new meeting's opening is still told."""
    shown = MemoryMap()
    meeting_id = open_meeting.meeting.id
    shown.set(SignInWatcher.KEY, str(meeting_id), "123:1")  # announced, for a meeting made at another time
    shown.set(SignInWatcher.KEY, "999999", "123:1")  # and for one this database never had
    log = EventLog(runtime.bus)
    watcher = SignInWatcher(settings, shown)
    watcher(session)
    session.commit()
    opened = log.of(protocol.SIGNIN_OPENED)
    assert len(opened) == 1 and opened[0].room_id == open_meeting.meeting.room_id
    assert not log.of(protocol.SIGNIN_CLOSED)  # the stale entry goes without a word
    assert set(shown.get(SignInWatcher.KEY)) == {str(meeting_id)}
    watcher(session)
    session.commit()
    assert len(log.of(protocol.SIGNIN_OPENED)) == 1  # announced once
