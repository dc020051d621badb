"""The kiosk's view state: plain Python, one pure function ``apply(state, message) -> state``.

Messages are the server's (``screen_server.protocol``) plus a few the network layer makes up for the
UI (``link.*`` and ``pairing.*`` below). A server event whose ``seq`` is not greater than the last
snapshot's is dropped: the snapshot already includes it. A snapshot always replaces what it carries,
whatever its ``seq`` (a restarted server may start counting again).

No Kivy and no asyncio here; the app turns a state into widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final

import screen_server.protocol as protocol

# Made up by the network layer (kiosk.net), never sent by the server.
LINK_STATUS: Final = "link.status"  # {"status": "connecting"|"up"|"down", "detail": str}
LINK_UNPAIRED: Final = "link.unpaired"  # the token was refused: {"reason": str}
PAIRING_CODE: Final = "pairing.code"  # {"pairing_code": "123456", "expires_at": ISO}
PAIRING_APPROVED: Final = "pairing.approved"  # {"device": DeviceData | None}
SERVER_INFO: Final = "server.info"  # GET /api/server-info's answer

CONNECTING, UP, DOWN = "connecting", "up", "down"
MAX_ANNOUNCEMENTS: Final = 50
EVENT_TYPES: Final = frozenset(
    {
        protocol.ANNOUNCEMENT_PUBLISHED,
        protocol.ANNOUNCEMENT_WITHDRAWN,
        protocol.DEVICE_UPDATED,
        protocol.DEVICE_REVOKED,
        protocol.ROOM_UPDATED,
        protocol.SIGNIN_OPENED,
        protocol.SIGNIN_CLOSED,
        protocol.SIGNIN_QR,
        protocol.SIGNIN_RECORDED,
        protocol.STATS_UPDATED,
        protocol.SCREEN_UPDATED,
        protocol.EMERGENCY_CHANGED,
        protocol.CONTEST_STATE,
        protocol.POLL_UPDATED,
        protocol.MESSAGES_UPDATED,
        protocol.CONSOLE_UPDATED,
    }
)


@dataclass(frozen=True, slots=True)
class ViewState:
    paired: bool = False
    pairing_code: str = ""
    pairing_expires_at: str = ""
    connection: str = CONNECTING
    connection_detail: str = ""
    seq: int = 0
    has_data: bool = False  # a snapshot (live or cached) has been applied
    from_cache: bool = False  # what is shown came from disk, not yet confirmed by the server
    server_name: str = ""
    device: dict[str, Any] | None = None
    room: dict[str, Any] | None = None
    announcements: tuple[dict[str, Any], ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    signin: dict[str, Any] | None = None
    stats: dict[str, Any] | None = None  # the activity panels (screen_server.stats)
    screen: dict[str, Any] | None = None  # this screen's plan and manual switch (screen_server.screens)
    emergencies: tuple[dict[str, Any], ...] = ()
    contest: dict[str, Any] | None = None  # the room's live contest (screen_server.contests)
    poll: dict[str, Any] | None = None  # the room's open poll, totals only (screen_server.polls)
    message_wall: dict[str, Any] | None = None  # the room's open message-wall topic (screen_server.messages)
    console: dict[str, Any] | None = None  # the meeting console's step on this room's wall (meetings.console)

    @property
    def room_name(self) -> str:
        return str(self.settings.get("room_name") or (self.room or {}).get("name") or self.server_name or "")

    def announcement(self, announcement_id: int) -> dict[str, Any] | None:
        return next((a for a in self.announcements if a.get("id") == announcement_id), None)


def _sorted(items: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Newest first by publish time, then id; capped so a flood cannot grow the screen without end."""
    items.sort(key=lambda a: (str(a.get("publish_at") or ""), int(a.get("id") or 0)), reverse=True)
    return tuple(items[:MAX_ANNOUNCEMENTS])


def _snapshot(state: ViewState, msg: dict[str, Any]) -> ViewState:
    snap = msg.get("state") or {}
    device = snap.get("device", state.device)
    return replace(
        state,
        seq=int(msg.get("seq") or 0),
        paired=True,
        pairing_code="",
        has_data=True,
        from_cache=bool(msg.get("cached")),
        device=device,
        room=snap.get("room") or (device or {}).get("room"),
        announcements=_sorted([dict(a) for a in snap.get("announcements") or []]),
        settings=dict(snap.get("settings") or {}),
        signin=snap.get("signin"),
        stats=snap.get("stats") or state.stats,
        screen=snap.get("screen", state.screen),
        emergencies=tuple(snap.get("emergencies") or ()),
        contest=snap.get("contest"),
        poll=snap.get("poll"),
        message_wall=snap.get("message_wall"),
        console=snap.get("console"),
    )


def _signin(state: ViewState, msg: dict[str, Any]) -> ViewState:
    kind = msg["type"]
    if kind == protocol.SIGNIN_OPENED:
        return replace(state, signin=msg.get("signin"))
    current = state.signin
    if current is None or (current.get("meeting") or {}).get("id") != msg.get("meeting_id"):
        return state
    if kind == protocol.SIGNIN_CLOSED:
        return replace(state, signin=None)
    if kind == protocol.SIGNIN_QR:
        return replace(state, signin={**current, "qr": msg.get("qr")})
    attendee = msg.get("attendee")
    recent = (
        [attendee, *(current.get("recent") or [])][:50] if attendee else list(current.get("recent") or [])
    )
    return replace(
        state, signin={**current, "recent": recent, "counts": msg.get("counts") or current.get("counts")}
    )


def _event(state: ViewState, msg: dict[str, Any]) -> ViewState:
    kind = msg["type"]
    if kind == protocol.ANNOUNCEMENT_PUBLISHED:
        new = msg.get("announcement") or {}
        rest = [a for a in state.announcements if a.get("id") != new.get("id")]
        return replace(state, announcements=_sorted([dict(new), *rest]))
    if kind == protocol.ANNOUNCEMENT_WITHDRAWN:
        return replace(
            state, announcements=tuple(a for a in state.announcements if a.get("id") != msg.get("id"))
        )
    if kind == protocol.DEVICE_UPDATED:
        device = msg.get("device") or state.device
        room = (device or {}).get("room") or state.room
        settings = dict(state.settings)
        if room and room is not state.room:
            settings["room_name"] = room.get("name") or settings.get("room_name")
        return replace(state, device=device, room=room, settings=settings)
    if kind == protocol.ROOM_UPDATED:
        room = msg.get("room") or state.room
        settings = {
            **state.settings,
            "room_name": (room or {}).get("name") or state.settings.get("room_name"),
        }
        return replace(state, room=room, settings=settings)
    if kind == protocol.DEVICE_REVOKED:
        return _unpaired(state)
    if kind.startswith("signin."):
        return _signin(state, msg)
    if kind == protocol.STATS_UPDATED:
        return replace(state, stats=msg.get("stats") or state.stats)
    if kind == protocol.SCREEN_UPDATED:
        return replace(state, screen=msg.get("screen") or state.screen)
    if kind == protocol.POLL_UPDATED:
        poll = msg.get("poll") or {}
        console = state.console
        if console and (console.get("poll") or {}).get("id") == poll.get("id"):
            console = {**console, "poll": poll}  # the ballot the console shows: open, closed or revealed
        return replace(state, poll=poll if poll.get("open") else None, console=console)
    if kind == protocol.CONSOLE_UPDATED:
        return replace(state, console=msg.get("console"))
    if kind == protocol.MESSAGES_UPDATED:
        return replace(state, message_wall=_message_wall(state.message_wall, msg.get("message_wall") or {}))
    if kind == protocol.CONTEST_STATE:
        return replace(state, contest=msg.get("contest"))
    if kind == protocol.EMERGENCY_CHANGED:
        return replace(state, emergencies=tuple(msg.get("emergencies") or ()))
    return state


def _message_wall(current: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any] | None:
    """The topic to show after an update: a closed topic leaves the wall only if it is the one shown
    (a late change to an old topic must not blank the room's current one)."""
    if new.get("open"):
        return new
    if current is not None and current.get("id") != new.get("id"):
        return current
    return None


def _unpaired(state: ViewState) -> ViewState:
    """Forget everything the room showed: a revoked device must not keep showing the room's content."""
    return ViewState(
        connection=state.connection, connection_detail=state.connection_detail, server_name=state.server_name
    )


def apply(state: ViewState, message: dict[str, Any]) -> ViewState:
    """Return the state after ``message``; unknown messages leave it unchanged."""
    kind = message.get("type")
    if kind == protocol.SNAPSHOT:
        return _snapshot(state, message)
    if kind == LINK_STATUS:
        return replace(
            state,
            connection=str(message.get("status") or DOWN),
            connection_detail=str(message.get("detail") or ""),
        )
    if kind == PAIRING_CODE:
        return replace(
            _unpaired(state),
            pairing_code=str(message.get("pairing_code") or ""),
            pairing_expires_at=str(message.get("expires_at") or ""),
        )
    if kind == PAIRING_APPROVED:
        device = message.get("device") or state.device
        return replace(state, paired=True, pairing_code="", device=device, room=(device or {}).get("room"))
    if kind == LINK_UNPAIRED:
        return _unpaired(state)
    if kind == SERVER_INFO:
        return replace(state, server_name=str(message.get("name") or ""))
    if kind == protocol.WELCOME:
        return replace(state, connection=UP, connection_detail="", paired=True)
    if kind not in EVENT_TYPES:
        return state  # heartbeat.ack, preview.requested, error: nothing to show, and no seq to advance
    seq = int(message.get("seq") or 0)
    if seq <= state.seq:
        return state
    return replace(_event(state, message), seq=seq)
