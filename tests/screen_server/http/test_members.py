"""The members API is scoped by role and branch: a secretary sees and fetches only their own branch."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.org.models import Role, User
from tests.helpers.auth import sign_in_as
from tests.helpers.factories import make_branch, make_member, make_user


def _login(client: FlaskClient, user: User) -> None:
    sign_in_as(client, user)


def test_secretary_sees_only_their_branch(client: FlaskClient, session: Session) -> None:
    mine, theirs = make_branch(session), make_branch(session)
    own = [make_member(session, branch_id=mine.id) for _ in range(3)]
    other = make_member(session, branch_id=theirs.id)
    secretary = make_user(session, Role.SECRETARY, branch_id=mine.id)
    session.commit()
    _login(client, secretary)

    listed = client.get("/api/members").get_json()
    assert listed["total"] == 3 and {m["id"] for m in listed["items"]} == {m.id for m in own}
    assert client.get(f"/api/members/{own[0].id}").status_code == 200
    assert client.get(f"/api/members/{other.id}").status_code == 404  # not even told it exists
    assert client.get(f"/api/members?branch_id={theirs.id}").status_code == 403
    assert client.get(f"/api/members?q={other.name}").get_json()["total"] == 0
    assert [b["id"] for b in client.get("/api/branches").get_json()["items"]] == [mine.id]


def test_admin_sees_everyone_and_anonymous_no_one(client: FlaskClient, session: Session) -> None:
    a, b = make_branch(session), make_branch(session)
    make_member(session, branch_id=a.id)
    make_member(session, branch_id=b.id)
    admin = make_user(session, Role.ADMIN)
    editor = make_user(session, Role.EDITOR)
    session.commit()
    r = client.get("/api/members")
    assert r.status_code == 401 and r.get_json()["error"]["message"] == "请先登录。"
    _login(client, editor)
    assert client.get("/api/members").status_code == 403
    _login(client, admin)
    assert client.get("/api/members").get_json()["total"] == 2


def test_ws_ticket_needs_login_and_csrf(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    session.commit()
    assert client.post("/api/ws/tickets").status_code in (400, 401)
    _login(client, admin)
    refused = client.post("/api/ws/tickets")  # no CSRF token: a cross-site page cannot mint tickets
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    assert "刷新" in refused.get_json()["error"]["message"]
