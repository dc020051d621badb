"""Health and server information: what a load balancer and a kiosk ask first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from screen_server import __version__
from screen_server.db import utcnow
from screen_server.http.common import current_user, db, runtime
from screen_server.org.models import Role
from screen_server.protocol import PROTOCOL_VERSION, WS_PATH

bp = Blueprint("health", __name__)


LOOPBACK = {"127.0.0.1", "::1"}


def may_see_details() -> bool:
    """The health details (version, database kind, bus, live clients) are for a check on the server
    itself (a loopback request that no proxy forwarded: ``activity-room doctor``, systemd, the install
    script) and for a signed-in system admin; the rest of the network learns only that it is up."""
    if request.remote_addr in LOOPBACK and not request.headers.get("X-Forwarded-For") \
            and not request.headers.get("X-Real-IP"):
        return True
    user = current_user(required=False)
    return user is not None and user.role is Role.ADMIN


@bp.get("/healthz")
def healthz() -> Any:
    try:
        db().execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "error"}), 503
    if not may_see_details():
        return jsonify({"status": "ok"})
    rt = runtime()
    return jsonify({
        "status": "ok",
        "database": rt.engine.dialect.name,
        "bus": "redis" if rt.settings.redis_url else "local",
        "version": __version__,
        "live_clients": rt.push.client_count if rt.push else 0,
        "process": rt.owner,  # this process's name in leases (several processes behind one proxy)
    })


def ws_url() -> str:
    rt = runtime()
    if rt.settings.ws_public_url:
        return rt.settings.ws_public_url
    host = urlsplit("//" + request.host).hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"ws://{host}:{rt.ws_port}{WS_PATH}"


@bp.get("/api/server-info")
def server_info() -> Any:
    rt = runtime()
    return jsonify({
        "name": rt.settings.room_name,
        "ws_url": ws_url(),
        "server_time": utcnow().isoformat(),
        "protocol": PROTOCOL_VERSION,
    })
