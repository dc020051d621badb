"""Signing in and out: good and bad passwords, CSRF, a fresh session, safe redirects, role gates."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.identity.models import AdminSession
from screen_server.identity.sessions import COOKIE
from screen_server.org.models import Role, User
from tests.admin.forms import ADMIN, csrf_of, login, post
from tests.helpers.factories import PASSWORD, make_user

MEMBER_PAGES = ["/admin/", "/admin/members", "/admin/members/import", "/admin/meetings", "/admin/ledger"]
ADMIN_PAGES = ["/admin/devices", "/admin/announcements", "/admin/audit"]


def test_login_starts_a_fresh_session_and_is_audited(client: FlaskClient, demo: Session) -> None:
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
    r = login(client, *ADMIN)
    assert r.headers["Location"] == "/admin/"
    admin = demo.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    with client.session_transaction() as s:
        assert "planted" not in s and "user_id" not in s  # the login lives on the server, not in the cookie
    row = demo.scalar(select(AdminSession).where(AdminSession.user_id == admin.id))
    assert row is not None and row.ended_at is None
    assert client.get_cookie(COOKIE) is not None and client.get_cookie(COOKIE).value != row.token_digest
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "user.login"))
    assert entry is not None and entry.actor_user_id == admin.id


def test_a_wrong_password_is_refused_in_chinese(client: FlaskClient, demo: Session) -> None:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    r = client.post("/admin/login", data={"username": "admin", "password": "nope", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码不正确" in r.get_data(as_text=True)
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "user.login_failed")) is not None
    assert client.get("/admin/members").status_code == 302  # still signed out


def test_a_form_without_its_csrf_token_is_refused(client: FlaskClient, demo: Session) -> None:
    r = client.post("/admin/login", data={"username": "admin", "password": "demo-admin-2026"})
    assert r.status_code == 400 and "刷新页面" in r.get_data(as_text=True)
    assert client.get_cookie(COOKIE) is None
    login(client, *ADMIN)
    r = client.post("/admin/announcements", data={"title": "无令牌的公告"})
    assert r.status_code == 400


def test_the_session_json_api_needs_the_csrf_header(as_admin: FlaskClient) -> None:
    body = {
        "title": "支委会",
        "type": "committee",
        "branch_ids": [1],
        "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-01T10:00",
    }
    refused = as_admin.post("/api/meetings", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    token = csrf_of(as_admin.get("/admin/").get_data(as_text=True))
    accepted = as_admin.post("/api/meetings", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code != 400 or accepted.get_json()["error"]["code"] != "csrf"


def test_logout_is_a_post(as_admin: FlaskClient) -> None:
    assert as_admin.get("/admin/logout").status_code == 405
    r = post(as_admin, "/admin/logout", {})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/login"
    assert as_admin.get("/admin/").status_code == 302


def test_signed_out_pages_send_to_login_and_back(client: FlaskClient, demo: Session) -> None:
    assert client.get("/").headers["Location"] == "/admin/"
    r = client.get("/admin/members?q=D0001")
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/login?next=")
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    r = client.post(
        "/admin/login?next=/admin/members%3Fq%3DD0001",
        data={"username": "admin", "password": "demo-admin-2026", "csrf_token": token},
    )
    assert r.headers["Location"] == "/admin/members?q=D0001"


@pytest.mark.parametrize(
    "target", ["https://evil.example/admin", "//evil.example/admin", "/api/members", "/admin\\x"]
)
def test_login_never_redirects_off_the_admin(client: FlaskClient, demo: Session, target: str) -> None:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    r = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"username": "admin", "password": "demo-admin-2026", "csrf_token": token},
    )
    assert r.headers["Location"] == "/admin/"


@pytest.mark.parametrize("page", MEMBER_PAGES + ADMIN_PAGES)
def test_admin_sees_every_page(as_admin: FlaskClient, page: str) -> None:
    r = as_admin.get(page)
    assert r.status_code == 200 and "智慧党员活动室" in r.get_data(as_text=True)


def test_secretary_sees_member_pages_only(as_secretary: FlaskClient) -> None:
    for page in MEMBER_PAGES:
        assert as_secretary.get(page).status_code == 200, page
    for page in ADMIN_PAGES:
        r = as_secretary.get(page)
        assert r.status_code == 403 and "没有进行此操作的权限" in r.get_data(as_text=True), page
    nav = as_secretary.get("/admin/").get_data(as_text=True)
    assert "/admin/members" in nav and "/admin/devices" not in nav


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
def test_content_roles_see_the_dashboard_only(client: FlaskClient, demo: Session, role: Role) -> None:
    user = make_user(demo, role=role)
    demo.commit()
    login(client, user.username, PASSWORD)
    assert client.get("/admin/").status_code == 200
    for page in MEMBER_PAGES[1:] + ADMIN_PAGES:
        assert client.get(page).status_code == 403, page
    assert client.get("/api/members").status_code == 403
