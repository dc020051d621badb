"""The users page and own passwords: only admins manage accounts; a secretary needs a branch; weak
passwords are refused; a temporary password must be replaced before anything else; every user changes
their own password with the current one."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.org.models import Role, User
from screen_server.security import verify_secret
from tests.admin.forms import csrf_of, login, post
from tests.helpers.factories import PASSWORD, make_branch, make_user

USERS = "/admin/users"
GOOD = "Maple-harbour-42"


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    branch = make_branch(session, name="第一党支部")
    admin = make_user(session, Role.ADMIN, username="boss")
    editor = make_user(session, Role.EDITOR, username="ed")
    session.commit()
    return {"branch": branch.id, "admin": admin.id, "editor": editor.id}


@pytest.fixture
def as_boss(client: FlaskClient, ids: dict[str, int]) -> FlaskClient:
    login(client, "boss", PASSWORD)
    return client


def _user(session: Session, username: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def test_the_admin_creates_a_secretary_who_must_change_the_password(as_boss: FlaskClient, session: Session,
                                                                    ids: dict[str, int]) -> None:
    page = as_boss.get(USERS).get_data(as_text=True)
    assert "boss" in page and "ed" in page and "第一党支部" in page
    r = post(as_boss, USERS, {"username": "wang", "display_name": "王芳", "role": "secretary",
                              "branch_id": ids["branch"], "password": GOOD, "must_change": "1"}, page=USERS)
    assert r.status_code == 302
    wang = _user(session, "wang")
    assert wang is not None and wang.role is Role.SECRETARY and wang.branch_id == ids["branch"]
    assert wang.must_change_password
    assert "待改密码" in as_boss.get(USERS).get_data(as_text=True)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create")) is not None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "li", "role": "secretary", "password": GOOD}, "必须属于一个支部"),
        ({"username": "li", "role": "editor", "password": "short"}, "至少需要 10 个字符"),
        ({"username": "li", "role": "editor", "password": "1q2w3e4r5t6y"}, "太常见"),
        ({"username": "lilililili", "role": "editor", "password": "LiLiLiLiLi"}, "不能与用户名相同"),
        ({"username": "ed", "role": "editor", "password": GOOD}, "已存在"),
        ({"username": "li", "role": "king", "password": GOOD}, "角色不正确"),
    ],
)
def test_bad_new_users_are_refused_and_nothing_is_created(as_boss: FlaskClient, session: Session,
                                                          form: dict[str, str], message: str) -> None:
    before = session.scalar(select(func.count()).select_from(User))
    r = post(as_boss, USERS, form, page=USERS)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == before


def test_the_admin_edits_and_deactivates_a_user(as_boss: FlaskClient, session: Session, ids: dict[str, int]) -> None:
    r = post(as_boss, f"{USERS}/{ids['editor']}", {"display_name": "赵编辑", "role": "secretary",
                                                    "branch_id": ids["branch"]}, page=USERS)
    assert r.status_code == 302
    ed = _user(session, "ed")
    assert ed is not None and ed.display_name == "赵编辑" and ed.role is Role.SECRETARY
    assert post(as_boss, f"{USERS}/{ids['editor']}/deactivate", {}, page=USERS).status_code == 302
    ed = _user(session, "ed")
    assert ed is not None and not ed.active
    other = FlaskClient(as_boss.application)
    token = csrf_of(other.get("/admin/login").get_data(as_text=True))
    refused = other.post("/admin/login", data={"username": "ed", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 401
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"user.update", "user.deactivate"} <= actions


def test_the_last_admin_cannot_be_removed(as_boss: FlaskClient, session: Session, ids: dict[str, int]) -> None:
    r = post(as_boss, f"{USERS}/{ids['admin']}/deactivate", {}, page=USERS)
    assert r.status_code == 400 and "不能停用自己的账号" in r.get_data(as_text=True)
    r = post(as_boss, f"{USERS}/{ids['admin']}", {"display_name": "x", "role": "editor"}, page=USERS)
    assert r.status_code == 400 and "唯一的系统管理员" in r.get_data(as_text=True)
    boss = _user(session, "boss")
    assert boss is not None and boss.active and boss.role is Role.ADMIN


def test_a_temporary_password_forces_a_change_before_anything_else(as_boss: FlaskClient, session: Session,
                                                                   ids: dict[str, int]) -> None:
    r = post(as_boss, f"{USERS}/{ids['editor']}/temporary-password", {}, page=USERS)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    match = re.search(r'id="temporary-password">([^<]+)<', html)
    assert match
    temporary = match.group(1)
    ed = _user(session, "ed")
    assert ed is not None and ed.must_change_password and verify_secret(ed.password_hash, temporary)
    assert not verify_secret(ed.password_hash, PASSWORD)

    editor = FlaskClient(as_boss.application)
    login(editor, "ed", temporary)
    for page in ("/admin/", "/admin/content/items", "/admin/questions"):
        r = editor.get(page)
        assert r.status_code == 302 and r.headers["Location"] == "/admin/account/password"
    api = editor.get("/api/branches")
    assert api.status_code == 403 and "临时密码" in api.get_json()["error"]["message"]
    form = editor.get("/admin/account/password").get_data(as_text=True)
    assert "临时密码" in form
    token = csrf_of(form)
    weak = editor.post("/admin/account/password", data={"current": temporary, "new": "1234567890",
                                                        "again": "1234567890", "csrf_token": token})
    assert weak.status_code == 400 and "太常见" in weak.get_data(as_text=True)
    ok = editor.post("/admin/account/password", data={"current": temporary, "new": GOOD, "again": GOOD,
                                                      "csrf_token": token})
    assert ok.status_code == 302
    assert editor.get("/admin/").status_code == 200
    ed = _user(session, "ed")
    assert ed is not None and not ed.must_change_password and verify_secret(ed.password_hash, GOOD)
    actions = list(session.scalars(select(AuditEntry.action)))
    assert "user.password_reset" in actions and "user.password_change" in actions
    assert temporary not in str(list(session.scalars(select(AuditEntry.details))))


def test_changing_your_own_password_needs_the_current_one(as_boss: FlaskClient, session: Session) -> None:
    r = post(as_boss, "/admin/account/password", {"current": "wrong-password", "new": GOOD, "again": GOOD},
             page="/admin/account/password")
    assert r.status_code == 400 and "当前密码不正确" in r.get_data(as_text=True)
    r = post(as_boss, "/admin/account/password", {"current": PASSWORD, "new": GOOD, "again": GOOD + "x"},
             page="/admin/account/password")
    assert r.status_code == 400 and "不一致" in r.get_data(as_text=True)
    boss = _user(session, "boss")
    assert boss is not None and verify_secret(boss.password_hash, PASSWORD)
    assert post(as_boss, "/admin/account/password", {"current": PASSWORD, "new": GOOD, "again": GOOD},
                page="/admin/account/password").status_code == 302
    boss = _user(session, "boss")
    assert boss is not None and verify_secret(boss.password_hash, GOOD)


def test_only_admins_manage_users(client: FlaskClient, session: Session, ids: dict[str, int]) -> None:
    make_user(session, Role.SECRETARY, username="sec", branch_id=ids["branch"])
    session.commit()
    login(client, "sec", PASSWORD)
    assert client.get(USERS).status_code == 403
    r = post(client, USERS, {"username": "x", "role": "admin", "password": GOOD}, page="/admin/account/password")
    assert r.status_code == 403
    r = post(client, f"{USERS}/{ids['admin']}/temporary-password", {}, page="/admin/account/password")
    assert r.status_code == 403
    assert _user(session, "x") is None
    assert "用户管理" not in client.get("/admin/").get_data(as_text=True)


def test_a_new_password_signs_the_users_other_sessions_out(as_boss: FlaskClient, session: Session,
                                                           ids: dict[str, int]) -> None:
    editor = FlaskClient(as_boss.application)
    login(editor, "ed", PASSWORD)
    assert editor.get("/admin/").status_code == 200
    post(as_boss, f"{USERS}/{ids['editor']}/temporary-password", {}, page=USERS)
    r = editor.get("/admin/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/login")

    elsewhere = FlaskClient(as_boss.application)
    login(elsewhere, "boss", PASSWORD)
    assert post(as_boss, "/admin/account/password", {"current": PASSWORD, "new": GOOD, "again": GOOD},
                page="/admin/account/password").status_code == 302
    assert as_boss.get("/admin/").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/admin/").status_code == 302
