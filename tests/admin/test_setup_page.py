"""The setup page behind the one-time link: creates the first admin and the committee, signs them in,
and afterwards (or when expired) answers with a clear Chinese page instead of the form."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.db import utcnow
from screen_server.org.models import Committee, User
from screen_server.setup import services as setup
from tests.admin.forms import csrf_of

FORM = {"committee_name": "中共某某公司委员会", "username": "liming", "display_name": "李明",
        "password": "Lake-window-7781", "password_again": "Lake-window-7781"}


def _token(session: Session, **kw: dt.datetime) -> str:
    token = setup.issue_setup_token(session, **kw)
    assert token
    session.commit()
    return token


def _submit(client: FlaskClient, token: str, **overrides: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/admin/setup/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(f"/admin/setup/{token}", data={**FORM, **overrides, "csrf_token": csrf_of(page.get_data(as_text=True))})


def test_the_setup_page_creates_the_admin_and_signs_them_in(client: FlaskClient, session: Session) -> None:
    token = _token(session)
    page = client.get(f"/admin/setup/{token}").get_data(as_text=True)
    assert "初始设置" in page and "党委名称" in page and "至少 10 个字符" in page
    r = _submit(client, token)
    assert r.status_code == 302 and r.headers["Location"] == "/admin/"
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "李明" in dashboard and 'id="setup-checklist"' in dashboard
    session.expire_all()
    assert session.scalar(select(Committee.name)) == FORM["committee_name"]


def test_a_reused_link_says_the_setup_is_done(client: FlaskClient, session: Session) -> None:
    token = _token(session)
    assert _submit(client, token).status_code == 302
    csrf = csrf_of(client.get("/admin/").get_data(as_text=True))  # signing in started a new session
    again = client.get(f"/admin/setup/{token}")
    assert again.status_code == 410 and "已完成初始设置" in again.get_data(as_text=True)
    resend = client.post(f"/admin/setup/{token}", data={**FORM, "username": "intruder", "csrf_token": csrf})
    assert resend.status_code == 410 and "已完成初始设置" in resend.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_an_expired_link_says_so_and_changes_nothing(client: FlaskClient, session: Session) -> None:
    token = _token(session, now=utcnow() - dt.timedelta(hours=setup.LINK_HOURS, minutes=1))
    r = client.get(f"/admin/setup/{token}")
    assert r.status_code == 404 and "已过期" in r.get_data(as_text=True) and "重启服务器" in r.get_data(as_text=True)
    assert 'name="password"' not in r.get_data(as_text=True)


def test_a_wrong_link_says_so(client: FlaskClient, session: Session) -> None:
    _token(session)
    r = client.get("/admin/setup/made-up")
    assert r.status_code == 404 and "设置链接无效" in r.get_data(as_text=True)


def test_a_weak_password_shows_the_form_again_with_the_reason(client: FlaskClient, session: Session) -> None:
    token = _token(session)
    r = _submit(client, token, password="password1234", password_again="password1234")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "太常见" in html and FORM["committee_name"] in html
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == 0
    assert client.get(f"/admin/setup/{token}").status_code == 200  # the link still works
