"""The audit log page: every admin action listed with a Chinese label, filterable by kind."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.admin.forms import post


def test_actions_are_listed_and_filtered(as_admin: FlaskClient, demo: Session) -> None:
    post(as_admin, "/admin/announcements", {"title": "审计测试公告"}, page="/admin/announcements")
    page = as_admin.get("/admin/audit").get_data(as_text=True)
    assert (
        "登录成功" in page
        and "发布公告" in page
        and "标题：审计测试公告；" in page
        and "状态：已发布" in page
    )
    assert "类型：主题党日" in page  # the demo's meetings, with the meeting type in words
    only = as_admin.get("/admin/audit?kind=announcement.").get_data(as_text=True)
    assert "发布公告" in only and "登录成功" not in only
