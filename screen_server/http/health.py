"""Health and server information: what a load balancer and a kiosk ask first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from screen_server import __version__
from screen_server.db import utcnow
from screen_server.http.common import db, runtime
from screen_server.protocol import PROTOCOL_VERSION, WS_PATH

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    try:
        db().execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "error", "database": "unreachable"}), 503
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
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
    })
