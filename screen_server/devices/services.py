"""Device units of work: pairing, approval, authentication, heartbeats, previews.

Pairing: a device without a token asks for a pairing code and gets a secret *claim* with it. It shows
the code; an admin types the code into the web admin and names the room and role. The device, polling
with its claim, then receives its token (a new one on each poll until it first connects, so a lost
answer is harmless). Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.orm import get_or_not_found
from screen_server import __version__, protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
from screen_server.errors import Invalid, NotFound, TooManyAttempts
from screen_server.i18n import _
from screen_server.push.viewer import Viewer
from screen_server.security import new_token, token_digest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PREVIEW_BYTES = 8 * 1024 * 1024
CLAIM_GRACE = dt.timedelta(minutes=30)


def room_data(room: Room | None) -> protocol.RoomData | None:
    if room is None:
        return None
    return {"id": room.id, "name": room.name, "slug": room.slug}


def device_data(device: Device) -> protocol.DeviceData:
    return {"id": device.id, "name": device.name, "role": device.role.value, "room": room_data(device.room)}


def parse_role(value: Any) -> DeviceRole:
    try:
        return DeviceRole(str(value))
    except ValueError:
        raise Invalid(_("设备类型只能是“终端”(terminal)或“大屏”(wall)。")) from None


MAX_PENDING = 200  # live pairing requests at once; a room has a handful of screens, a flood has thousands


def _new_code(session: Session) -> str:
    """A six-digit code no live pairing request holds. A flood of requests (the rate limit aside) gets a
    clear refusal, never a server error: too many live requests, or (very unlikely below the cap) no
    free code in 20 draws."""
    now = utcnow()
    live = (Device.status == DeviceStatus.PENDING, Device.pairing_code.is_not(None), Device.pairing_expires_at > now)
    if (session.scalar(select(func.count(Device.id)).where(*live)) or 0) >= MAX_PENDING:
        raise TooManyAttempts(_("待批准的配对请求过多，请稍后再试，或请管理员先处理已有的请求。"))
    for _attempt in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        if session.scalar(select(Device.id).where(Device.pairing_code == code, *live)) is None:
            return code
    raise TooManyAttempts(_("暂时无法生成配对码，请稍后再试。"))


def request_pairing(
    session: Session, settings: Settings, *, mode: Any, name: str = "", version: str = "", ip: str = ""
) -> tuple[Device, str, str | None]:
    """Register a device that has no token. Returns (device, claim, token-if-auto-approved)."""
    role = parse_role(mode)
    claim = new_token()
    now = utcnow()
    device = Device(
        name=(name or "").strip()[:100] or (_("大屏") if role is DeviceRole.WALL else _("终端")),
        role=role,
        status=DeviceStatus.PENDING,
        claim_digest=token_digest(claim),
        pairing_code=_new_code(session),
        pairing_expires_at=now + dt.timedelta(minutes=settings.pairing_code_minutes),
        version=(version or "")[:40],
        ip=ip[:45],
    )
    session.add(device)
    session.flush()
    token = None
    if settings.auto_approve_room:
        room = session.scalar(select(Room).where(Room.slug == settings.auto_approve_room))
        if room is not None:
            _approve(session, device, room=room, role=role, name=device.name, actor_user_id=None)
            token = _issue_token(device)
    return device, claim, token


def _issue_token(device: Device) -> str:
    token = new_token()
    device.token_digest = token_digest(token)
    return token


def _approve(
    session: Session, device: Device, *, room: Room, role: DeviceRole, name: str, actor_user_id: int | None
) -> None:
    device.status = DeviceStatus.APPROVED
    device.room = room
    device.role = role
    device.name = name.strip()[:100] or device.name
    device.pairing_code = None
    device.approved_at = utcnow()
    device.approved_by_user_id = actor_user_id
    record(
        session,
        actor_user_id=actor_user_id,
        actor_name="" if actor_user_id else "auto-approve",
        action="device.approve",
        target_type="device",
        target_id=device.id,
        details={"room": room.slug, "role": role.value, "name": device.name},
    )


def poll_pairing(session: Session, claim: str) -> tuple[str, Device | None, str | None]:
    """Return (status, device, token) for the device holding ``claim``."""
    device = session.scalar(select(Device).where(Device.claim_digest == token_digest(claim)))
    if device is None:
        return "expired", None, None
    now = utcnow()
    if device.status is DeviceStatus.PENDING:
        if device.pairing_expires_at and device.pairing_expires_at < now:
            device.claim_digest = None
            device.pairing_code = None
            return "expired", None, None
        return "pending", device, None
    if device.status is DeviceStatus.APPROVED and device.approved_at and now - device.approved_at < CLAIM_GRACE:
        return "approved", device, _issue_token(device)
    return "expired", None, None


def approve_pairing(
    session: Session, *, actor_user_id: int, code: str, room_id: int, role: Any, name: str = ""
) -> Device:
    """Approve the pending device showing ``code`` into a room with a role."""
    code = (code or "").strip()
    device = session.scalar(  # an expired request may hold the same code as the live one: newest first
        select(Device).where(Device.pairing_code == code, Device.status == DeviceStatus.PENDING)
        .order_by(Device.id.desc()).limit(1)
    )
    if device is None or (device.pairing_expires_at and device.pairing_expires_at < utcnow()):
        raise NotFound(_("没有找到配对码为 {code} 的待审核设备，请核对屏幕上的六位数字。").format(code=code))
    room = session.get(Room, room_id)
    if room is None:
        raise Invalid(_("请选择设备所在的活动室。"))
    _approve(session, device, room=room, role=parse_role(role), name=name, actor_user_id=actor_user_id)
    return device


def update_device(
    session: Session, *, actor_user_id: int, device_id: int, room_id: int, role: Any, name: str
) -> Device:
    device = get_device(session, device_id)
    room = session.get(Room, room_id)
    if room is None:
        raise Invalid(_("请选择设备所在的活动室。"))
    device.room, device.role = room, parse_role(role)
    device.name = name.strip()[:100] or device.name
    record(session, actor_user_id=actor_user_id, action="device.update", target_type="device",
           target_id=device.id, details={"room": room.slug, "role": device.role.value, "name": device.name})
    emit(session, protocol.Event(protocol.DEVICE_UPDATED, {"device": device_data(device)}, device_id=device.id))
    return device


def revoke_device(session: Session, *, actor_user_id: int, device_id: int) -> Device:
    device = get_device(session, device_id)
    device.status = DeviceStatus.REVOKED
    device.token_digest = None
    device.claim_digest = None
    record(session, actor_user_id=actor_user_id, action="device.revoke", target_type="device", target_id=device.id)
    emit(session, protocol.Event(protocol.DEVICE_REVOKED, {}, device_id=device.id))
    return device


def get_device(session: Session, device_id: int) -> Device:
    return get_or_not_found(session, Device, device_id, _("设备不存在。"))


def authenticate(session: Session, token: str | None) -> Device | None:
    """Return the approved device holding ``token``, or None."""
    if not token:
        return None
    device = session.scalar(select(Device).where(Device.token_digest == token_digest(token)))
    if device is None or device.status is not DeviceStatus.APPROVED:
        return None
    return device


def touch(session: Session, device_id: int, *, version: str = "", screen: str = "", ip: str = "",
          clock: float | None = None) -> None:
    """Record that the device is alive (connect, heartbeat), and how far its clock is off ours."""
    device = session.get(Device, device_id)
    if device is None:
        return
    device.last_seen_at = utcnow()
    if clock is not None:
        device.clock_offset_s = round(clock - device.last_seen_at.timestamp(), 3)
    device.claim_digest = None  # it holds a working token now: the claim has served
    if version:
        device.version = version[:40]
    if screen:
        device.screen = screen[:40]
    if ip:
        device.ip = ip[:45]


CLOCK_SKEW_S = 30.0  # a device's clock further off the server's than this is shown as wrong


def is_behind(device: Device) -> bool:
    """Whether the device runs an older program than this server (an unreadable version counts as older)."""
    from packaging.version import InvalidVersion, Version

    if not device.version:
        return False
    try:
        return Version(device.version) < Version(__version__)
    except InvalidVersion:
        return True


def is_clock_skewed(device: Device) -> bool:
    return device.clock_offset_s is not None and abs(device.clock_offset_s) > CLOCK_SKEW_S


def is_online(device: Device, settings: Settings, now: dt.datetime | None = None) -> bool:
    if device.last_seen_at is None or device.status is not DeviceStatus.APPROVED:
        return False
    return (now or utcnow()) - device.last_seen_at <= dt.timedelta(seconds=settings.device_offline_seconds)


def preview_path(settings: Settings, device_id: int) -> Path:
    return settings.data_dir / "previews" / f"device-{device_id}.png"


def save_preview(session: Session, settings: Settings, device: Device, png: bytes) -> None:
    """Keep the device's latest screenshot, shown in the admin as its live preview."""
    if not png.startswith(PNG_MAGIC):
        raise Invalid(_("预览图必须是 PNG 图片。"))
    if len(png) > MAX_PREVIEW_BYTES:
        raise Invalid(_("预览图过大。"))
    path = preview_path(settings, device.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(png)
    tmp.replace(path)
    device.preview_at = utcnow()
    device.last_seen_at = device.preview_at


def request_preview(session: Session, *, actor_user_id: int, device_id: int) -> None:
    device = get_device(session, device_id)
    record(session, actor_user_id=actor_user_id, action="device.request_preview", target_type="device",
           target_id=device.id)
    emit(session, protocol.Event(protocol.PREVIEW_REQUESTED, {}, device_id=device.id))


def list_devices(session: Session) -> list[Device]:
    return list(session.scalars(select(Device).where(Device.status != DeviceStatus.REVOKED).order_by(Device.id)))


def list_rooms(session: Session) -> list[Room]:
    return list(session.scalars(select(Room).order_by(Room.id)))


def create_room(session: Session, *, actor_user_id: int | None, name: str, slug: str, location: str = "") -> Room:
    name, slug = name.strip(), slug.strip().lower()
    if not name or not slug or not slug.replace("-", "").isalnum():
        raise Invalid(_("活动室名称和代号不能为空，代号只能包含字母、数字和连字符。"))
    if session.scalar(select(Room.id).where(Room.slug == slug)) is not None:
        raise Invalid(_("代号 {slug} 已被使用。").format(slug=slug))
    room = Room(name=name, slug=slug, location=location.strip())
    session.add(room)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="room.create", target_type="room", target_id=room.id)
    return room


def replace_wall_key(session: Session, room_id: int, *, actor_user_id: int | None) -> Room:
    """Give the room's web wall a new display key: the old key, and every wall cookie got with it, stop
    working at once (a TV's browser must be given the new address). For a key that was seen or shared."""
    room = get_or_not_found(session, Room, room_id, _("活动室不存在。"))
    room.wall_key_generation += 1
    session.flush()
    record(session, actor_user_id=actor_user_id, action="room.wall_key_replaced", target_type="room",
           target_id=room.id, details={"generation": room.wall_key_generation})
    return room


def snapshot_part(session: Session, settings: Settings, viewer: Viewer) -> dict[str, Any]:
    """The screen's own part of its snapshot: who it is, its room, its settings."""
    device = session.get(Device, viewer.device_id) if viewer.device_id else None
    room = device.room if device else (session.get(Room, viewer.room_id) if viewer.room_id else None)
    part: dict[str, Any] = {"device": device_data(device)} if device else {}
    return part | {
        "room": room_data(room),
        "settings": {
            "room_name": room.name if room else settings.room_name,
            "idle_seconds": settings.idle_seconds,
            "mask_names": settings.mask_names,
        },
    }
