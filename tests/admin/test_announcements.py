"""Announcements page: publish now or at a Beijing time for chosen rooms, withdraw; each audited."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.announcements.models import Announcement, AnnouncementStatus, Level
from screen_server.audit.models import AuditEntry
from tests.admin.forms import post
from tests.helpers.factories import make_room

PAGE = "/admin/announcements"


def _get(s: Session, title: str) -> Announcement:
    s.expire_all()
    a = s.scalar(select(Announcement).where(Announcement.title == title))
    assert a is not None
    return a


def test_create_and_withdraw_are_audited(as_admin: FlaskClient, demo: Session) -> None:
    data = {"title": "明日停电通知", "body": "活动室明日上午停电。", "level": "urgent"}
    r = post(as_admin, PAGE, data, page=PAGE)
    assert r.status_code == 302
    a = _get(demo, "明日停电通知")
    assert a.status is AnnouncementStatus.PUBLISHED and a.level is Level.URGENT and a.rooms == []
    page = as_admin.get(PAGE).get_data(as_text=True)
    assert "已发布" in page and "显示中" in page and "所有活动室" in page
    assert post(as_admin, f"{PAGE}/{a.id}/withdraw", {}, page=PAGE).status_code == 302
    assert _get(demo, "明日停电通知").status is AnnouncementStatus.WITHDRAWN
    entries = {e.action: e for e in demo.scalars(select(AuditEntry))}
    assert entries["announcement.create"].target_id == str(a.id)
    assert entries["announcement.withdraw"].target_id == str(a.id)
    assert entries["announcement.create"].actor_name == "admin"
    assert "已撤回" in as_admin.get(PAGE).get_data(as_text=True)


def test_a_scheduled_time_is_beijing_time_for_chosen_rooms(as_admin: FlaskClient, demo: Session) -> None:
    room = make_room(demo, name="二楼活动室")
    demo.commit()
    data = {
        "title": "新年团拜",
        "level": "important",
        "publish_at": "2099-01-01T08:00",
        "expires_at": "2099-01-02T20:30",
        "room_ids": [str(room.id)],
    }
    r = post(as_admin, PAGE, data, page=PAGE)
    assert r.status_code == 302
    a = _get(demo, "新年团拜")
    assert a.status is AnnouncementStatus.SCHEDULED
    assert a.publish_at == dt.datetime(2099, 1, 1, 0, 0, tzinfo=dt.UTC)
    assert a.expires_at == dt.datetime(2099, 1, 2, 12, 30, tzinfo=dt.UTC)
    assert [r.name for r in a.rooms] == ["二楼活动室"]
    page = as_admin.get(PAGE).get_data(as_text=True)
    assert "已排期" in page and "待发布" in page and "2099-01-01 08:00" in page


def test_bad_input_is_explained_in_chinese(as_admin: FlaskClient, demo: Session) -> None:
    before = demo.scalar(select(func.count(Announcement.id)))
    empty = post(as_admin, PAGE, {"title": " "}, page=PAGE)
    assert empty.status_code == 400 and "请填写公告标题" in empty.get_data(as_text=True)
    r = post(
        as_admin,
        PAGE,
        {"title": "时间倒置", "publish_at": "2099-01-02T08:00", "expires_at": "2099-01-01T08:00"},
    )
    assert r.status_code == 400 and "截止时间必须晚于发布时间" in r.get_data(as_text=True)
    r = post(as_admin, PAGE, {"title": "时间乱写", "publish_at": "明天"})
    assert r.status_code == 400 and "发布时间格式不正确" in r.get_data(as_text=True)
    assert demo.scalar(select(func.count(Announcement.id))) == before


def test_an_error_after_a_form_comes_back_as_a_flash_on_that_page(
    as_admin: FlaskClient, demo: Session
) -> None:
    r = post(as_admin, PAGE, {"title": ""}, page=PAGE, headers={"Referer": f"http://localhost{PAGE}"})
    assert r.status_code == 302 and r.headers["Location"] == f"http://localhost{PAGE}"
    assert "请填写公告标题" in as_admin.get(PAGE).get_data(as_text=True)
    r = post(as_admin, PAGE, {"title": ""}, page=PAGE, headers={"Referer": "http://evil.example/x"})
    assert r.status_code == 400  # never bounced to another site


def test_secretaries_cannot_publish(as_secretary: FlaskClient, demo: Session) -> None:
    assert as_secretary.get(PAGE).status_code == 403
    assert post(as_secretary, PAGE, {"title": "越权公告"}).status_code == 403
    assert demo.scalar(select(Announcement).where(Announcement.title == "越权公告")) is None
