"""Meetings pages: create through the form (Beijing time), the attendance sheet with a correction, the
ledger; a secretary stays within their branch."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.meetings.models import Meeting
from screen_server.org.models import Branch
from tests.admin.forms import OTHER_BRANCH, SECRETARY_BRANCH, post


def _branch_id(s: Session, name: str) -> int:
    branch_id = s.scalar(select(Branch.id).where(Branch.name == name))
    assert branch_id is not None
    return branch_id


def _form(branch_id: int) -> dict[str, object]:
    return {
        "title": "三月主题党日",
        "type": "theme_day",
        "branch_ids": [str(branch_id)],
        "room_id": "",
        "starts_at": "2030-03-05T14:30",
        "ends_at": "2030-03-05T16:30",
        "host": "张书记",
    }


def test_secretary_creates_a_meeting_for_their_branch(as_secretary: FlaskClient, demo: Session) -> None:
    r = post(
        as_secretary, "/admin/meetings", _form(_branch_id(demo, SECRETARY_BRANCH)), page="/admin/meetings"
    )
    assert r.status_code == 302
    m = demo.scalar(select(Meeting).where(Meeting.title == "三月主题党日"))
    assert m is not None and m.starts_at == dt.datetime(2030, 3, 5, 6, 30, tzinfo=dt.UTC)
    sheet = as_secretary.get(r.headers["Location"]).get_data(as_text=True)
    assert "会议已创建" in sheet and "未签到" in sheet and "张书记" in sheet
    refused = post(as_secretary, "/admin/meetings", _form(_branch_id(demo, OTHER_BRANCH)))
    assert refused.status_code == 403


def test_sheet_and_ledger_render_for_admin(as_admin: FlaskClient, demo: Session) -> None:
    meeting = demo.scalar(select(Meeting).order_by(Meeting.id))
    assert meeting is not None
    assert meeting.title in as_admin.get(f"/admin/meetings/{meeting.id}").get_data(as_text=True)
    ledger = as_admin.get("/admin/ledger?start=2000-01-01&end=2100-01-01")
    assert ledger.status_code == 200 and "出席率" in ledger.get_data(as_text=True)
    assert as_admin.get("/admin/ledger?start=yesterday").status_code == 400


def test_a_missing_time_is_explained(as_admin: FlaskClient, demo: Session) -> None:
    form = _form(_branch_id(demo, SECRETARY_BRANCH)) | {"starts_at": ""}
    r = post(as_admin, "/admin/meetings", form, page="/admin/meetings")
    assert r.status_code == 400 and "请填写开始时间" in r.get_data(as_text=True)
