"""Who is on the other end of a live connection, as far as routing and snapshots care."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Viewer:
    kind: str  # "device" (a paired kiosk or wall), "room" (a browser wall page), "user" (the admin)
    room_id: int | None = None
    device_id: int | None = None
    user_id: int | None = None

    def receives(self, room_id: int | None, device_id: int | None) -> bool:
        """Whether an event addressed to (room_id, device_id) is for this viewer."""
        if device_id is not None:
            return device_id == self.device_id
        if room_id is None:
            return True
        return room_id == self.room_id or self.kind == "user"
