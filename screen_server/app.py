"""The Flask application factory.

The server never imports the admin: web plugins (the admin's blueprints) are found through the
``activity_room.web`` entry point group and each is handed the app to register itself.
"""

from __future__ import annotations

import hashlib
import logging
from importlib.metadata import entry_points
from typing import Any

from flask import Flask, Request, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import IntegerConverter

from content.orm import MAX_ID
from screen_server.http import (
    announcements,
    content,
    contests,
    devices,
    exams,
    headers,
    health,
    meeting_host,
    meeting_phone,
    meetings,
    members,
    messages,
    offline,
    openapi,
    phone_challenge,
    phone_exams,
    phone_services,
    phone_study,
    points,
    polls,
    practice,
    ratelimit,
    signin,
    study,
    tickets,
    wall,
)
from screen_server.http.common import close_db, install_error_handlers
from screen_server.i18n import gettext, ngettext
from screen_server.runtime import Runtime

log = logging.getLogger(__name__)
API_BLUEPRINTS = (health.bp, devices.bp, members.bp, announcements.bp, tickets.bp, openapi.bp, signin.bp,
                  meetings.bp, study.bp, points.bp, contests.bp, contests.players, wall.bp, content.bp, phone_study.bp,
                  phone_challenge.bp, practice.bp, polls.bp, offline.bp, exams.bp, phone_exams.bp,
                  messages.bp, meeting_host.bp, meeting_phone.bp, phone_services.bp)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session (the CSRF token and flash messages; the admin's login itself is a
    server-side session, ``identity.sessions``), made cheap for the many requests that carry no
    session cookie (devices, phones, walls): those get a new empty session without the cookies being
    parsed, and the signing serializer is built once per secret key rather than on every request
    (building one runs a test serialisation). Together about a quarter of a small API request."""

    _built: tuple[Any, URLSafeTimedSerializer | None] = (None, None)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.environ.get("HTTP_COOKIE", ""):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """``Secure`` whenever the browser came over HTTPS (directly or through a trusted proxy)."""
        from screen_server.http.common import is_https

        return bool(app.config["SESSION_COOKIE_SECURE"]) or is_https()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key, serializer = self._built
        if serializer is None or key != app.secret_key:
            serializer = super().get_signing_serializer(app)
            self._built = (app.secret_key, serializer)
        return serializer


# Blueprints whose callers are phones and devices rather than the admin's session: their JSON calls
# need no token (see ``_CSRFProtect``); their HTML forms carry one like the admin's do.
PHONE_AND_DEVICE_BLUEPRINTS = frozenset({
    devices.bp.name, signin.bp.name, study.bp.name, contests.players.name, practice.bp.name, polls.bp.name,
    messages.bp.name, phone_study.bp.name, phone_challenge.bp.name, meeting_host.bp.name, offline.bp.name,
    phone_services.bp.name,
    exams.bp.name, phone_exams.bp.name,
})


class _CSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, asking first whether the method can change anything at all: a GET skips
    the exemption lookups (Flask-WTF does them first, on every request).

    Every form post needs the page's token: the admin's and the phones' alike (a cross-site form could
    otherwise plant an attacker's phone cookie, or vote with a victim's). Calls of phones and devices
    that need none: a device's Bearer token (no cookie is involved), and JSON bodies (a cross-site page
    cannot send ``application/json`` without a CORS preflight, which this server never grants)."""

    def protect(self, apply_exemptions: bool = False) -> None:
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        if request.blueprint in PHONE_AND_DEVICE_BLUEPRINTS and (
                request.is_json or request.headers.get("Authorization", "").lower().startswith("bearer ")):
            return
        super().protect(apply_exemptions)  # type: ignore[no-untyped-call]


class _Id(IntegerConverter):
    """``<int:…>`` in every route (all are ids or small numbers) matches at most ``MAX_ID``: a larger id
    names no row, and answers 404 like any other unknown id instead of overflowing in the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(rt: Runtime, *, plugins: bool = True) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = _Id  # before any route is added
    app.session_interface = _SessionInterface()
    s = rt.settings
    app.config.update(
        SECRET_KEY=s.secret_key,
        MAX_CONTENT_LENGTH=s.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    csrf = _CSRFProtect(app)
    app.extensions["activity_room.csrf"] = csrf
    app.extensions["activity_room"] = rt
    app.teardown_appcontext(close_db)
    install_error_handlers(app)
    headers.install(app)
    ratelimit.install(app, s.redis_url or "memory://",
                      hashlib.sha256(s.database_url.encode()).hexdigest()[:12] if s.redis_url else "")
    for bp in API_BLUEPRINTS:
        app.register_blueprint(bp)
    if plugins:
        for ep in entry_points(group="activity_room.web"):
            try:
                ep.load()(app)
            except Exception:  # a broken plugin costs its own pages, not the room's API
                log.exception("web plugin %s failed to load", ep.name)
    return app
