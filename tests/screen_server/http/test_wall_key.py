"""The web wall's display key leaves the address: one visit with it sets a cookie and redirects to the
clean address; the page, its ticket and its QR images go by the cookie; the key itself opens nothing else."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.http.wall import display_key
from tests.helpers.factories import make_room


def test_the_key_is_exchanged_once_for_a_cookie(client: FlaskClient, session: Session, settings: Settings) -> None:
    room = make_room(session)
    session.commit()
    key = display_key(settings.secret_key, room.slug)
    assert client.get(f"/wall/{room.slug}").status_code == 404  # no cookie, no key
    assert client.get(f"/wall/{room.slug}?key=wrong").status_code == 404
    first = client.get(f"/wall/{room.slug}?key={key}")
    assert first.status_code == 303 and first.headers["Location"].endswith(f"/wall/{room.slug}")
    cookie = first.headers["Set-Cookie"]
    assert key not in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get(f"/wall/{room.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and key not in html
    assert client.get(f"/wall/{room.slug}/ticket").get_json()["ticket"]
    assert client.get(f"/wall/{room.slug}/qr.svg?text=hello").status_code == 200
    stranger = client.application.test_client()
    assert stranger.get(f"/wall/{room.slug}/ticket?key={key}").status_code == 404  # the key opens only the page
    other = make_room(session)
    session.commit()
    assert client.get(f"/wall/{other.slug}").status_code == 404  # a cookie is for its own wall
