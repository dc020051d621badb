"""What a terminal sends after being cut off from the server (its queued sign-ins), and the PIN cache it
keeps for that time. A refused queued sign-in is answered 200 with the conflict kept for the admin, so
the terminal can let go of it: it is not lost, and it is never recorded twice."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from screen_server.devices import logins
from screen_server.errors import DomainError, Invalid
from screen_server.http.common import current_device, db, json_body, run
from screen_server.http.signin import _answer_json, writer
from screen_server.i18n import _
from screen_server.meetings.models import Meeting, SignInMethod
from screen_server.offline import services as offline

bp = Blueprint("offline", __name__)


@bp.get("/api/device/offline/pins")
def pins() -> Any:
    """The PIN hashes this terminal may cache (for ``PIN_CACHE_HOURS``) to let members log in offline."""
    return jsonify(offline.pin_cache(db(), current_device()))


@bp.post("/api/device/offline/signins")
def offline_sign_in() -> Any:
    """A sign-in the terminal queued while the server was down (the PIN was checked on the terminal)."""
    device = current_device()
    body = json_body()
    stamp = offline.parse_stamp(body)
    client_id = str(body.get("client_id") or "")[:64]
    try:
        member_id, meeting_id = int(body["member_id"]), int(body["meeting_id"])
    except (KeyError, TypeError, ValueError):
        raise Invalid(_("请选择会议和党员。")) from None
    if not client_id:
        raise Invalid(_("离线记录缺少编号（client_id）。"))
    logins.require_terminal(device)
    try:
        offline.check_offline_sign_in(db(), device, meeting_id)
        return _answer_json(writer().sign_in(meeting_id=meeting_id, member_id=member_id, client_id=client_id,
                                             method=SignInMethod.TERMINAL, device_id=device.id))
    except DomainError as refused:
        meeting = db().get(Meeting, meeting_id)
        conflict = run(offline.record_conflict, db(), device_id=device.id, client_id=client_id, kind="signin",
                       member_id=member_id, subject=meeting.title if meeting else f"#{meeting_id}", stamp=stamp,
                       reason=refused.message, payload={"meeting_id": meeting_id})
        return jsonify({"conflict": offline.conflict_data(conflict)}), 200
