"""Awarding points by the admin's rules, with daily caps, and reading a member's totals.

``award`` is the one way points enter the ledger. It is idempotent per (member, rule, ref): the same
study span or sign-in arriving twice awards once, even when two requests race (the unique constraint
decides, inside a savepoint). Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.points.models import PointsEntry, PointsRule, RuleMode

ARTICLE_READ = "article_read"
VIDEO_WATCH = "video_watch"
MEETING_SIGNIN = "meeting_signin"
DAILY_PRACTICE = "daily_practice"
CONTEST = "contest"
EXAM_PASS = "exam_pass"

# key, name, description, mode, points, threshold seconds, daily cap — in the spirit of the well-known
# study apps: reading earns a point per item, watching a point per few minutes, both capped per day.
DEFAULT_RULES: tuple[tuple[str, str, str, RuleMode, int, int, int], ...] = (
    (ARTICLE_READ, "阅读文章", "每篇文章或文件有效阅读满 1 分钟得 1 分，每日上限 6 分", RuleMode.PER_ITEM, 1, 60, 6),
    (VIDEO_WATCH, "视听学习", "视频、音频每累计有效学习 3 分钟得 1 分，每日上限 6 分", RuleMode.PER_DURATION, 1, 180, 6),
    (MEETING_SIGNIN, "参加组织生活", "参加会议并签到，每次得 2 分", RuleMode.PER_EVENT, 2, 0, 0),
    (DAILY_PRACTICE, "每日答题", "完成当天的每日答题得 5 分，每日一次", RuleMode.PER_EVENT, 5, 0, 5),
    (CONTEST, "知识竞赛", "参加一场知识竞赛得 3 分", RuleMode.PER_EVENT, 3, 0, 0),
    (EXAM_PASS, "通过测评", "通过一次正式测评得 5 分，每场测评一次", RuleMode.PER_EVENT, 5, 0, 0),
)
MAX_POINTS = 100
MAX_THRESHOLD_SECONDS = 24 * 3600


def local_day(at: dt.datetime) -> dt.date:
    """The room's calendar day of an instant (points and caps count by it)."""
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ).date()


def ensure_rules(session: Session) -> list[PointsRule]:
    """Create the default rules that are missing (an admin's edits are kept); return all, in order.

    Two sessions may find the same rule missing at once (the sign-in writer and a study request on a
    fresh room): each insert runs in a savepoint and the loser of the race reads the winner's row.
    """
    have = {r.key: r for r in session.scalars(select(PointsRule))}
    for pos, (key, name, desc, mode, points, threshold, cap) in enumerate(DEFAULT_RULES):
        if key in have:
            continue
        rule = PointsRule(key=key, name=name, description=desc, mode=mode, points=points,
                          threshold_seconds=threshold, daily_cap=cap, enabled=True, position=pos)
        try:
            with session.begin_nested():
                session.add(rule)
        except IntegrityError:
            rule = session.get(PointsRule, key, populate_existing=True)  # type: ignore[assignment]
        if rule is not None:
            have[key] = rule
    return sorted(have.values(), key=lambda r: (r.position, r.key))


def get_rule(session: Session, key: str) -> PointsRule:
    rule = session.get(PointsRule, key)
    if rule is None:
        ensure_rules(session)
        rule = session.get(PointsRule, key)
    if rule is None:
        raise NotFound(_("积分规则不存在。"))
    return rule


def update_rule(
    session: Session, key: str, *, points: int, threshold_seconds: int, daily_cap: int, enabled: bool,
    actor_user_id: int | None = None,
) -> PointsRule:
    """Change a rule; the new values apply to what is earned from now on (nothing is recomputed)."""
    rule = get_rule(session, key)
    before = {"points": rule.points, "threshold_seconds": rule.threshold_seconds, "daily_cap": rule.daily_cap,
              "enabled": rule.enabled}
    if not 0 <= points <= MAX_POINTS:
        raise Invalid(_("分值必须在 0 到 {n} 之间。").format(n=MAX_POINTS))
    if not 0 <= daily_cap <= 10 * MAX_POINTS:
        raise Invalid(_("每日上限必须在 0 到 {n} 之间（0 表示不设上限）。").format(n=10 * MAX_POINTS))
    if rule.mode != RuleMode.PER_EVENT and not 1 <= threshold_seconds <= MAX_THRESHOLD_SECONDS:
        raise Invalid(_("学习时长门槛必须在 1 秒到 24 小时之间。"))
    rule.points, rule.daily_cap, rule.enabled = points, daily_cap, enabled
    if rule.mode != RuleMode.PER_EVENT:
        rule.threshold_seconds = threshold_seconds
    record(session, actor_user_id=actor_user_id, action="points.rule_updated", target_type="points_rule",
           target_id=key, details={"before": before, "after": {
               "points": rule.points, "threshold_seconds": rule.threshold_seconds, "daily_cap": rule.daily_cap,
               "enabled": rule.enabled}})
    session.flush()
    return rule


def awarded_today(session: Session, member_id: int, rule_key: str, day: dt.date) -> int:
    return int(session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.member_id == member_id, PointsEntry.rule_key == rule_key, PointsEntry.day == day)
    ) or 0)


def award(
    session: Session,
    member_id: int,
    rule_key: str,
    *,
    ref: str,
    day: dt.date,
    reason: str,
    points: int | None = None,
    rule: PointsRule | None = None,
) -> PointsEntry | None:
    """Award the rule's points (or ``points``) once for ``ref``; None when off, capped or already given."""
    rule = rule or get_rule(session, rule_key)
    if not rule.enabled:
        return None
    amount = rule.points if points is None else points
    if rule.daily_cap:
        amount = min(amount, rule.daily_cap - awarded_today(session, member_id, rule_key, day))
    if amount <= 0:
        return None
    exists = session.scalar(select(PointsEntry.id).where(
        PointsEntry.member_id == member_id, PointsEntry.rule_key == rule_key, PointsEntry.ref == ref))
    if exists is not None:
        return None
    entry = PointsEntry(member_id=member_id, rule_key=rule_key, ref=ref, points=amount, reason=reason, day=day)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # the same award raced in from another request: it counts once
        return None
    return entry


@dataclass(frozen=True, slots=True)
class Award:
    member_id: int
    ref: str
    day: dt.date
    reason: str


def award_many(session: Session, rule: PointsRule, awards: Sequence[Award]) -> list[tuple[int, int]]:
    """``award`` for a batch of one rule (a rush of meeting sign-ins): one query for what was given
    already and one insert that skips any (member, rule, ref) given meanwhile. Rules with a daily cap
    go one by one, since each award changes the next one's room. Returns (member id, points) given."""
    if not rule.enabled or not awards:
        return []
    if rule.daily_cap:
        given = [(a.member_id, e.points) for a in awards
                 if (e := award(session, a.member_id, rule.key, ref=a.ref, day=a.day, reason=a.reason, rule=rule))]
        return given
    conn = session.connection()  # Core, with statements built once: this runs in every sign-in batch
    done = {(int(m), str(r)) for m, r in conn.execute(_GIVEN, {
        "rule_key": rule.key, "member_ids": sorted({a.member_id for a in awards}),
        "refs": sorted({a.ref for a in awards})})}
    fresh: dict[tuple[int, str], dict[str, object]] = {}
    for a in awards:
        if (a.member_id, a.ref) not in done and (a.member_id, a.ref) not in fresh:
            fresh[(a.member_id, a.ref)] = {"member_id": a.member_id, "rule_key": rule.key, "ref": a.ref,
                                           "points": rule.points, "reason": a.reason[:200], "day": a.day,
                                           "at": dt.datetime.now(dt.UTC)}
    if not fresh or rule.points <= 0:
        return []
    insert = _INSERT_NEW_PG if conn.dialect.name == "postgresql" else _INSERT_NEW_SQLITE
    return [(int(m), int(p)) for m, p in conn.execute(insert, list(fresh.values())).all()]


_ENTRIES = cast(Table, PointsEntry.__table__)
_GIVEN = select(_ENTRIES.c.member_id, _ENTRIES.c.ref).where(
    _ENTRIES.c.rule_key == bindparam("rule_key"), _ENTRIES.c.member_id.in_(bindparam("member_ids", expanding=True)),
    _ENTRIES.c.ref.in_(bindparam("refs", expanding=True)))
# One insert that skips any (member, rule, ref) given meanwhile, returning what it did give.
_INSERT_NEW_PG = (pg_insert(_ENTRIES).on_conflict_do_nothing(index_elements=["member_id", "rule_key", "ref"])
                  .returning(_ENTRIES.c.member_id, _ENTRIES.c.points))
_INSERT_NEW_SQLITE = (sqlite_insert(_ENTRIES).on_conflict_do_nothing(index_elements=["member_id", "rule_key", "ref"])
                      .returning(_ENTRIES.c.member_id, _ENTRIES.c.points))


@dataclass(frozen=True, slots=True)
class Totals:
    today: int
    week: int
    month: int
    year: int
    total: int


def totals(session: Session, member_id: int, *, today: dt.date | None = None) -> Totals:
    today = today or local_day(dt.datetime.now(dt.UTC))
    week_start = today - dt.timedelta(days=today.weekday())
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)

    def since(start: dt.date | None) -> int:
        query = select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.member_id == member_id)
        if start is not None:
            query = query.where(PointsEntry.day >= start)
        return int(session.scalar(query) or 0)

    return Totals(since(today), since(week_start), since(month_start), since(year_start), since(None))


def recent_entries(session: Session, member_id: int, limit: int = 10) -> Sequence[PointsEntry]:
    return session.scalars(
        select(PointsEntry).where(PointsEntry.member_id == member_id)
        .order_by(PointsEntry.at.desc(), PointsEntry.id.desc()).limit(limit)
    ).all()
