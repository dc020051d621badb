from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.demo import seed_demo


@pytest.fixture
def demo(session: Session, settings: Settings) -> Session:
    """The demo organisation (admin, secretary1, 60 members, the demo room and meetings)."""
    seed_demo(session, settings)
    session.commit()
    return session


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str) -> None:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    r = client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)


def post(client: FlaskClient, url: str, data: dict[str, object], page: str = "/admin/"):  # type: ignore[no-untyped-def]
    """Submit a form the way a browser would: with the CSRF token of a page of ours."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})
