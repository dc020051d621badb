"""Announcement units of work: publish (now or at a time), withdraw, expire, and what a screen shows.

A published announcement raises ``announcement.published`` for its rooms (one event per room, or one
for every room); a withdrawn or expired one raises ``announcement.withdrawn``. Services flush; the
caller commits, and events go out after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from screen_server import protocol
from screen_server.announcements.models import Announcement, AnnouncementStatus, Level
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.devices.models import Room
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.push.viewer import Viewer

MAX_TITLE = 100
MAX_BODY = 2000


def announcement_data(a: Announcement) -> protocol.AnnouncementData:
    return {
        "id": a.id,
        "title": a.title,
        "body": a.body,
        "level": a.level.value,
        "publish_at": a.publish_at.isoformat(),
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
    }


def _emit_for_rooms(session: Session, a: Announcement, event_type: str, payload: dict[str, Any]) -> None:
    if not a.rooms:
        emit(session, protocol.Event(event_type, payload))
    for room in a.rooms:
        emit(session, protocol.Event(event_type, payload, room_id=room.id))


def create_announcement(
    session: Session,
    *,
    actor_user_id: int,
    title: str,
    body: str = "",
    level: Any = Level.NORMAL,
    room_ids: Iterable[int] = (),
    publish_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> Announcement:
    """Create an announcement; published at once unless ``publish_at`` is in the future."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise Invalid(_("请填写公告标题。"))
    if len(title) > MAX_TITLE:
        raise Invalid(_("公告标题不能超过 {n} 个字。").format(n=MAX_TITLE))
    if len(body) > MAX_BODY:
        raise Invalid(_("公告正文不能超过 {n} 个字。").format(n=MAX_BODY))
    try:
        level = Level(level or Level.NORMAL)
    except ValueError:
        raise Invalid(_("公告级别无效。")) from None
    now = utcnow()
    publish_at = publish_at or now
    if expires_at is not None and expires_at <= publish_at:
        raise Invalid(_("截止时间必须晚于发布时间。"))
    rooms = [session.get(Room, rid) for rid in set(room_ids)]
    if any(r is None for r in rooms):
        raise Invalid(_("所选活动室不存在。"))
    a = Announcement(
        title=title,
        body=body,
        level=level,
        rooms=rooms,
        publish_at=publish_at,
        expires_at=expires_at,
        status=AnnouncementStatus.SCHEDULED if publish_at > now else AnnouncementStatus.PUBLISHED,
        created_by_user_id=actor_user_id,
    )
    session.add(a)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="announcement.create", target_type="announcement",
           target_id=a.id, details={"title": title, "rooms": [r.slug for r in rooms if r], "status": a.status.value})
    if a.status is AnnouncementStatus.PUBLISHED:
        _emit_for_rooms(session, a, protocol.ANNOUNCEMENT_PUBLISHED, {"announcement": announcement_data(a)})
    return a


def withdraw_announcement(session: Session, *, actor_user_id: int | None, announcement_id: int) -> Announcement:
    a = session.get(Announcement, announcement_id)
    if a is None:
        raise NotFound(_("公告不存在。"))
    if a.status is AnnouncementStatus.WITHDRAWN:
        return a
    was_shown = a.status is AnnouncementStatus.PUBLISHED
    a.status = AnnouncementStatus.WITHDRAWN
    a.withdrawn_at = utcnow()
    record(session, actor_user_id=actor_user_id, action="announcement.withdraw", target_type="announcement",
           target_id=a.id, actor_name="" if actor_user_id else "system")
    if was_shown:
        _emit_for_rooms(session, a, protocol.ANNOUNCEMENT_WITHDRAWN, {"id": a.id})
    return a


def run_due(session: Session, now: dt.datetime | None = None) -> int:
    """Publish announcements whose time has come and withdraw expired ones; return how many changed."""
    now = now or utcnow()
    changed = 0
    due = session.scalars(
        select(Announcement).where(
            Announcement.status == AnnouncementStatus.SCHEDULED, Announcement.publish_at <= now
        )
    )
    for a in due:
        a.status = AnnouncementStatus.PUBLISHED
        _emit_for_rooms(session, a, protocol.ANNOUNCEMENT_PUBLISHED, {"announcement": announcement_data(a)})
        changed += 1
    expired = session.scalars(
        select(Announcement).where(
            Announcement.status == AnnouncementStatus.PUBLISHED,
            Announcement.expires_at.is_not(None),
            Announcement.expires_at <= now,
        )
    )
    for a in expired:
        a.status = AnnouncementStatus.WITHDRAWN
        a.withdrawn_at = now
        _emit_for_rooms(session, a, protocol.ANNOUNCEMENT_WITHDRAWN, {"id": a.id})
        changed += 1
    return changed


def active_for_room(session: Session, room_id: int | None, now: dt.datetime | None = None) -> list[Announcement]:
    """Announcements a screen in ``room_id`` shows now, newest first."""
    now = now or utcnow()
    stmt = (
        select(Announcement)
        .options(selectinload(Announcement.rooms))
        .where(
            Announcement.status == AnnouncementStatus.PUBLISHED,
            or_(Announcement.expires_at.is_(None), Announcement.expires_at > now),
        )
        .order_by(Announcement.publish_at.desc(), Announcement.id.desc())
        .limit(50)
    )
    return [a for a in session.scalars(stmt) if not a.rooms or any(r.id == room_id for r in a.rooms)]


def list_announcements(session: Session, *, limit: int = 200) -> list[Announcement]:
    stmt = (
        select(Announcement)
        .options(selectinload(Announcement.rooms))
        .order_by(Announcement.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def snapshot_part(session: Session, settings: Settings, viewer: Viewer) -> dict[str, Any]:
    return {"announcements": [announcement_data(a) for a in active_for_room(session, viewer.room_id)]}
