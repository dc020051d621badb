"""Recording study and reading it back.

Terminals and phones report study as *spans*: a stretch of time on one item during which the member was
active (a playing video, a page being read and touched). The client makes each span's id, so a span
sent twice — an outbox draining after an answer was lost — is stored once and counts once. Each batch
updates the member's record per item and awards points by the admin's rules. Services flush; the caller
commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind
from screen_server import protocol
from screen_server.bus import emit
from screen_server.devices import logins
from screen_server.errors import Invalid
from screen_server.i18n import _
from screen_server.org.models import Member
from screen_server.points import services as points
from screen_server.study import integrity
from screen_server.study.models import StudyRecord, StudySpan

MAX_SPAN_SECONDS = 300  # clients report at least every minute; longer spans are cut to this
MAX_BATCH = 500
FUTURE_SLACK = dt.timedelta(minutes=10)  # a terminal's clock may run a little ahead
MAX_AGE = dt.timedelta(days=30)  # an outbox older than this is stale
SOURCES = ("terminal", "phone")
_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
READING_KINDS = (ItemKind.ARTICLE, ItemKind.PDF, ItemKind.POSTER)
WATCHING_KINDS = (ItemKind.VIDEO, ItemKind.AUDIO)


@dataclass(frozen=True, slots=True)
class SpanIn:
    id: str
    item_id: int
    started_at: dt.datetime
    ended_at: dt.datetime
    active_seconds: int
    position: float = 0.0
    progress: float = 0.0
    completed: bool = False
    member_id: int | None = None


@dataclass(slots=True)
class BatchResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    points: int = 0
    seconds: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected,
                "points_awarded": self.points, "seconds": self.seconds}


def _when(raw: Any, name: str) -> dt.datetime:
    try:
        at = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(_("{name} 不是有效的时间。").format(name=name)) from None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def parse_span(raw: Mapping[str, Any]) -> SpanIn:
    """Read one span from JSON, or raise Invalid saying what is wrong with it."""
    if not isinstance(raw, Mapping):
        raise Invalid(_("学习记录格式不正确。"))
    span_id = str(raw.get("id") or "")
    if not _ID.match(span_id):
        raise Invalid(_("学习记录缺少有效的编号。"))
    try:
        item_id = int(raw["item_id"])
        seconds = int(raw.get("active_seconds") or 0)
        position = float(raw.get("position") or 0)
        progress = float(raw.get("progress") or 0)
        member_id = int(raw["member_id"]) if raw.get("member_id") is not None else None
    except (KeyError, TypeError, ValueError):
        raise Invalid(_("学习记录的数字字段不正确。")) from None
    started, ended = _when(raw.get("started_at"), "started_at"), _when(raw.get("ended_at"), "ended_at")
    if ended < started:
        raise Invalid(_("学习记录的结束时间早于开始时间。"))
    if seconds < 0 or position < 0 or not 0 <= progress <= 1:
        raise Invalid(_("学习记录的时长或进度超出范围。"))
    # Active time cannot exceed the span's length (plus a second of rounding), nor the cap.
    seconds = min(seconds, int((ended - started).total_seconds()) + 1, MAX_SPAN_SECONDS)
    return SpanIn(span_id, item_id, started, ended, seconds, position, progress,
                  bool(raw.get("completed")), member_id)


def record_spans(
    session: Session,
    raws: Sequence[Mapping[str, Any]],
    *,
    source: str,
    member_id: int | None = None,
    device_id: int | None = None,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Store a batch of spans. ``member_id`` (a phone's member) overrides what the spans say; a device
    names the member in each span, who must have been logged in at that device for the span's time.

    Bad spans are rejected one by one and the rest kept; every refusal is recorded for the admin
    (``study.integrity``). Refused: spans outside the outbox's window (from the future, or older than
    ``MAX_AGE``), spans overlapping the member's other study (one person studies one thing at a time),
    and ``completed`` claimed before the item's time was spent (the time itself still counts).
    """
    if source not in SOURCES:
        raise Invalid(_("未知的学习来源。"))
    if len(raws) > MAX_BATCH:
        raise Invalid(_("一次最多提交 {n} 条学习记录。").format(n=MAX_BATCH))
    now = now or dt.datetime.now(dt.UTC)
    result = BatchResult()
    refusals = integrity.Refusals(session, source=source, device_id=device_id, result=result.rejected)
    spans: list[SpanIn] = []
    for raw in raws:
        try:
            span = parse_span(raw)
        except Invalid as exc:
            raw_id = str((raw or {}).get("id") or "") if isinstance(raw, Mapping) else ""
            refusals.add("invalid", exc.message, span_id=raw_id[:40], member_id=member_id)
            continue
        who = member_id if member_id is not None else span.member_id
        if who is None:
            refusals.add("invalid", _("学习记录没有指明党员。"), span_id=span.id)
        elif span.started_at > now + FUTURE_SLACK or span.ended_at > now + FUTURE_SLACK \
                or span.ended_at < now - MAX_AGE:
            refusals.add("out_of_window", _("学习记录的时间不在可接受的范围内。"), span=span, member_id=who)
        else:
            spans.append(SpanIn(**{**_fields(span), "member_id": who}))
    if not spans:
        return result
    seen = set(session.scalars(select(StudySpan.id).where(StudySpan.id.in_([s.id for s in spans]))))
    members = {m.id: m for m in session.scalars(
        select(Member).where(Member.id.in_({s.member_id for s in spans}), Member.active.is_(True)))}
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_({s.item_id for s in spans})))}
    fresh: list[SpanIn] = []
    taken = integrity.Timeline(session)
    for span in sorted(spans, key=lambda s: (s.started_at, s.id)):
        assert span.member_id is not None
        if span.id in seen:
            result.duplicates.append(span.id)
        elif span.member_id not in members:
            refusals.add("invalid", _("党员不存在或已停用。"), span=span)
        elif span.item_id not in items:
            refusals.add("invalid", _("学习内容不存在。"), span=span)
        elif device_id is not None and not logins.covered(session, device_id, span.member_id, span.started_at,
                                                          span.ended_at, now=now):
            refusals.add("not_logged_in", _("该党员当时未在本终端登录。"), span=span)
        elif taken.overlaps(span.member_id, span.started_at, span.ended_at):
            refusals.add("overlap", _("学习时间与该党员的其他学习记录重叠。"), span=span)
        else:
            seen.add(span.id)  # the same id twice in one batch counts once
            taken.take(span.member_id, span.started_at, span.ended_at)
            fresh.append(span)
    for span in fresh:
        assert span.member_id is not None
        session.add(StudySpan(
            id=span.id, member_id=span.member_id, item_id=span.item_id, device_id=device_id, source=source,
            started_at=span.started_at, ended_at=span.ended_at, active_seconds=span.active_seconds,
            position=span.position, progress=span.progress, completed=span.completed,
            day=points.local_day(span.started_at), received_at=now))
        result.accepted.append(span.id)
        result.seconds += span.active_seconds
    records = _update_records(session, fresh, items, refusals)
    watched = _watched_seconds(session, fresh, items)
    session.flush()
    for member in sorted({s.member_id for s in fresh if s.member_id is not None}):
        mine = [s for s in fresh if s.member_id == member]
        awarded = _award(session, member, mine, items, records, watched)
        result.points += awarded
        emit(session, protocol.Event(protocol.STUDY_RECORDED, {
            "member_id": member, "item_ids": sorted({s.item_id for s in mine}),
            "seconds": sum(s.active_seconds for s in mine), "points": awarded}))
    return result


def _fields(span: SpanIn) -> dict[str, Any]:
    return {name: getattr(span, name) for name in SpanIn.__slots__}


def _update_records(session: Session, spans: Sequence[SpanIn], items: Mapping[int, Item],
                    refusals: integrity.Refusals) -> dict[tuple[int, int], StudyRecord]:
    """Fold the spans into each (member, item) record: one read for the batch, no flush (the caller's
    single flush writes them). Returns the records by (member id, item id)."""
    pairs = {(s.member_id, s.item_id) for s in spans if s.member_id is not None}
    records: dict[tuple[int, int], StudyRecord] = {}
    if not pairs:
        return records
    with session.no_autoflush:
        for found in session.scalars(select(StudyRecord).where(
                StudyRecord.member_id.in_({m for m, _i in pairs}), StudyRecord.item_id.in_({i for _m, i in pairs}))):
            if (found.member_id, found.item_id) in pairs:
                records[(found.member_id, found.item_id)] = found
    for span in sorted(spans, key=lambda s: s.ended_at):
        assert span.member_id is not None
        record = records.get((span.member_id, span.item_id))
        if record is None:
            record = StudyRecord(member_id=span.member_id, item_id=span.item_id, active_seconds=0,
                                 progress=0.0, position=0.0, completed=False,
                                 first_at=span.started_at, last_at=span.ended_at)
            session.add(record)
            records[(span.member_id, span.item_id)] = record
        record.active_seconds += span.active_seconds
        completed = span.completed and not record.completed
        if completed and record.active_seconds < integrity.required_seconds(items[span.item_id]):
            refusals.add("too_fast", _("完成学习所需的时间不足，本次只记录学习时长。"), span=span,
                         accepted=True)
            completed = False
        span_progress = span.progress if completed or span.progress < 1 else 0.99
        record.progress = max(record.progress, span_progress, 1.0 if completed else 0.0)
        if span.ended_at >= record.last_at:
            record.last_at, record.position = span.ended_at, span.position
        record.first_at = min(record.first_at, span.started_at)
        if completed:
            record.completed, record.completed_at = True, span.ended_at
    return records


def _watched_seconds(
    session: Session, spans: Sequence[SpanIn], items: Mapping[int, Item],
) -> dict[tuple[int, dt.date], int]:
    """Seconds of watching per (member, day) the batch touches, the batch's own spans included: one
    grouped read of what was stored before, plus the batch counted in memory."""
    days: dict[int, set[dt.date]] = {}
    for s in spans:
        if s.member_id is not None and items[s.item_id].kind in WATCHING_KINDS:
            days.setdefault(s.member_id, set()).add(points.local_day(s.started_at))
    totals: dict[tuple[int, dt.date], int] = {}
    if not days:
        return totals
    with session.no_autoflush:
        rows = session.execute(
            select(StudySpan.member_id, StudySpan.day, func.coalesce(func.sum(StudySpan.active_seconds), 0))
            .join(Item, Item.id == StudySpan.item_id)
            .where(StudySpan.member_id.in_(days), StudySpan.day.in_(set().union(*days.values())),
                   Item.kind.in_(WATCHING_KINDS))
            .group_by(StudySpan.member_id, StudySpan.day))
        for member_id, day, seconds in rows:
            if day in days[member_id]:
                totals[(member_id, day)] = int(seconds or 0)
    # The batch's spans were added (not yet flushed), so the read above did not see them.
    for s in spans:
        if s.member_id is not None and items[s.item_id].kind in WATCHING_KINDS:
            key = (s.member_id, points.local_day(s.started_at))
            totals[key] = totals.get(key, 0) + s.active_seconds
    return totals


def _award(
    session: Session, member_id: int, spans: Sequence[SpanIn], items: Mapping[int, Item],
    records: Mapping[tuple[int, int], StudyRecord], watched: Mapping[tuple[int, dt.date], int],
) -> int:
    """Apply the reading and watching rules to what these spans changed; return the points given."""
    given = 0
    reading = points.get_rule(session, points.ARTICLE_READ)
    watching = points.get_rule(session, points.VIDEO_WATCH)
    for item_id in sorted({s.item_id for s in spans}):
        item = items[item_id]
        if item.kind not in READING_KINDS:
            continue
        total = records[(member_id, item_id)].active_seconds
        if total >= reading.threshold_seconds:
            day = points.local_day(max(s.ended_at for s in spans if s.item_id == item_id))
            entry = points.award(session, member_id, points.ARTICLE_READ, ref=f"item:{item_id}", day=day,
                                 reason=_("阅读《{title}》").format(title=item.title), rule=reading)
            given += entry.points if entry else 0
    watch_days = {points.local_day(s.started_at) for s in spans if items[s.item_id].kind in WATCHING_KINDS}
    for day in sorted(watch_days):
        seconds = watched.get((member_id, day), 0)
        units = seconds // max(1, watching.threshold_seconds)
        for unit in range(1, units + 1):
            entry = points.award(session, member_id, points.VIDEO_WATCH, ref=f"{day.isoformat()}#{unit}",
                                 day=day, reason=_("视听学习累计 {m} 分钟").format(
                                     m=unit * watching.threshold_seconds // 60), rule=watching)
            if entry is None and watching.daily_cap and \
                    points.awarded_today(session, member_id, points.VIDEO_WATCH, day) >= watching.daily_cap:
                break
            given += entry.points if entry else 0
    return given


@dataclass(frozen=True, slots=True)
class Summary:
    member_id: int
    name: str
    branch: str
    minutes_today: int
    minutes_week: int
    minutes_total: int
    items_studied: int
    items_completed: int
    points: points.Totals
    recent: list[dict[str, Any]]
    recent_points: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        p = self.points
        return {"member": {"id": self.member_id, "name": self.name, "branch": self.branch},
                "minutes": {"today": self.minutes_today, "week": self.minutes_week, "total": self.minutes_total},
                "items_studied": self.items_studied, "items_completed": self.items_completed,
                "points": {"today": p.today, "week": p.week, "month": p.month, "year": p.year, "total": p.total},
                "recent": self.recent, "recent_points": self.recent_points}


def summary(session: Session, member: Member, *, today: dt.date | None = None) -> Summary:
    """What a member sees of their own study: minutes, items, points and what they studied last."""
    today = today or points.local_day(dt.datetime.now(dt.UTC))
    week_start = today - dt.timedelta(days=today.weekday())

    def seconds_since(start: dt.date | None) -> int:
        query = select(func.coalesce(func.sum(StudySpan.active_seconds), 0)).where(
            StudySpan.member_id == member.id)
        if start is not None:
            query = query.where(StudySpan.day >= start)
        return int(session.scalar(query) or 0)

    counts = session.execute(
        select(func.count(StudyRecord.id), func.count(StudyRecord.completed_at))
        .where(StudyRecord.member_id == member.id)).one()
    rows = session.execute(
        select(StudyRecord, Item.title, Item.kind).join(Item, Item.id == StudyRecord.item_id)
        .where(StudyRecord.member_id == member.id)
        .order_by(StudyRecord.last_at.desc()).limit(10)).all()
    recent = [{"item_id": r.item_id, "title": title, "kind": str(kind), "progress": round(r.progress, 3),
               "completed": r.completed, "minutes": r.active_seconds // 60, "position": r.position,
               "last_at": r.last_at.isoformat()} for r, title, kind in rows]
    entries = [{"points": e.points, "reason": e.reason, "day": e.day.isoformat(), "at": e.at.isoformat()}
               for e in points.recent_entries(session, member.id)]
    return Summary(member.id, member.name, member.branch.name if member.branch else "",
                   seconds_since(today) // 60, seconds_since(week_start) // 60, seconds_since(None) // 60,
                   int(counts[0]), int(counts[1]), points.totals(session, member.id, today=today),
                   recent, entries)


def progress_of(session: Session, member_id: int, item_ids: Sequence[int]) -> dict[int, StudyRecord]:
    if not item_ids:
        return {}
    return {r.item_id: r for r in session.scalars(select(StudyRecord).where(
        StudyRecord.member_id == member_id, StudyRecord.item_id.in_(item_ids)))}
