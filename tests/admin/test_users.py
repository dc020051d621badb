"""后台用户: changing a user's role needs the password typed within five minutes, is audited, and ends
that user's sessions; a secretary needs a branch; nobody changes their own role."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.org.models import Role, User
from screen_server.runtime import Runtime
from tests.admin.forms import ADMIN, csrf_of, login, post
from tests.helpers.clock import Clock
from tests.helpers.factories import PASSWORD, make_user


def test_changing_a_role_needs_a_recent_password_and_signs_the_user_out(app: Flask, client: FlaskClient,
                                                                         demo: Session, runtime: Runtime) -> None:
    clock = Clock()
    runtime.clock = clock
    editor = make_user(demo, role=Role.EDITOR)
    demo.commit()
    theirs = app.test_client()
    login(theirs, editor.username, PASSWORD)
    login(client, *ADMIN)
    assert editor.username in client.get("/admin/users").get_data(as_text=True)
    clock.advance(minutes=6)
    r = post(client, f"/admin/users/{editor.id}", {"display_name": "编辑", "role": "reviewer"}, page="/admin/users",
             headers={"Referer": "http://localhost/admin/users"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/reauth?next=/admin/users"
    demo.expire_all()
    assert demo.get(User, editor.id).role is Role.EDITOR  # type: ignore[union-attr]  # nothing changed
    page = client.get("/admin/reauth?next=/admin/users").get_data(as_text=True)
    client.post("/admin/reauth?next=/admin/users", data={"secret": ADMIN[1], "csrf_token": csrf_of(page)})
    refused = post(client, f"/admin/users/{editor.id}", {"display_name": "编辑", "role": "secretary"}, page="/admin/users",
                   headers={"Referer": "http://localhost/admin/users"})
    assert "支部书记必须属于一个支部" in client.get(refused.headers["Location"]).get_data(as_text=True)
    done = post(client, f"/admin/users/{editor.id}", {"display_name": "编辑", "role": "reviewer"}, page="/admin/users")
    assert done.status_code == 302
    demo.expire_all()
    assert demo.get(User, editor.id).role is Role.REVIEWER  # type: ignore[union-attr]
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_changed"))
    assert entry is not None and entry.details["from"] == "editor" and entry.details["role"] == "reviewer"
    assert theirs.get("/admin/").status_code == 302  # the changed user signs in again
