"""Who is on the other end of a live connection, and which events they may receive.

Events are addressed to all rooms, one room or one device (``protocol.Event``); on top of that each
kind of viewer gets only what it may see:

- ``device``: a paired terminal or wall gets its own room's events and those for every room, and the
  events addressed to it. Only these and the browser wall page get the sign-in QR (``signin.opened``
  carries it, ``signin.qr`` rotates it): the QR is only worth anything if it is read in the room.
- ``room``: the web wall page of one room (a display key exchanged for a ticket): what a wall gets.
- ``player``: a contest player's phone gets its own contest's state and nothing else.
- ``user``: an admin browser gets what its role and branch may see: admins and secretaries the rooms'
  public events (never the QR; a secretary not other branches' members' study and points), editors and
  reviewers only content, announcements and emergency messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screen_server import protocol

QR_EVENTS = frozenset({protocol.SIGNIN_OPENED, protocol.SIGNIN_QR})
MEMBER_EVENTS = frozenset({protocol.STUDY_RECORDED, protocol.POINTS_AWARDED})  # name one member by id
CONTENT_EVENTS = frozenset({protocol.CONTENT_CHANGED, protocol.ANNOUNCEMENT_PUBLISHED,
                            protocol.ANNOUNCEMENT_WITHDRAWN, protocol.EMERGENCY_CHANGED})
MANAGERS = ("admin", "secretary")


@dataclass(frozen=True, slots=True)
class Viewer:
    kind: str  # "device" (a paired kiosk or wall), "room" (a browser wall page), "player", "user" (the admin)
    room_id: int | None = None
    device_id: int | None = None
    user_id: int | None = None
    role: str = ""  # a device's role (terminal | wall) or a user's (admin | secretary | editor | reviewer)
    branch_id: int | None = None  # a secretary's branch
    contest_id: int | None = None  # a player's contest

    def receives(self, room_id: int | None, device_id: int | None, event_type: str = "",
                 payload: dict[str, Any] | None = None) -> bool:
        """Whether an event of ``event_type`` addressed to (room_id, device_id) is for this viewer."""
        if device_id is not None:
            return device_id == self.device_id
        if self.kind == "player":
            return event_type == protocol.CONTEST_STATE and self._own_contest(payload)
        if self.kind == "user":
            return self._user_receives(event_type)
        if self.kind not in ("device", "room"):
            return False
        return room_id is None or room_id == self.room_id

    def _own_contest(self, payload: dict[str, Any] | None) -> bool:
        contest = (payload or {}).get("contest")
        return isinstance(contest, dict) and self.contest_id is not None and contest.get("id") == self.contest_id

    def _user_receives(self, event_type: str) -> bool:
        if event_type in QR_EVENTS:
            return False
        if self.role not in MANAGERS:
            return event_type in CONTENT_EVENTS
        return not (self.role == "secretary" and event_type in MEMBER_EVENTS)
