"""The wire between the room server and its screens: every WebSocket message and the JSON the kiosk reads.

Only the standard library lives here, so the kiosk (and any test client) can import it without Flask,
SQLAlchemy or a database. Nothing here does I/O: `encode`/`decode` turn messages into text and back.

Every message, in either direction, is one JSON object with a string field ``type``. Messages from the
server also carry ``seq``: the bus sequence number of the event that caused them (or, for a snapshot, the
last sequence number the snapshot already includes). A client drops any event whose ``seq`` is not greater
than the snapshot's, and after every reconnect it is sent a fresh snapshot, so nothing shown goes stale.

Connection handshake (``ws://HOST:WS_PORT/ws``)::

    client → {"type": "hello", "device_token": "..."}          a paired kiosk or wall
          or {"type": "hello", "ticket": "..."}                  a browser, with a ticket from POST /api/ws/tickets
    server → {"type": "welcome", "seq": N, "client": {...}}       who the server thinks you are
    server → {"type": "snapshot", "seq": N, "state": {...}}       everything the client shows
    ...     events, each {"type": <topic>, "seq": n, ...payload}
    client → {"type": "heartbeat", "version": "...", "screen": "home", "clock": 1764800000.123}
                                                                 every HEARTBEAT_SECONDS; clock: the
                                                                 device's own time (Unix seconds), so
                                                                 the admin and doctor see its skew
    server → {"type": "heartbeat.ack", "seq": N}

A refused hello is answered with {"type": "error", "code": "auth_failed", "message": "..."} and the socket
is closed with code 4401. A browser with a wrong Origin is refused with HTTP 403 before the upgrade.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Final, TypedDict

PROTOCOL_VERSION: Final = 1
WS_PATH: Final = "/ws"
HEARTBEAT_SECONDS: Final = 30

# Close codes in the private range (4000-4999).
CLOSE_AUTH_FAILED: Final = 4401
CLOSE_DEVICE_REVOKED: Final = 4410

# --- message types -------------------------------------------------------------------------------
# client → server
HELLO: Final = "hello"
HEARTBEAT: Final = "heartbeat"
# server → client
WELCOME: Final = "welcome"
SNAPSHOT: Final = "snapshot"
ERROR: Final = "error"
HEARTBEAT_ACK: Final = "heartbeat.ack"
# server → client, raised by the domain through the event bus
ANNOUNCEMENT_PUBLISHED: Final = "announcement.published"
ANNOUNCEMENT_WITHDRAWN: Final = "announcement.withdrawn"
DEVICE_UPDATED: Final = "device.updated"  # the device's own room, role or name changed
DEVICE_REVOKED: Final = "device.revoked"  # the device's token no longer works; go back to pairing
PREVIEW_REQUESTED: Final = "preview.requested"  # send a screenshot now (POST /api/device/preview)
ROOM_UPDATED: Final = "room.updated"
CONTENT_CHANGED: Final = "content.changed"  # published learning items changed: {"published": [ids], "withdrawn": [ids]}
SIGNIN_OPENED: Final = "signin.opened"  # a meeting's sign-in window opened in this room: {"signin": SignInState}
SIGNIN_CLOSED: Final = "signin.closed"  # {"meeting_id": n}
SIGNIN_QR: Final = "signin.qr"  # the QR rotated: {"meeting_id": n, "qr": QrData}
SIGNIN_RECORDED: Final = "signin.recorded"  # someone signed in: {"meeting_id", "attendee": AttendeeData, "counts"}
STUDY_RECORDED: Final = "study.recorded"  # study arrived: {"member_id", "item_ids", "seconds", "points"}
POINTS_AWARDED: Final = "points.awarded"  # points were given outside study (a sign-in, a contest): {"member_id", "points"}
STATS_UPDATED: Final = "stats.updated"  # the activity panels were recomputed: {"stats": StatsData}
SCREEN_UPDATED: Final = "screen.updated"  # to one screen: its schedule or manual switch changed: {"screen": ScreenData}
EMERGENCY_CHANGED: Final = "emergency.changed"  # the active emergency messages: {"emergencies": [{"id", "title", "body", "room_ids"}]}
CONTEST_STATE: Final = "contest.state"  # a live contest changed phase: {"contest": ContestState} (see docs/api.md)
POLL_UPDATED: Final = "poll.updated"  # a poll opened, was voted in or closed: {"poll": PollResults} (totals only)
MESSAGES_UPDATED: Final = "messages.updated"  # a message-wall topic opened or closed, or a message was approved or taken down: {"message_wall": MessageWallData}
CONSOLE_UPDATED: Final = "console.updated"  # the meeting console's step on this room's wall changed: {"meeting_id", "console": ConsoleData | None}
MEMBER_LOGIN: Final = "member.login"  # to one terminal: a member confirmed its login QR on their phone: {"member": StudyMemberData}


class ServiceRequestData(TypedDict):
    """One of a member's requests at the service window (``/api/device/members/<id>/services``)."""

    id: int
    category: str  # the label, e.g. 困难帮扶
    text: str
    status: str  # open | done
    status_label: str  # 办理中 | 已逾期 | 已办结
    due_on: str  # ISO date
    created: str
    answer: str
    hours: float | None


class ServiceCategoryData(TypedDict):
    key: str
    label: str
    phrases: list[str]  # what a terminal offers to tap (it has no Chinese keyboard)


class ServiceWindow(TypedDict):
    categories: list[ServiceCategoryData]
    requests: list[ServiceRequestData]


class AnnouncementData(TypedDict):
    """An announcement as screens show it."""

    id: int
    title: str
    body: str
    level: str  # "normal" | "important" | "urgent"
    publish_at: str  # ISO 8601, UTC
    expires_at: str | None


class RoomData(TypedDict):
    id: int
    name: str
    slug: str


class DeviceData(TypedDict):
    id: int
    name: str
    role: str  # "terminal" | "wall"
    room: RoomData | None


class QrData(TypedDict):
    path: str  # relative: the client prefixes the server address it uses (or absolute with public_url)
    url: str | None
    expires_at: str
    rotate_seconds: int


class AttendeeData(TypedDict):
    member_id: int
    name: str  # masked on public screens when the room's setting says so (张*明)
    branch: str
    signed_at: str
    late: bool
    guest: bool


class SignInCounts(TypedDict):
    expected: int
    signed: int  # expected members present
    guests: int
    on_leave: int
    rate: float  # signed / expected, 0..1
    voting_expected: int  # 应到有表决权: expected 正式党员 (those on leave included)
    voting_signed: int  # 有表决权实到: expected 正式党员 present
    quorum_rule: str  # half | four_fifths | none (screen_server.meetings.quorum)
    quorum: bool | None  # 是否达到法定人数; None when the meeting has no quorum rule
    quorum_needed: int  # members with a vote needed for quorum (0: no rule)


class SignInState(TypedDict):
    meeting: dict[str, Any]  # id, title, type, type_label, starts_at, ends_at, signin_closes_at, host, branches
    qr: QrData
    counts: SignInCounts
    recent: list[AttendeeData]  # newest first


class WallMessageData(TypedDict):
    """An approved message as the wall shows it."""

    id: int
    name: str  # masked on public screens when the room's setting says so (张*明)
    branch: str
    text: str  # plain text: never markup, never HTML
    at: str  # ISO 8601, UTC: when it was approved


class MessageWallData(TypedDict):
    """A message-wall topic and its newest approved messages (newest first). Pending and rejected
    messages never leave the server."""

    id: int
    title: str
    open: bool
    branch: str  # who may post: a branch's short name, or "" for every member
    path: str  # the phone page, relative: "/w/<id>" (the client prefixes the server address it uses)
    url: str | None  # the phone page's absolute address when the server has a public_url
    approved: int  # how many messages are on the wall in all
    messages: list[WallMessageData]


class SnapshotState(TypedDict, total=False):
    """What a screen shows; each area of the server contributes one key."""

    device: DeviceData
    room: RoomData
    announcements: list[AnnouncementData]
    settings: dict[str, Any]
    signin: SignInState | None  # the meeting whose sign-in is open in this room, if any
    message_wall: MessageWallData | None  # the room's open message-wall topic, if any


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, on its way from a service to the screens.

    ``room_id`` None means every room; ``device_id`` narrows it to one device.
    """

    type: str
    payload: dict[str, Any] = field(default_factory=dict)
    room_id: int | None = None
    device_id: int | None = None
    seq: int = 0

    def to_message(self) -> dict[str, Any]:
        """Return the message a client receives for this event."""
        return {**self.payload, "type": self.type, "seq": self.seq}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        data = json.loads(text)
        return cls(
            type=str(data["type"]),
            payload=dict(data.get("payload") or {}),
            room_id=data.get("room_id"),
            device_id=data.get("device_id"),
            seq=int(data.get("seq") or 0),
        )


class ProtocolError(ValueError):
    """A message that is not one JSON object with a string ``type``."""


def encode(message: dict[str, Any]) -> str:
    """Serialise one message; Chinese stays readable on the wire and in logs."""
    if not isinstance(message.get("type"), str):
        raise ProtocolError("message has no string 'type'")
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def decode(text: str | bytes) -> dict[str, Any]:
    """Parse one message, or raise ProtocolError."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("message is not an object with a string 'type'")
    return data


def hello(*, device_token: str | None = None, ticket: str | None = None, version: str = "") -> dict[str, Any]:
    """Build the first message a client sends."""
    msg: dict[str, Any] = {"type": HELLO, "protocol": PROTOCOL_VERSION, "version": version}
    if device_token:
        msg["device_token"] = device_token
    if ticket:
        msg["ticket"] = ticket
    return msg


def heartbeat(*, version: str = "", screen: str = "", clock: float | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": HEARTBEAT, "version": version, "screen": screen}
    if clock is not None:
        msg["clock"] = clock
    return msg
