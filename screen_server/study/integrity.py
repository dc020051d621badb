"""What keeps reported study honest: how long an item must be studied before it counts as completed,
whether a member's spans overlap, and the record of every refusal (for the admin's list).

A client reports study; the server decides what counts. A person studies one thing at a time, so a
member's spans may not overlap (a few seconds of clock rounding aside), and ``completed`` needs the
time the item asks for: a share of a video's length, a reading time for text. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind
from screen_server.study.models import StudyRefusal, StudySpan

if TYPE_CHECKING:
    from screen_server.study.services import SpanIn

WATCH_SHARE = 0.8  # of a video's (or audio's) length, watched, makes it completed
READING_CHARS_PER_SECOND = 12.0  # a quick reader of Chinese: ~700 characters a minute
MIN_SECONDS = {ItemKind.ARTICLE: 20, ItemKind.PDF: 30, ItemKind.POSTER: 5, ItemKind.VIDEO: 30, ItemKind.AUDIO: 30}
MAX_READING_SECONDS = 20 * 60  # a long document asks for at most this much before it counts as read
OVERLAP_TOLERANCE = dt.timedelta(seconds=2)  # clocks round; adjoining spans may touch by this much
LIST_LIMIT = 200


def required_seconds(item: Item) -> int:
    """The active seconds a member must spend on ``item`` before it counts as completed."""
    floor = MIN_SECONDS.get(item.kind, 10)
    if item.kind in (ItemKind.VIDEO, ItemKind.AUDIO):
        length = item.main_media.duration_seconds if item.main_media is not None else None
        return max(floor, int((length or 0) * WATCH_SHARE))
    if item.kind is ItemKind.ARTICLE:
        chars = len((item.body_markdown or "").strip()) + len((item.summary or "").strip())
        return max(floor, min(MAX_READING_SECONDS, int(chars / READING_CHARS_PER_SECOND)))
    return floor


class Timeline:
    """The times a batch's members are already known to have studied: stored spans plus this batch's."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._taken: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}

    def overlaps(self, member_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        lo, hi = start + OVERLAP_TOLERANCE, end - OVERLAP_TOLERANCE
        if hi <= lo:
            return False  # a span of a couple of seconds never overlaps anything that matters
        if any(s < hi and e > lo for s, e in self._taken.get(member_id, ())):
            return True
        stored = self._session.scalar(select(StudySpan.id).where(
            StudySpan.member_id == member_id, StudySpan.started_at < hi, StudySpan.ended_at > lo).limit(1))
        return stored is not None

    def take(self, member_id: int, start: dt.datetime, end: dt.datetime) -> None:
        self._taken.setdefault(member_id, []).append((start, end))


class Refusals:
    """Record each refused span (or refused completion) as a row the admin can list, and tell the client."""

    def __init__(self, session: Session, *, source: str, device_id: int | None, result: list[dict[str, str]]) -> None:
        self._session = session
        self._source = source
        self._device_id = device_id
        self._result = result

    def add(self, reason: str, message: str, *, span: SpanIn | None = None, span_id: str = "",
            member_id: int | None = None, accepted: bool = False) -> None:
        """Note a refusal; ``accepted`` marks a span kept without its ``completed`` claim."""
        sid = span.id if span is not None else span_id
        if not accepted:
            self._result.append({"id": sid, "error": message, "reason": reason})
        self._session.add(StudyRefusal(
            span_id=sid[:40], member_id=(span.member_id if span is not None and span.member_id else member_id),
            item_id=span.item_id if span is not None else None, device_id=self._device_id, source=self._source,
            reason=reason, message=message[:200], started_at=span.started_at if span is not None else None,
            ended_at=span.ended_at if span is not None else None,
            claimed_seconds=span.active_seconds if span is not None else 0))


def recent_refusals(session: Session, *, limit: int = LIST_LIMIT) -> Sequence[StudyRefusal]:
    """The newest refusals, for the admin."""
    return session.scalars(select(StudyRefusal).order_by(StudyRefusal.id.desc()).limit(limit)).all()


def refusals_with_names(session: Session, *, limit: int = LIST_LIMIT) -> list[tuple[StudyRefusal, str]]:
    """The newest refusals with the name of the member each concerns ("" when none), for the admin."""
    from screen_server.org.models import Member

    rows = session.execute(select(StudyRefusal, Member.name).outerjoin(Member, Member.id == StudyRefusal.member_id)
                           .order_by(StudyRefusal.id.desc()).limit(limit)).all()
    return [(r, name or "") for r, name in rows]


def refusal_row(r: StudyRefusal, member_name: str) -> dict[str, Any]:
    return {"id": r.id, "at": r.at.isoformat(), "member_id": r.member_id, "member": member_name,
            "item_id": r.item_id, "device_id": r.device_id, "source": r.source, "reason": r.reason,
            "message": r.message, "claimed_seconds": r.claimed_seconds}
