"""光荣榜: honours (先锋岗, 责任区, 优秀党员 …) the admin chooses, each with a photo (kept in the media store,
checked as every upload is), a citation and the days it shows. Only entries whose period covers today
show, on the wall's loop beside the leaderboard and on the terminal. Photos are served at a signed
address, so screens fetch them without a login and nobody can list the others. Audited; the caller
commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.media import MediaStore
from screen_server.assessment.models import HonourEntry
from screen_server.audit.services import record
from screen_server.config import Settings
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Member, Role, User

TITLES = ("优秀党员", "党员先锋岗", "党员责任区", "优秀党务工作者", "先进党支部")
PHOTO_MAX_BYTES = 8 * 1024 * 1024


def _admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以管理光荣榜。"))


def today_local(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(LOCAL_TZ).date()


def add(session: Session, settings: Settings, actor: User, *, title: str, name: str, citation: str,
        starts_on: dt.date, ends_on: dt.date, photo: BinaryIO | None = None, filename: str = "",
        member_number: str = "") -> HonourEntry:
    _admin(actor)
    title, name, citation = (title or "").strip(), (name or "").strip(), (citation or "").strip()
    if not title or len(title) > 40:
        raise Invalid(_("请填写荣誉称号（不超过 40 字）。"))
    member = None
    if member_number.strip():
        member = session.scalar(select(Member).where(Member.number == member_number.strip()))
        if member is None:
            raise NotFound(_("找不到党员编号“{n}”。").format(n=member_number.strip()))
        name = name or member.name
    if not name or len(name) > 60:
        raise Invalid(_("请填写获奖的党员、岗位或集体名称（不超过 60 字）。"))
    if not citation or len(citation) > 300:
        raise Invalid(_("请填写事迹简介（不超过 300 字）。"))
    if ends_on < starts_on:
        raise Invalid(_("展示结束日期不能早于开始日期。"))
    if (ends_on - starts_on).days > 731:
        raise Invalid(_("展示期最长两年。"))
    path = mime = ""
    if photo is not None:
        stored = MediaStore(settings.media_dir).store(photo, filename=filename or "photo", max_bytes=PHOTO_MAX_BYTES)
        if stored.family != "image":
            raise Invalid(_("请上传照片（PNG、JPEG、GIF 或 WebP）。"))
        path, mime = stored.relative_path, stored.mime
    entry = HonourEntry(title=title, name=name, member_id=member.id if member else None, citation=citation,
                        photo_path=path, photo_mime=mime, starts_on=starts_on, ends_on=ends_on,
                        created_by_user_id=actor.id)
    session.add(entry)
    session.flush()
    record(session, actor_user_id=actor.id, action="honour.added", target_type="honour_entry", target_id=entry.id,
           details={"title": title, "name": name, "citation": citation, "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(), "photo": bool(path)})
    return entry


def remove(session: Session, actor: User, entry_id: int) -> None:
    _admin(actor)
    entry = session.get(HonourEntry, entry_id)
    if entry is None:
        raise NotFound(_("光荣榜条目不存在。"))
    session.delete(entry)
    session.flush()
    record(session, actor_user_id=actor.id, action="honour.removed", target_type="honour_entry", target_id=entry_id,
           details={"title": entry.title, "name": entry.name})


def all_entries(session: Session) -> list[HonourEntry]:
    return list(session.scalars(select(HonourEntry).order_by(HonourEntry.ends_on.desc(), HonourEntry.id.desc())))


def current(session: Session, today: dt.date | None = None) -> list[HonourEntry]:
    today = today or today_local()
    return list(session.scalars(select(HonourEntry)
                                .where(HonourEntry.starts_on <= today, HonourEntry.ends_on >= today)
                                .order_by(HonourEntry.position, HonourEntry.id)))


def photo_sig(secret_key: str, entry_id: int) -> str:
    mac = hmac.new(secret_key.encode("utf-8"), f"honour-photo:{int(entry_id)}".encode(), hashlib.sha256)
    return mac.hexdigest()[:24]


def photo_url(settings: Settings, entry: HonourEntry) -> str:
    return f"/honour-photos/{entry.id}/{photo_sig(settings.secret_key, entry.id)}" if entry.photo_path else ""


def get_photo(session: Session, settings: Settings, entry_id: int, sig: str) -> HonourEntry:
    entry = session.get(HonourEntry, entry_id)
    if entry is None or not entry.photo_path or not hmac.compare_digest(sig, photo_sig(settings.secret_key, entry_id)):
        raise NotFound(_("照片不存在。"))
    return entry


def as_json(settings: Settings, entry: HonourEntry) -> dict[str, Any]:
    return {"id": entry.id, "title": entry.title, "name": entry.name, "citation": entry.citation,
            "photo": photo_url(settings, entry), "starts_on": entry.starts_on.isoformat(),
            "ends_on": entry.ends_on.isoformat()}
