"""A member with an initial PIN from a slip: the phone sign-in asks for their own PIN first and then
signs them in; a weak PIN changes nothing; /phone/pin and the terminal's API do the same."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.meetings import qr
from screen_server.meetings.models import Attendance
from screen_server.org import pins
from screen_server.org import services as org
from screen_server.runtime import Runtime  # noqa: I001
from screen_server.security import verify_secret
from tests.helpers.factories import make_device
from tests.screen_server.meetings.conftest import OpenMeeting


def _url(settings: Settings, meeting_id: int) -> str:
    return qr.current(settings.secret_key, meeting_id, utcnow(), settings.qr_rotate_seconds).path


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(pass|client_id|ticket)" value="([^"]*)"', html))


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Attendance.id))) or 0


def test_sign_in_with_a_slip_pin_asks_for_a_new_one_then_signs_in(
        client: FlaskClient, settings: Settings, session: Session, open_meeting: OpenMeeting) -> None:
    om, member = open_meeting, open_meeting.members[0]
    member.birth_date = dt.date(1985, 3, 12)
    slip = pins.reset_pin(session, om.admin, member.id)
    session.commit()
    page = client.get(_url(settings, om.meeting.id)).get_data(as_text=True)
    asked = client.post(f"/s/{om.meeting.id}", data=_hidden(page) | {"number": member.number, "pin": slip.pin})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "请先设置您自己的密码" in html and 'name="new_pin"' in html
    assert slip.pin not in html and _count(session) == 0  # not signed in yet, the slip PIN is not echoed
    ticket = _hidden(html)["ticket"]

    weak = client.post(f"/s/{om.meeting.id}/pin", data={"ticket": ticket, "new_pin": "850312", "repeat": "850312"})
    assert weak.status_code == 400 and "出生日期" in weak.get_data(as_text=True)
    session.expire_all()
    assert member.pin_must_change and verify_secret(member.pin_hash, slip.pin) and _count(session) == 0
    ticket = _hidden(weak.get_data(as_text=True))["ticket"]

    done = client.post(f"/s/{om.meeting.id}/pin", data={"ticket": ticket, "new_pin": "583920", "repeat": "583920"})
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "签到成功" in text and "新密码已设置" in text
    assert "ar_phone=" in done.headers.get("Set-Cookie", "") and _count(session) == 1
    session.expire_all()
    assert not member.pin_must_change and verify_secret(member.pin_hash, "583920")
    # The ticket is bound to the old PIN: replaying it does nothing.
    replay = client.post(f"/s/{om.meeting.id}/pin", data={"ticket": ticket, "new_pin": "602714", "repeat": "602714"})
    assert replay.status_code == 403 and "页面已失效" in replay.get_data(as_text=True)


def test_phone_pin_page(runtime: Runtime, client: FlaskClient, session: Session, open_meeting: OpenMeeting) -> None:
    member = open_meeting.members[1]
    slip = pins.reset_pin(session, open_meeting.admin, member.id)
    session.commit()
    assert 'name="new_pin"' in client.get("/phone/pin").get_data(as_text=True)
    form = {"number": member.number, "pin": slip.pin, "new_pin": "111111", "repeat": "111111"}
    weak = client.post("/phone/pin", data=form)
    assert weak.status_code == 400 and "重复的数字" in weak.get_data(as_text=True)
    wrong = client.post("/phone/pin", data=form | {"pin": "000000", "new_pin": "583920", "repeat": "583920"})
    assert wrong.status_code == 401
    ok = client.post("/phone/pin", data=form | {"new_pin": "583920", "repeat": "583920"})
    assert ok.status_code == 200 and "密码已设置" in ok.get_data(as_text=True)
    session.expire_all()
    assert org.authenticate_member(session, member.number, "583920", lockouts=runtime.lockouts).id == member.id


def test_terminal_is_told_and_accepts_the_new_pin(client: FlaskClient, session: Session,
                                                  open_meeting: OpenMeeting) -> None:
    om, member = open_meeting, open_meeting.members[2]
    _device, token = make_device(session, room_id=om.room_id)
    slip = pins.reset_pin(session, om.admin, member.id)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    login = client.post("/api/device/members/login", json={"number": member.number, "pin": slip.pin}, headers=auth)
    assert login.status_code == 403 and login.get_json()["error"]["code"] == "pin_change_required"
    signin = client.post("/api/device/signins", json={"member_id": member.id, "meeting_id": om.meeting.id,
                                                      "pin": slip.pin}, headers=auth)
    assert signin.status_code == 403 and signin.get_json()["error"]["code"] == "pin_change_required"
    weak = client.post("/api/device/members/pin", json={"member_id": member.id, "pin": slip.pin, "new_pin": "123456"},
                       headers=auth)
    assert weak.status_code == 400 and "连续" in weak.get_json()["error"]["message"]
    ok = client.post("/api/device/members/pin", json={"member_id": member.id, "pin": slip.pin, "new_pin": "583920",
                                                      "repeat": "583920"}, headers=auth)
    assert ok.status_code == 200 and ok.get_json()["ok"] is True
    again = client.post("/api/device/members/login", json={"number": member.number, "pin": "583920"}, headers=auth)
    assert again.status_code == 200
    no_device = client.post("/api/device/members/pin", json={"member_id": member.id, "pin": "583920",
                                                              "new_pin": "602714"})
    assert no_device.status_code == 401


def test_other_phone_forms_stop_an_initial_pin_and_point_to_the_pin_page(
        client: FlaskClient, session: Session, open_meeting: OpenMeeting) -> None:
    member = open_meeting.members[3]
    slip = pins.reset_pin(session, open_meeting.admin, member.id)
    session.commit()
    r = client.post("/m/challenge", data={"number": member.number, "pin": slip.pin})
    html = r.get_data(as_text=True)
    assert r.status_code == 403 and "您正在使用初始密码" in html and "/phone/pin" in html
    assert "ar_phone=" not in r.headers.get("Set-Cookie", "")  # not remembered before choosing
