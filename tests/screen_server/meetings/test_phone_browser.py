"""The phone page in a real browser at a phone's size: first scan with number and PIN, then one tap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from screen_server.db import utcnow
from screen_server.meetings import qr
from screen_server.meetings.models import Attendance, MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Role
from screen_server.runner import RoomServer
from tests.helpers.browser import PHONE, chromium
from tests.helpers.factories import PIN, make_branch, make_member, make_room, make_user

pytestmark = pytest.mark.browser


def test_phone_signs_in_then_one_tap(server: RoomServer, artifacts_dir: Path) -> None:
    settings = server.settings
    with server.runtime.session_factory() as s:
        branch = make_branch(s, name="机关第一党支部", short_name="机关一支部")
        member = make_member(s, branch_id=branch.id, name="王建国")
        room = make_room(s)
        now = utcnow()
        meeting = create_meeting(
            s, settings, make_user(s, Role.ADMIN), title="学习党章专题党课", type=MeetingType.PARTY_LECTURE,
            branch_ids=[branch.id], room_id=room.id, starts_at=now + dt.timedelta(minutes=15),
            ends_at=now + dt.timedelta(hours=1), signin_opens_at=now - dt.timedelta(minutes=1),
        )
        s.commit()
        meeting_id, number = meeting.id, member.number
    out = artifacts_dir / "phone"
    out.mkdir(exist_ok=True)

    def url() -> str:
        return server.http_url + qr.current(settings.secret_key, meeting_id, utcnow(), settings.qr_rotate_seconds).path

    with chromium() as browser:
        page = browser.new_context(**PHONE, locale="zh-CN").new_page()
        page.goto(url())
        assert page.get_by_role("heading", name="学习党章专题党课").is_visible()
        page.screenshot(path=str(out / "1-first-scan.png"), full_page=True)
        page.locator("#number").fill(number)
        page.locator("#pin").fill(PIN)
        page.get_by_role("button", name="签到", exact=True).click()
        page.get_by_text("签到成功").first.wait_for(timeout=10_000)
        assert page.get_by_text("王建国").is_visible()
        page.screenshot(path=str(out / "2-signed-in.png"), full_page=True)

        page.goto(url())  # the next scan: remembered, one tap
        page.get_by_text("您好，王建国 同志").wait_for(timeout=10_000)
        page.screenshot(path=str(out / "3-one-tap.png"), full_page=True)
        page.get_by_role("button", name="确认签到").click()
        page.get_by_text("无需重复签到").wait_for(timeout=10_000)

        stale = server.http_url + qr.current(settings.secret_key, meeting_id, utcnow() - dt.timedelta(minutes=2),
                                             settings.qr_rotate_seconds).path
        page.goto(stale)
        page.get_by_text("二维码已过期").wait_for(timeout=10_000)
        page.screenshot(path=str(out / "4-expired.png"), full_page=True)

    with server.runtime.session_factory() as s:
        assert s.scalar(select(func.count(Attendance.id))) == 1
