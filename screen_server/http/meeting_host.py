"""The meeting console over HTTP for the room's terminal (host mode, with the meeting's host code) and
the meeting photos that screens show (addresses signed with the server's secret)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, send_file

from content.media import MediaStore
from screen_server.http.common import client_ip, current_device, db, json_body, run, runtime
from screen_server.meetings import console

bp = Blueprint("meeting_host", __name__)


@bp.post("/api/device/meeting-host")
def device_host() -> Any:
    """{"code": host code, "action": check|close_signin|reopen_signin|step|end|reveal, "step", "ref",
    "reason", "minutes"}: one tap of the terminal's meeting host screen."""
    device = current_device()
    body = json_body()
    ref = body.get("ref")
    state = run(console.host_at_terminal, db(), runtime().settings, runtime().meeting_hosts, device=device,
                code=str(body.get("code") or ""), action=str(body.get("action") or "check"),
                step=str(body.get("step") or ""), ref=int(str(ref)) if str(ref or "").isdigit() else None,
                reason=str(body.get("reason") or ""), minutes=_minutes(body.get("minutes")), ip=client_ip())
    return jsonify(state)


def _minutes(value: Any) -> int:
    """How long to reopen sign-in: 15 when not given; anything but a whole number becomes 0, which the
    console refuses with its message (and ignores for the other actions)."""
    if value is None:
        return 15
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else 0


@bp.get("/meeting-photos/<int:photo_id>/<sig>")
def photo(photo_id: int, sig: str) -> Response:
    p = console.get_photo(db(), runtime().settings, photo_id, sig)
    path = MediaStore(runtime().settings.media_dir).path_for(p.relative_path)
    resp = send_file(path, mimetype=p.mime, conditional=True, max_age=86400)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp
