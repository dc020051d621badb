"""The phone pages a scanned QR opens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.meetings import qr
from screen_server.meetings.models import Attendance, LeaveRequest
from tests.helpers.factories import PIN
from tests.screen_server.meetings.conftest import OpenMeeting


def _url(settings: Settings, meeting_id: int, at: dt.datetime | None = None) -> str:
    return qr.current(settings.secret_key, meeting_id, at or utcnow(), settings.qr_rotate_seconds).path


def _form(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(pass|client_id)" value="([^"]*)"', html))


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Attendance.id))) or 0


def test_first_scan_pin_then_one_tap(client: FlaskClient, settings: Settings, session: Session,
                                     open_meeting: OpenMeeting) -> None:
    om, member = open_meeting, open_meeting.members[0]
    page = client.get(_url(settings, om.meeting.id))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "支部党员大会" in html and "党员编号" in html
    assert "<script" not in html and "http" not in html.split("<body>")[1]  # no scripts, nothing external
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]

    wrong = client.post(f"/s/{om.meeting.id}", data=_form(html) | {"number": member.number, "pin": "000000"})
    assert wrong.status_code == 401 and "不正确" in wrong.get_data(as_text=True)
    assert _count(session) == 0

    done = client.post(f"/s/{om.meeting.id}", data=_form(html) | {"number": member.number.lower(), "pin": PIN})
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "签到成功" in text and member.name in text and "支部党员大会" in text
    assert "ar_phone=" in done.headers.get("Set-Cookie", "")
    assert _count(session) == 1

    again = client.get(_url(settings, om.meeting.id)).get_data(as_text=True)
    assert f"您好，{member.name} 同志" in again and 'name="pin"' not in again  # remembered: one tap
    tap = client.post(f"/s/{om.meeting.id}", data=_form(again)).get_data(as_text=True)
    assert "您已签到" in tap and "无需重复签到" in tap
    assert _count(session) == 1

    client.post("/phone/forget")
    assert 'name="pin"' in client.get(_url(settings, om.meeting.id)).get_data(as_text=True)


@pytest.mark.parametrize("case", ["three-windows-ago", "other-meeting", "one-character-changed"])
def test_bad_tokens_get_a_clear_page_and_no_record(client: FlaskClient, settings: Settings, session: Session,
                                                   open_meeting: OpenMeeting, case: str) -> None:
    meeting_id = open_meeting.meeting.id
    rotate = settings.qr_rotate_seconds
    if case == "three-windows-ago":
        url = _url(settings, meeting_id, utcnow() - dt.timedelta(seconds=3 * rotate))
        expected = "二维码已过期"
    elif case == "other-meeting":
        url = _url(settings, meeting_id + 1000).replace(f"/s/{meeting_id + 1000}", f"/s/{meeting_id}")
        expected = "二维码无效"
    else:
        url = _url(settings, meeting_id)
        url = url[:-1] + ("A" if url[-1] != "A" else "B")
        expected = "二维码无效"
    page = client.get(url)
    assert page.status_code == 403 and expected in page.get_data(as_text=True)
    member = open_meeting.members[0]
    forged = client.post(f"/s/{meeting_id}", data={"pass": "forged", "number": member.number, "pin": PIN})
    assert forged.status_code == 403 and "二维码无效" in forged.get_data(as_text=True)
    assert _count(session) == 0


def test_leave_from_the_phone(client: FlaskClient, settings: Settings, session: Session,
                              open_meeting: OpenMeeting) -> None:
    member = open_meeting.members[1]
    html = client.get(_url(settings, open_meeting.meeting.id)).get_data(as_text=True)
    empty = client.post(f"/s/{open_meeting.meeting.id}/leave",
                        data=_form(html) | {"number": member.number, "pin": PIN, "reason": " "})
    assert empty.status_code == 400 and "请填写请假事由" in empty.get_data(as_text=True)
    ok = client.post(f"/s/{open_meeting.meeting.id}/leave",
                     data=_form(html) | {"number": member.number, "pin": PIN, "reason": "在外地出差"})
    assert ok.status_code == 200 and "请假已提交" in ok.get_data(as_text=True)
    leave = session.scalar(select(LeaveRequest))
    assert leave is not None and leave.member_id == member.id and leave.reason == "在外地出差"


def test_json_sign_in_needs_a_remembered_phone_and_a_token(client: FlaskClient, settings: Settings,
                                                           open_meeting: OpenMeeting) -> None:
    mid = open_meeting.meeting.id
    token = qr.current(settings.secret_key, mid, utcnow(), settings.qr_rotate_seconds).token
    r = client.post(f"/api/meetings/{mid}/signins", json={"token": token})
    assert r.status_code == 401 and "登录" in r.get_json()["error"]["message"]
    r = client.post(f"/api/meetings/{mid}/signins", json={"token": "1.bad"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "token_forged"
