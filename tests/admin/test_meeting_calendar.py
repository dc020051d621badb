"""会议日历 and 应到人员: the month grid with the demo meetings (a secretary sees their branch's only),
previous and next months; editing who is expected changes the counts, turns sign-ins into guests and
back, is audited, and a secretary cannot add another branch's members."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.meetings.models import Attendance, Meeting
from screen_server.meetings.services import LOCAL_TZ, counts
from screen_server.org.models import Member
from tests.admin.forms import post


def test_calendar_shows_the_month(as_secretary: FlaskClient, demo: Session) -> None:
    page = as_secretary.get("/admin/meetings/calendar").get_data(as_text=True)
    today = dt.datetime.now(LOCAL_TZ).date()
    assert f"{today.year}年{today.month}月" in page and "学习贯彻党的二十届四中全会精神" in page
    assert 'class=" today"' in page or "today" in page
    earlier = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert as_secretary.get(f"/admin/meetings/calendar?month={earlier}").status_code == 200
    assert as_secretary.get("/admin/meetings/calendar?month=nonsense").status_code == 200


def test_expected_attendees_are_edited(as_secretary: FlaskClient, demo: Session) -> None:
    meeting = demo.scalar(select(Meeting).where(Meeting.title.like("%四中全会%")))
    assert meeting is not None
    expected = sorted(m.id for m in meeting.expected)
    signed = expected[0]
    demo.add(Attendance(meeting_id=meeting.id, member_id=signed, signed_at=dt.datetime.now(dt.UTC), method="QR"))
    demo.commit()
    page = f"/admin/meetings/{meeting.id}/expected"
    assert "应到人员" in as_secretary.get(page).get_data(as_text=True)
    keep = [str(i) for i in expected[1:5]]
    assert post(as_secretary, page, {"member_ids": keep}, page=page).status_code == 302
    demo.expire_all()
    meeting = demo.get(Meeting, meeting.id)
    assert meeting is not None and counts(demo, meeting)["expected"] == 4
    assert demo.scalar(select(Attendance.guest).where(Attendance.member_id == signed,
                                                      Attendance.meeting_id == meeting.id)) is True  # now a guest
    other = demo.scalar(select(Member.id).where(Member.branch_id != meeting.branches[0].id))
    refused = post(as_secretary, page, {"member_ids": [*keep, str(other)]}, page=page)
    assert refused.status_code == 403 or "本支部" in refused.get_data(as_text=True)
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.expected")) is not None
