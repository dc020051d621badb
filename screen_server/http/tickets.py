"""Short-lived tickets with which a signed-in browser opens the WebSocket (browsers cannot send headers
on a WebSocket, and a session cookie must not be the only thing standing between a page and the feed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from screen_server.http.common import current_user, runtime

bp = Blueprint("tickets_api", __name__, url_prefix="/api")


@bp.post("/ws/tickets")
def issue_ticket() -> Any:
    user = current_user()
    assert user is not None
    rt = runtime()
    ticket = rt.ws_tickets.issue({"kind": "user", "user_id": user.id})
    return jsonify({"ticket": ticket, "expires_in": rt.settings.ws_ticket_seconds}), 201
