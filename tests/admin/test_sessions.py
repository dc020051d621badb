"""Admin sessions on the server: a cookie replayed after logout is refused, a session idle 31 minutes or
older than 12 hours is refused (clock injected), a user lists their sessions and ends one, and the
cookie is HttpOnly, SameSite=Lax and Secure behind a TLS proxy."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.identity.models import AdminSession
from screen_server.identity.sessions import COOKIE
from screen_server.runtime import Runtime
from tests.admin.forms import ADMIN, csrf_of, login, post
from tests.helpers.clock import Clock


def _cookie(client: FlaskClient) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None
    return found.value


def test_a_cookie_replayed_after_logout_is_refused(app: Flask, as_admin: FlaskClient) -> None:
    stolen = _cookie(as_admin)
    assert as_admin.get("/admin/members").status_code == 200
    post(as_admin, "/admin/logout", {})
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    r = thief.get("/admin/members")
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/login")
    assert thief.get("/api/members").status_code == 401


def test_a_new_id_at_every_login(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    first = _cookie(client)
    login(client, *ADMIN)
    assert _cookie(client) != first
    demo.expire_all()
    rows = demo.scalars(select(AdminSession).order_by(AdminSession.id)).all()
    assert [r.end_reason for r in rows] == ["replaced", ""]  # the session it replaced is over


def test_idle_for_31_minutes_is_refused_and_12_hours_is_the_limit(runtime: Runtime, as_admin: FlaskClient) -> None:
    clock = Clock()
    runtime.clock = clock
    login(as_admin, *ADMIN)
    clock.advance(minutes=29)
    assert as_admin.get("/admin/members").status_code == 200  # seen: the idle time starts again
    clock.advance(minutes=31)
    r = as_admin.get("/admin/members")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
    login(as_admin, *ADMIN)
    for _ in range(25):  # busy all day, never idle for long (25 × 30 min > 12 h)
        clock.advance(minutes=29, seconds=59)
        as_admin.get("/admin/")
    assert as_admin.get("/admin/members").status_code == 302  # past 12 hours: sign in again


def test_a_user_lists_their_sessions_and_ends_one(app: Flask, as_admin: FlaskClient, demo: Session) -> None:
    other = app.test_client()
    login(other, *ADMIN)
    page = as_admin.get("/admin/account").get_data(as_text=True)
    assert page.count(">结束</button>") == 2 and "当前会话" in page and "127.0.0.1" in page
    demo.expire_all()
    theirs = demo.scalars(select(AdminSession).order_by(AdminSession.id.desc())).first()
    assert theirs is not None
    r = post(as_admin, f"/admin/account/sessions/{theirs.id}/end", {})
    assert r.status_code == 302
    assert other.get("/admin/members").status_code == 302  # that browser is signed out
    assert as_admin.get("/admin/members").status_code == 200  # this one is not
    assert as_admin.get("/admin/account").get_data(as_text=True).count(">结束</button>") == 1


def test_the_cookie_is_httponly_lax_and_secure_behind_tls(client: FlaskClient, demo: Session) -> None:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    form = {"username": "admin", "password": "demo-admin-2026", "csrf_token": token}
    plain = client.post("/admin/login", data=form)
    header = next(h for h in plain.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    # Behind the shipped nginx (a trusted proxy on 127.0.0.1) that terminates TLS:
    token = csrf_of(client.get("/admin/login", headers={"X-Forwarded-Proto": "https"}).get_data(as_text=True))
    tls = client.post("/admin/login", data=form | {"csrf_token": token}, headers={"X-Forwarded-Proto": "https"})
    header = next(h for h in tls.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "Secure" in header and "HttpOnly" in header


def test_the_real_client_address_is_believed_only_from_a_trusted_proxy(client: FlaskClient, demo: Session) -> None:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    client.post("/admin/login", data={"username": "admin", "password": "demo-admin-2026", "csrf_token": token},
                headers={"X-Forwarded-For": "198.51.100.4, 127.0.0.1"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    stranger = client.post("/admin/login", data={"username": "admin", "password": "x", "csrf_token": token},
                           headers={"X-Forwarded-For": "198.51.100.5"}, environ_base={"REMOTE_ADDR": "192.0.2.50"})
    assert stranger.status_code == 401
    from screen_server.audit.models import AuditEntry

    demo.expire_all()
    ips = [(e.action, e.ip) for e in demo.scalars(select(AuditEntry).where(AuditEntry.action.startswith("user.login"))
                                                   .order_by(AuditEntry.id))]
    assert ("user.login", "198.51.100.4") in ips  # forwarded by the trusted proxy: the real client
    assert ("user.login_failed", "192.0.2.50") in ips  # a stranger's header is ignored
