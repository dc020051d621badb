"""Offline conflicts and the terminal's PIN cache.

A terminal that was cut off from the server queues what members did (sign-ins, for now) with the id it
made, its own clock and its offset from the server's clock. When a queued record arrives and the server
refuses it (the meeting closed meanwhile, say), ``record_conflict`` keeps it for the admin instead of
losing it; the terminal's id makes a resent record find its conflict rather than make a second one.

``pin_cache`` is what a terminal may keep to let members log in while the server is down: their PIN
hashes (argon2, as stored), valid for ``PIN_CACHE_HOURS``; docs/security.md says why this is acceptable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.db import utcnow
from screen_server.devices.logins import require_terminal
from screen_server.devices.models import Device
from screen_server.errors import Forbidden, Invalid
from screen_server.i18n import _
from screen_server.offline.models import OfflineConflict
from screen_server.org.models import Member

PIN_CACHE_HOURS = 72
MAX_OFFSET_S = 10 * 365 * 86400.0


@dataclass(frozen=True)
class Stamp:
    """When a queued record was made: the terminal's clock, its offset, and the two together."""

    device_clock: dt.datetime
    clock_offset_s: float  # server minus terminal

    @property
    def made_at(self) -> dt.datetime:
        return self.device_clock + dt.timedelta(seconds=self.clock_offset_s)


def parse_stamp(raw: dict[str, Any]) -> Stamp:
    """Read ``device_clock`` (ISO 8601) and ``clock_offset_s`` from a queued record, or raise Invalid."""
    try:
        clock = dt.datetime.fromisoformat(str(raw["device_clock"]))
        offset = float(raw.get("clock_offset_s") or 0.0)
    except (KeyError, TypeError, ValueError):
        raise Invalid(_("离线记录缺少终端时钟（device_clock）或时钟偏差（clock_offset_s）。")) from None
    if clock.tzinfo is None or abs(offset) > MAX_OFFSET_S:
        raise Invalid(_("离线记录的终端时钟不正确。"))
    return Stamp(clock.astimezone(dt.UTC), offset)


def find_conflict(session: Session, device_id: int, client_id: str) -> OfflineConflict | None:
    return session.scalar(select(OfflineConflict).where(OfflineConflict.device_id == device_id,
                                                        OfflineConflict.client_id == client_id))


def record_conflict(session: Session, *, device_id: int, client_id: str, kind: str, member_id: int | None,
                    subject: str, stamp: Stamp, reason: str, payload: dict[str, Any]) -> OfflineConflict:
    """Keep a refused offline record for the admin (once per terminal and client id)."""
    existing = find_conflict(session, device_id, client_id)
    if existing is not None:
        return existing
    member = session.get(Member, member_id) if member_id is not None else None
    conflict = OfflineConflict(device_id=device_id, client_id=client_id, kind=kind,
                               member_id=member.id if member else None, subject=subject[:200],
                               made_at=stamp.made_at, device_clock=stamp.device_clock,
                               clock_offset_s=stamp.clock_offset_s, reason=reason[:300], payload=payload)
    session.add(conflict)
    session.flush()
    return conflict


def record_terminal_spans(session: Session, raws: list[Any], *, device_id: int) -> Any:
    """Store a terminal's study spans; each span the server refuses is kept as an offline conflict (the
    terminal then lets go of it, so without this it would be lost silently)."""
    from screen_server.study import services as study

    result = study.record_spans(session, raws, source="terminal", device_id=device_id)
    by_id = {str(r.get("id")): r for r in raws if isinstance(r, dict)}
    for refusal in result.rejected:
        raw = by_id.get(str(refusal.get("id") or ""))
        if raw is None:
            continue
        try:
            started = dt.datetime.fromisoformat(str(raw.get("started_at")).replace("Z", "+00:00"))
            stamp = Stamp(started if started.tzinfo else started.replace(tzinfo=dt.UTC),
                          float(raw.get("clock_offset_s") or 0.0))
            member_id = int(raw["member_id"]) if raw.get("member_id") is not None else None
        except (TypeError, ValueError):
            stamp, member_id = Stamp(utcnow(), 0.0), None
        record_conflict(session, device_id=device_id, client_id=str(raw.get("id"))[:64], kind="study",
                        member_id=member_id, subject=_("学习内容 #{n}").format(n=raw.get("item_id")), stamp=stamp,
                        reason=str(refusal.get("error") or ""), payload=dict(raw))
    return result


def list_conflicts(session: Session, limit: int = 200) -> list[OfflineConflict]:
    return list(session.scalars(select(OfflineConflict).order_by(OfflineConflict.received_at.desc(),
                                                                 OfflineConflict.id.desc()).limit(limit)))


def count_conflicts(session: Session) -> int:
    return int(session.scalar(select(func.count(OfflineConflict.id))) or 0)


def conflict_data(conflict: OfflineConflict) -> dict[str, Any]:
    return {"id": conflict.id, "kind": conflict.kind, "client_id": conflict.client_id,
            "member_id": conflict.member_id, "subject": conflict.subject, "reason": conflict.reason,
            "made_at": conflict.made_at.isoformat() if conflict.made_at else None}


def pin_cache(session: Session, device: Device, now: dt.datetime | None = None) -> dict[str, Any]:
    """The PIN hashes of the active members, for a terminal to check logins while the server is down.

    Raises:
        Forbidden: ``device`` is not a terminal (a wall never logs a member in, so never holds hashes).
    """
    require_terminal(device)
    now = now or utcnow()
    members = session.scalars(select(Member).where(Member.active.is_(True), Member.pin_hash.is_not(None))
                              .order_by(Member.number))
    return {"expires_at": (now + dt.timedelta(hours=PIN_CACHE_HOURS)).isoformat(),
            "members": [{"id": m.id, "number": m.number, "name": m.name, "pin_hash": m.pin_hash}
                        for m in members]}


def check_offline_sign_in(session: Session, device: Device, meeting_id: int) -> None:
    """Refuse a queued sign-in that this device could never have taken: only a terminal takes sign-ins,
    and only for a meeting in its own room (the online sign-in's rule, ``/api/device/signins``).

    Raises:
        Forbidden: not a terminal, or the meeting is missing or in another room.
    """
    from screen_server.meetings.models import Meeting

    require_terminal(device)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.room_id is None or meeting.room_id != device.room_id:
        raise Forbidden(_("本终端只能办理本活动室会议的签到。"), code="wrong_room")
