"""Deciding what each screen shows: schedules, manual switches and emergency messages.

A screen receives its whole plan (``screen_data``) in its snapshot and again, as ``screen.updated``,
whenever an admin changes it; it then decides by itself, second by second, what to show (an
emergency, a manual switch, an open sign-in, a timed panel, or the next page of its idle loop). So a
screen that loses the server keeps playing the last plan it had. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from content.models import Item, ItemKind, ReviewStatus
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.devices.models import Device, Room
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.screens.models import EmergencyMessage, ScreenOverride, ScreenSchedule

SHOWS = {"announcements": "公告通知", "stats": "活动数据", "leaderboard": "积分排行", "item": "海报或视频",
         "honour": "光荣榜与考核公示"}
OVERRIDES = {"signin": "会议签到墙", "stats": "活动数据", "leaderboard": "积分排行", "announcements": "公告通知"}
DEFAULT_LOOP: list[dict[str, Any]] = [
    {"show": "announcements", "seconds": 20}, {"show": "stats", "seconds": 30}, {"show": "leaderboard", "seconds": 20},
    {"show": "honour", "seconds": 20},
]
MAX_LOOP, MAX_SLOTS = 30, 20
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _device(session: Session, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(_("设备不存在。"))
    return device


def schedule_of(session: Session, device_id: int) -> dict[str, Any]:
    row = session.get(ScreenSchedule, device_id)
    if row is None:
        return {"loop": [dict(e) for e in DEFAULT_LOOP], "slots": [], "auto_signin": True, "auto_contest": True,
                "updated_at": None}
    return {"loop": list(row.loop or []), "slots": list(row.slots or []), "auto_signin": row.auto_signin,
            "auto_contest": row.auto_contest, "updated_at": row.updated_at.isoformat() if row.updated_at else None}


def _loop_entry(session: Session, raw: Any, n: int) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("show") not in SHOWS:
        raise Invalid(_("第 {n} 项：请选择要显示的内容。").format(n=n))
    try:
        seconds = int(raw.get("seconds") or 0)
    except (TypeError, ValueError):
        raise Invalid(_("第 {n} 项：显示时长必须是整数秒。").format(n=n)) from None
    if not 5 <= seconds <= 600:
        raise Invalid(_("第 {n} 项：显示时长应在 5 到 600 秒之间。").format(n=n))
    entry: dict[str, Any] = {"show": raw["show"], "seconds": seconds}
    if raw["show"] == "item":
        try:
            item = session.get(Item, int(raw.get("item_id") or 0))
        except (TypeError, ValueError):
            item = None
        if item is None or item.status != ReviewStatus.PUBLISHED or item.kind not in (ItemKind.POSTER, ItemKind.VIDEO):
            raise Invalid(_("第 {n} 项：请选择一张已发布的海报或一个已发布的视频。").format(n=n))
        entry |= {"item_id": item.id, "title": item.title, "kind": str(item.kind)}
    return entry


def _slot(raw: Any, n: int) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("show") not in SHOWS or raw.get("show") == "item":
        raise Invalid(_("第 {n} 个定时：请选择要显示的板块。").format(n=n))
    start, end = str(raw.get("start") or ""), str(raw.get("end") or "")
    if not _TIME.match(start) or not _TIME.match(end):
        raise Invalid(_("第 {n} 个定时：时间应写成 08:30 这样的形式。").format(n=n))
    if end <= start:
        raise Invalid(_("第 {n} 个定时：结束时间必须晚于开始时间。").format(n=n))
    days = sorted({int(d) for d in raw.get("days") or range(7) if str(d).isdigit() and 0 <= int(d) <= 6})
    if not days:
        raise Invalid(_("第 {n} 个定时：请至少选择一天。").format(n=n))
    return {"show": raw["show"], "start": start, "end": end, "days": days}


def set_schedule(
    session: Session, device_id: int, *, loop: Sequence[Any], slots: Sequence[Any] = (), auto_signin: bool = True,
    auto_contest: bool = True, actor_user_id: int | None = None,
) -> dict[str, Any]:
    """Replace a screen's plan (checked whole first: a bad entry changes nothing) and push it to the screen."""
    device = _device(session, device_id)
    if not loop:
        raise Invalid(_("待机轮播至少要有一项。"))
    if len(loop) > MAX_LOOP or len(slots) > MAX_SLOTS:
        raise Invalid(_("轮播最多 {a} 项，定时最多 {b} 个。").format(a=MAX_LOOP, b=MAX_SLOTS))
    checked_loop = [_loop_entry(session, raw, n) for n, raw in enumerate(loop, 1)]
    checked_slots = [_slot(raw, n) for n, raw in enumerate(slots, 1)]
    row = session.get(ScreenSchedule, device.id) or ScreenSchedule(device_id=device.id)
    row.loop, row.slots, row.auto_signin, row.auto_contest = checked_loop, checked_slots, auto_signin, auto_contest
    row.updated_by_user_id = actor_user_id
    session.add(row)
    record(session, actor_user_id=actor_user_id, action="screen.schedule_set", target_type="device",
           target_id=device.id, details={"loop": checked_loop, "slots": checked_slots, "auto_signin": auto_signin,
                                         "auto_contest": auto_contest})
    session.flush()
    _push(session, device)
    return schedule_of(session, device.id)


def set_override(session: Session, device_id: int, show: str | None, *, actor_user_id: int | None = None) -> None:
    """Switch a screen by hand to ``show`` (None: back to its schedule)."""
    device = _device(session, device_id)
    row = session.get(ScreenOverride, device.id)
    if show in (None, "", "schedule"):
        if row is not None:
            session.delete(row)
    elif show not in OVERRIDES:
        raise Invalid(_("不能切换到该板块。"))
    else:
        row = row or ScreenOverride(device_id=device.id)
        row.show, row.set_by_user_id, row.set_at = str(show), actor_user_id, dt.datetime.now(dt.UTC)
        session.add(row)
    record(session, actor_user_id=actor_user_id, action="screen.switched", target_type="device",
           target_id=device.id, details={"show": show or "schedule"})
    session.flush()
    _push(session, device)


def override_of(session: Session, device_id: int) -> dict[str, Any] | None:
    row = session.get(ScreenOverride, device_id)
    return {"show": row.show, "label": OVERRIDES.get(row.show, row.show), "set_at": row.set_at.isoformat()} if row else None


def screen_data(session: Session, device: Device) -> dict[str, Any]:
    """Everything a screen needs to decide what to show, whatever happens to the network afterwards."""
    offset = dt.datetime.now(LOCAL_TZ).utcoffset() or dt.timedelta(hours=8)
    return {"schedule": schedule_of(session, device.id), "override": override_of(session, device.id),
            "utc_offset_minutes": int(offset.total_seconds() // 60)}


def _push(session: Session, device: Device) -> None:
    emit(session, protocol.Event(protocol.SCREEN_UPDATED, {"screen": screen_data(session, device)},
                                 device_id=device.id))


# --- emergency messages ---------------------------------------------------------------------------------


def emergency_data(m: EmergencyMessage) -> dict[str, Any]:
    return {"id": m.id, "title": m.title, "body": m.body, "room_ids": sorted(r.id for r in m.rooms),
            "device_ids": sorted(d.id for d in m.devices), "created_at": m.created_at.isoformat()}


def reaches(m: EmergencyMessage, room_id: int | None, device_id: int | None) -> bool:
    """Whether a screen (its room, its device id) shows the message: everyone when nothing is chosen,
    else the chosen rooms' screens and the chosen devices."""
    if not m.rooms and not m.devices:
        return True
    return room_id in {r.id for r in m.rooms} or device_id in {d.id for d in m.devices}


def active_emergencies(session: Session) -> list[EmergencyMessage]:
    return list(session.scalars(select(EmergencyMessage).options(selectinload(EmergencyMessage.rooms),
                                                                 selectinload(EmergencyMessage.devices))
                                .where(EmergencyMessage.withdrawn_at.is_(None)).order_by(EmergencyMessage.id.desc())))


def list_emergencies(session: Session, limit: int = 50) -> list[EmergencyMessage]:
    return list(session.scalars(select(EmergencyMessage).options(selectinload(EmergencyMessage.rooms),
                                                                 selectinload(EmergencyMessage.devices))
                                .order_by(EmergencyMessage.id.desc()).limit(limit)))


def _push_emergencies(session: Session) -> None:
    emit(session, protocol.Event(protocol.EMERGENCY_CHANGED,
                                 {"emergencies": [emergency_data(m) for m in active_emergencies(session)]}))


def create_emergency(session: Session, *, title: str, body: str = "", room_ids: Sequence[int] = (),
                     device_ids: Sequence[int] = (), actor_user_id: int | None = None) -> EmergencyMessage:
    """Show a message full screen on the chosen rooms' screens and the chosen devices, walls and
    terminals alike (every screen when nothing is chosen)."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise Invalid(_("请填写紧急通知的标题。"))
    if len(title) > 100 or len(body) > 1000:
        raise Invalid(_("标题不超过 100 字，正文不超过 1000 字。"))
    rooms = list(session.scalars(select(Room).where(Room.id.in_(list(room_ids))))) if room_ids else []
    if len(rooms) != len(set(room_ids)):
        raise Invalid(_("所选活动室不存在。"))
    screens = list(session.scalars(select(Device).where(Device.id.in_(list(device_ids))))) if device_ids else []
    if len(screens) != len(set(device_ids)):
        raise Invalid(_("所选屏幕不存在。"))
    message = EmergencyMessage(title=title, body=body, created_by_user_id=actor_user_id, rooms=rooms, devices=screens)
    session.add(message)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="emergency.shown", target_type="emergency",
           target_id=message.id, details={"title": title, "room_ids": sorted(r.id for r in rooms),
                                          "device_ids": sorted(d.id for d in screens)})
    _push_emergencies(session)
    return message


def withdraw_emergency(session: Session, emergency_id: int, *, actor_user_id: int | None = None) -> None:
    message = session.get(EmergencyMessage, emergency_id)
    if message is None:
        raise NotFound(_("紧急通知不存在。"))
    if message.withdrawn_at is None:
        message.withdrawn_at = dt.datetime.now(dt.UTC)
        record(session, actor_user_id=actor_user_id, action="emergency.withdrawn", target_type="emergency",
               target_id=message.id, details={"title": message.title})
        session.flush()
        _push_emergencies(session)


def snapshot_part(session: Session, settings: Any, viewer: Any) -> dict[str, Any]:
    device = session.get(Device, viewer.device_id) if viewer.device_id else None
    part: dict[str, Any] = {"emergencies": [emergency_data(m) for m in active_emergencies(session)
                                            if reaches(m, viewer.room_id, viewer.device_id)]}
    if device is not None:
        part["screen"] = screen_data(session, device)
    return part
