"""The activity figures the big screen and the admin's statistics page show: people in the room, study
minutes and learners, sign-ins, contest players and attendance by branch, top learners, points by branch
— for today, this week and this month (or any days ``first``–``last``) — and a daily trend.

Every figure is an aggregate query over indexed columns (``study_spans.day``, ``points_entries.day``,
``attendances.signed_at``), so recomputing all panels stays cheap with a year of records. Names are
masked on public screens by the room's setting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, distinct, func, select, union
from sqlalchemy.orm import Session

from screen_server.contests.models import Contest, ContestPlayer
from screen_server.meetings.models import Attendance, Meeting, meeting_branches, meeting_expected
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Branch, Member
from screen_server.org.services import mask_name
from screen_server.points import leaderboard
from screen_server.points.models import PointsEntry
from screen_server.points.services import local_day
from screen_server.study.models import StudySpan

TREND_DAYS = 14
PERIODS = ("today", "week", "month")


def period_range(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last local day of ``period`` (inclusive)."""
    if period == "today":
        return today, today
    if period == "week":
        return today - dt.timedelta(days=today.weekday()), today
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    raise ValueError(period)


def _days(period: str, today: dt.date | None, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """``first``–``last`` when both are given, else the days of ``period`` up to ``today``."""
    if first is not None and last is not None:
        return first, last
    return period_range(period, today or local_day(dt.datetime.now(dt.UTC)))


def _utc_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    return start, end


def _branch_filter(query: Any, member_col: Any, branch_id: int | None) -> Any:
    if branch_id is None:
        return query
    return query.where(member_col.in_(select(Member.id).where(Member.branch_id == branch_id)))


def figures(session: Session, period: str = "today", *, today: dt.date | None = None, branch_id: int | None = None,
            first: dt.date | None = None, last: dt.date | None = None) -> dict[str, Any]:
    """Headline numbers for one period (or the days ``first``–``last``, both included): people, sign-ins,
    study minutes, learners, points, and contest players (members who played in a contest that
    started in those days, each counted once)."""
    first, last = _days(period, today, first, last)
    start, end = _utc_bounds(first, last)
    spans = _branch_filter(select(StudySpan.member_id).where(StudySpan.day.between(first, last)),
                           StudySpan.member_id, branch_id)
    signed = _branch_filter(
        select(Attendance.member_id).where(Attendance.signed_at >= start, Attendance.signed_at < end),
        Attendance.member_id, branch_id)
    people = session.scalar(select(func.count()).select_from(union(spans, signed).subquery())) or 0
    seconds, learners = session.execute(_branch_filter(
        select(func.coalesce(func.sum(StudySpan.active_seconds), 0), func.count(distinct(StudySpan.member_id)))
        .where(StudySpan.day.between(first, last)), StudySpan.member_id, branch_id)).one()
    signins = session.scalar(_branch_filter(
        select(func.count(Attendance.id)).where(Attendance.signed_at >= start, Attendance.signed_at < end),
        Attendance.member_id, branch_id)) or 0
    points = session.scalar(_branch_filter(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.day.between(first, last)),
        PointsEntry.member_id, branch_id)) or 0
    players = session.scalar(_branch_filter(
        select(func.count(distinct(ContestPlayer.member_id))).join(Contest, Contest.id == ContestPlayer.contest_id)
        .where(Contest.started_at >= start, Contest.started_at < end), ContestPlayer.member_id, branch_id)) or 0
    return {"people": int(people), "signins": int(signins), "study_minutes": int(seconds) // 60,
            "learners": int(learners), "points": int(points), "contest_players": int(players)}


def trend(session: Session, *, today: dt.date | None = None, days: int = TREND_DAYS, branch_id: int | None = None,
          first: dt.date | None = None, last: dt.date | None = None) -> list[dict[str, Any]]:
    """Study minutes and learners per day for the last ``days`` days up to ``today``, or for the days
    ``first``–``last`` (oldest first, gaps as zero)."""
    if first is None or last is None:
        last = today or local_day(dt.datetime.now(dt.UTC))
        first = last - dt.timedelta(days=days - 1)
    rows = session.execute(_branch_filter(
        select(StudySpan.day, func.sum(StudySpan.active_seconds), func.count(distinct(StudySpan.member_id)))
        .where(StudySpan.day.between(first, last)).group_by(StudySpan.day), StudySpan.member_id, branch_id))
    by_day = {day: (int(secs) // 60, int(n)) for day, secs, n in rows}
    out = []
    for i in range((last - first).days + 1):
        day = first + dt.timedelta(days=i)
        minutes, learners = by_day.get(day, (0, 0))
        out.append({"day": day.isoformat(), "label": f"{day.month}/{day.day}", "minutes": minutes,
                    "learners": learners})
    return out


def attendance_by_branch(session: Session, *, first: dt.date, last: dt.date,
                         branch_ids: Iterable[int] | None = None,
                         now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per branch: expected places and attendances at its meetings that started in the period, and the
    rate (present ÷ expected; guests do not count)."""
    start, end = _utc_bounds(first, last)
    held = (select(Meeting.id).where(Meeting.starts_at >= start, Meeting.starts_at < end,
                                     Meeting.cancelled.is_(False), Meeting.starts_at <= (now or dt.datetime.now(dt.UTC))))
    # Places and sign-ins count with the branch they were made in (stored on the row), not the branch the
    # member belongs to today; rows from before that column read the member's branch.
    expected_branch = func.coalesce(meeting_expected.c.branch_id, Member.branch_id)
    present_branch = func.coalesce(Attendance.branch_id, meeting_expected.c.branch_id, Member.branch_id)
    expected: dict[int, int] = dict(session.execute(  # type: ignore[arg-type]
        select(expected_branch, func.count())
        .select_from(meeting_expected).join(Member, Member.id == meeting_expected.c.member_id)
        .where(meeting_expected.c.meeting_id.in_(held)).group_by(expected_branch)).all())
    present: dict[int, int] = dict(session.execute(  # type: ignore[arg-type]
        select(present_branch, func.count())
        .select_from(Attendance).join(Member, Member.id == Attendance.member_id)
        .join(meeting_expected, and_(meeting_expected.c.meeting_id == Attendance.meeting_id,
                                     meeting_expected.c.member_id == Attendance.member_id))
        .where(Attendance.meeting_id.in_(held)).group_by(present_branch)).all())
    meetings: dict[int, int] = dict(session.execute(  # type: ignore[arg-type]
        select(meeting_branches.c.branch_id, func.count(distinct(meeting_branches.c.meeting_id)))
        .where(meeting_branches.c.meeting_id.in_(held)).group_by(meeting_branches.c.branch_id)).all())
    query = select(Branch).order_by(Branch.position, Branch.id)
    if branch_ids is not None:
        query = query.where(Branch.id.in_(list(branch_ids)))
    out = []
    for branch in session.scalars(query):
        exp, pres = int(expected.get(branch.id, 0)), int(present.get(branch.id, 0))
        out.append({"id": branch.id, "name": branch.short_name or branch.name, "meetings": int(meetings.get(branch.id, 0)),
                    "expected": exp, "present": pres, "rate": round(pres / exp, 4) if exp else None})
    return out


def top_learners(session: Session, *, first: dt.date, last: dt.date, limit: int = 5,
                 masked: bool = True, branch_id: int | None = None) -> list[dict[str, Any]]:
    """The members on the roll with the most study minutes from ``first`` to ``last`` (one who left is no
    longer ranked), names masked unless told."""
    query = (select(Member.id, Member.name, Branch.short_name, Branch.name, func.sum(StudySpan.active_seconds))
             .join(StudySpan, StudySpan.member_id == Member.id).join(Branch, Branch.id == Member.branch_id)
             .where(StudySpan.day.between(first, last), Member.active.is_(True))
             .group_by(Member.id, Member.name, Branch.short_name, Branch.name)
             .order_by(func.sum(StudySpan.active_seconds).desc(), Member.id).limit(limit))
    if branch_id is not None:
        query = query.where(Member.branch_id == branch_id)
    return [{"id": mid, "name": mask_name(name) if masked else name, "branch": short or bname,
             "minutes": int(secs) // 60} for mid, name, short, bname, secs in session.execute(query)]


def points_by_branch(session: Session, *, first: dt.date, last: dt.date,
                     branch_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per branch: active members, the points they earned from ``first`` to ``last``, and the average per
    member, best average first with shared ranks — the leaderboard's rule (members without points count as
    0), over any days rather than its fixed periods."""
    totals = (select(PointsEntry.member_id, func.sum(PointsEntry.points).label("points"))
              .where(PointsEntry.day.between(first, last)).group_by(PointsEntry.member_id).subquery())
    query = (select(Branch.id, Branch.short_name, Branch.name, func.count(Member.id),
                    func.coalesce(func.sum(totals.c.points), 0))
             .join(Member, (Member.branch_id == Branch.id) & Member.active.is_(True))
             .outerjoin(totals, totals.c.member_id == Member.id)
             .group_by(Branch.id, Branch.short_name, Branch.name))
    if branch_ids is not None:
        query = query.where(Branch.id.in_(list(branch_ids)))
    rows = sorted(({"id": bid, "name": short or name, "members": int(count), "points": int(total),
                    "average": round(int(total) / count, 1) if count else 0.0}
                   for bid, short, name, count, total in session.execute(query)),
                  key=lambda r: (-r["average"], r["name"]))
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and rows[i - 1]["average"] == row["average"] else i + 1
    return rows


ATTENDANCE_DAYS = 90


def panels(session: Session, *, masked: bool = True, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the stats panels show, in one JSON-ready dict."""
    today = today or local_day(dt.datetime.now(dt.UTC))
    week_first, _ = period_range("week", today)
    return {
        "today": today.isoformat(),
        "figures": {p: figures(session, p, today=today) for p in PERIODS},
        "trend": trend(session, today=today),
        # Rolling, not calendar: on the first of a month the panel still shows how branches are doing.
        "attendance": attendance_by_branch(session, first=today - dt.timedelta(days=ATTENDANCE_DAYS - 1), last=today),
        "top_learners": top_learners(session, first=week_first, last=today, masked=masked),
        "points_by_branch": [r.as_json() for r in leaderboard.branches(session, "month", today=today)],
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def snapshot_part(session: Session, settings: Any, viewer: Any) -> dict[str, Any]:
    """The panels as of now, for a screen that (re)connects."""
    return {"stats": panels(session, masked=settings.mask_names)}
