"""Sign a Flask test client in as a user without the login form: a server-side admin session made
directly, its token set as the ``ar_admin`` cookie (what the login form does after the password)."""

from __future__ import annotations

from flask.testing import FlaskClient

from screen_server.identity import sessions
from screen_server.org.models import User
from screen_server.runtime import Runtime


def sign_in_as(client: FlaskClient, user: User | int) -> str:
    """Open a session for ``user`` (an object or an id) on ``client``; return the cookie's token."""
    rt: Runtime = client.application.extensions["activity_room"]
    with rt.session_factory() as s:
        found = s.get(User, user if isinstance(user, int) else user.id)
        assert found is not None
        _row, token = sessions.start(s, found, now=rt.clock())
        s.commit()
    client.set_cookie(sessions.COOKIE, token)
    return token
