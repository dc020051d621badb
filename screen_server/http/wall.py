"""The wall as a web page, for a TV that has only a browser: ``/wall/<room>?key=<display key>`` once.

The display key leaves the address at once: the first visit exchanges it for a cookie (HttpOnly,
SameSite=Strict, for this wall's path only) and redirects to ``/wall/<room>``, so the key stays out of
the browser's history, the address bar on screen, proxies' logs and every later request; the page, its
WebSocket ticket and its QR images then go by the cookie.

It is fed by the same WebSocket messages as the Kivy wall (a ``room`` ticket) and shows the same
things: announcements, the meeting sign-in with its rotating QR and arrivals, the activity figures,
a live contest, an open poll, the message wall's approved messages, emergency messages. The page needs the room's display key (shown to admins on the
screens page): the sign-in QR must not be readable from anywhere on the network. QR codes are drawn
here as SVG; the page loads nothing from other hosts.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from screen_server.devices.models import Room
from screen_server.http.common import db, runtime
from screen_server.http.headers import is_tls
from screen_server.i18n import _

bp = Blueprint("wall_page", __name__)
MAX_QR_TEXT = 500


def _generation(generation: int) -> str:
    return f":{generation}" if generation else ""  # generation 0 keeps the keys issued before there were any


def display_key(secret: str, slug: str, generation: int = 0) -> str:
    """The room's display key; a new ``generation`` (the admin's 更换密钥) makes a new one."""
    message = f"wall:{slug}{_generation(generation)}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:20]


WALL_COOKIE = "ar_wall"
WALL_COOKIE_DAYS = 365


def wall_cookie_value(secret: str, slug: str, generation: int = 0) -> str:
    """What the wall's cookie holds: derived apart from the display key, so neither reveals the other; a
    new generation ends every cookie given before it."""
    message = f"wall-cookie:{slug}{_generation(generation)}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _room(slug: str) -> Room:
    room = db().scalar(select(Room).where(Room.slug == slug))
    cookie = request.cookies.get(WALL_COOKIE, "")
    if room is None or not hmac.compare_digest(
        cookie, wall_cookie_value(runtime().settings.secret_key, slug, room.wall_key_generation)
    ):
        abort(404)
    return room


def _exchange_key(slug: str) -> WerkzeugResponse:
    """The one visit with the key in the address: swap it for the cookie and go to the clean address."""
    room = db().scalar(select(Room).where(Room.slug == slug))
    key = request.args.get("key", "")
    secret = runtime().settings.secret_key
    if room is None or not hmac.compare_digest(key, display_key(secret, slug, room.wall_key_generation)):
        abort(404)
    resp = redirect(url_for("wall_page.wall", slug=slug), 303)
    resp.set_cookie(WALL_COOKIE, wall_cookie_value(secret, slug, room.wall_key_generation),
                    max_age=WALL_COOKIE_DAYS * 86400, path=f"/wall/{slug}", httponly=True, samesite="Strict",
                    secure=is_tls())
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _ws_base() -> str:
    settings = runtime().settings
    return settings.ws_public_url or f"ws://{request.host.split(':')[0]}:{runtime().ws_port}/ws"


@bp.get("/wall/<slug>")
def wall(slug: str) -> WerkzeugResponse:
    if "key" in request.args:
        return _exchange_key(slug)
    room = _room(slug)
    resp = make_response(render_template("wall.html", room=room))
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        f"connect-src 'self' {_ws_base().rsplit('/ws', 1)[0]}; frame-ancestors 'none'")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/wall/<slug>/ticket")
def ticket(slug: str) -> Any:
    room = _room(slug)
    rt = runtime()
    return jsonify({"ticket": rt.ws_tickets.issue({"kind": "room", "room_id": room.id}), "ws_url": _ws_base(),
                    "server": request.host_url.rstrip("/"), "public_url": rt.settings.public_url})


@bp.get("/wall/<slug>/qr.svg")
def qr_svg(slug: str) -> Response:
    _room(slug)
    text = request.args.get("text", "")
    if not text or len(text) > MAX_QR_TEXT:
        abort(400, _("二维码内容不正确。"))
    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(out)
    resp = make_response(out.getvalue())
    resp.headers["Content-Type"] = "image/svg+xml"
    resp.headers["Cache-Control"] = "private, max-age=60"
    return resp
