"""The announcements API: what a room's screens show now (for the browser wall page and tools)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from screen_server.announcements import services as announcements
from screen_server.http.common import current_user, db, id_arg

bp = Blueprint("announcements_api", __name__, url_prefix="/api")


@bp.get("/announcements")
def list_active() -> Any:
    current_user()
    room_id = id_arg("room_id")
    items = announcements.active_for_room(db(), room_id)
    return jsonify({"items": [announcements.announcement_data(a) for a in items]})
