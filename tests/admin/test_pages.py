"""The admin's pages: sign-in, every page for each role, forms, scope and the audit trail."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.announcements.models import Announcement, AnnouncementStatus
from screen_server.audit.models import AuditEntry
from screen_server.devices.models import Device, DeviceStatus
from screen_server.org.models import Branch, Member
from tests.admin.conftest import csrf_of, login, post

ADMIN = ("admin", "demo-admin-2026")
SECRETARY = ("secretary1", "demo-secretary-2026")
PAGES = ["/admin/", "/admin/members", "/admin/members/import", "/admin/meetings", "/admin/ledger"]
ADMIN_ONLY = ["/admin/devices", "/admin/announcements", "/admin/audit"]


def test_login_refuses_a_wrong_password_in_chinese(client: FlaskClient, demo: Session) -> None:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    r = client.post("/admin/login", data={"username": "admin", "password": "nope", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码不正确" in r.get_data(as_text=True)
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "user.login_failed")) is not None
    assert client.get("/admin/members").status_code == 302  # still signed out


def test_forms_without_csrf_are_refused(client: FlaskClient, demo: Session) -> None:
    r = client.post("/admin/login", data={"username": "admin", "password": "demo-admin-2026"})
    assert r.status_code == 400 and "刷新" in r.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES + ADMIN_ONLY)
def test_admin_sees_every_page(client: FlaskClient, demo: Session, page: str) -> None:
    login(client, *ADMIN)
    r = client.get(page)
    assert r.status_code == 200 and "智慧党员活动室" in r.get_data(as_text=True)


def test_secretary_pages_and_limits(client: FlaskClient, demo: Session) -> None:
    login(client, *SECRETARY)
    for page in PAGES:
        assert client.get(page).status_code == 200
    for page in ADMIN_ONLY:
        assert client.get(page).status_code == 403
    mine = demo.scalar(select(Branch).where(Branch.name == "机关第一党支部"))
    assert mine is not None
    listing = client.get("/admin/members").get_data(as_text=True)
    others = demo.scalars(select(Member).where(Member.branch_id != mine.id)).all()
    own = demo.scalars(select(Member).where(Member.branch_id == mine.id)).all()
    assert all(m.name in listing for m in own)
    assert not any(f">{m.name}<" in listing for m in others)
    stranger = others[0]
    assert client.get(f"/admin/members/{stranger.id}").status_code == 404
    r = post(client, f"/admin/members/{stranger.id}/pin", {"pin": "111111"})
    assert r.status_code in (302, 404)
    demo.expire_all()
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "member.set_pin")) is None


def test_secretary_cannot_import_into_another_branch(client: FlaskClient, demo: Session) -> None:
    login(client, *SECRETARY)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["党员编号", "姓名", "所在支部"])
    ws.append(["X0001", "李新", "机关第二党支部"])
    buf = io.BytesIO()
    wb.save(buf)
    token = csrf_of(client.get("/admin/members/import").get_data(as_text=True))
    r = client.post("/admin/members/import", data={"csrf_token": token, "file": (io.BytesIO(buf.getvalue()), "roster.xlsx")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "确认导入" not in html
    assert demo.scalar(select(func.count(Member.id)).where(Member.number == "X0001")) == 0


def test_import_shows_the_report_then_imports_all(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["机关第一党支部党员花名册（2026年）"])
    ws.append(["党员编号", "姓名", "性别", "出生年月", "入党时间", "所在支部"])
    ws.append(["X0001", "李新", "男", "1985.03", "2010年7月1日", "机关第一党支部"])
    ws.append(["X0002", "赵红", "女", "1990/5/12", "2015.06", "机关第一党支部"])
    buf = io.BytesIO()
    wb.save(buf)
    token = csrf_of(client.get("/admin/members/import").get_data(as_text=True))
    r = client.post("/admin/members/import", data={"csrf_token": token, "file": (io.BytesIO(buf.getvalue()), "r.xlsx")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert "确认导入 2 人" in html
    assert demo.scalar(select(func.count(Member.id)).where(Member.number.like("X%"))) == 0  # nothing yet
    upload_id = html.split('name="upload_id" value="')[1].split('"')[0]
    r = post(client, "/admin/members/import/confirm", {"upload_id": upload_id, "filename": "r.xlsx"})
    assert r.status_code == 302
    demo.expire_all()
    assert demo.scalar(select(func.count(Member.id)).where(Member.number.like("X%"))) == 2


def test_device_approval_by_code(client: FlaskClient, demo: Session) -> None:
    body = client.post("/api/devices/pairing", json={"mode": "terminal", "name": "二楼终端"}).get_json()
    login(client, *ADMIN)
    r = post(client, "/admin/devices/approve", {"code": body["pairing_code"], "room_id": 1, "role": "wall",
                                               "name": "大厅大屏"}, page="/admin/devices")
    assert r.status_code == 302
    demo.expire_all()
    device = demo.scalar(select(Device).where(Device.name == "大厅大屏"))
    assert device is not None and device.status is DeviceStatus.APPROVED and device.role.value == "wall"
    page = client.get("/admin/devices").get_data(as_text=True)
    assert "大厅大屏" in page and "离线" in page and "暂无预览" in page
    wrong = post(client, "/admin/devices/approve", {"code": "000000", "room_id": 1, "role": "terminal"},
                 page="/admin/devices")
    assert wrong.status_code in (302, 404)


def test_announcement_create_and_withdraw_are_audited(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    r = post(client, "/admin/announcements", {"title": "明日停电通知", "body": "活动室明日上午停电。", "level": "urgent"},
             page="/admin/announcements")
    assert r.status_code == 302
    a = demo.scalar(select(Announcement).where(Announcement.title == "明日停电通知"))
    assert a is not None and a.status is AnnouncementStatus.PUBLISHED
    post(client, f"/admin/announcements/{a.id}/withdraw", {}, page="/admin/announcements")
    demo.expire_all()
    assert demo.get(Announcement, a.id).status is AnnouncementStatus.WITHDRAWN  # type: ignore[union-attr]
    actions = set(demo.scalars(select(AuditEntry.action)))
    assert {"announcement.create", "announcement.withdraw", "user.login"} <= actions
    empty = post(client, "/admin/announcements", {"title": " "}, page="/admin/announcements")
    assert empty.status_code == 400 and "请填写公告标题" in empty.get_data(as_text=True)
    assert demo.scalar(select(func.count(Announcement.id)).where(Announcement.title == "")) == 0
