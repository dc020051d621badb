"""Leaderboards from the points ledger: members and branches, for this week, month, year or all time,
and any member's own rank (even far below the top ten).

Branches are ranked by their members' average, so a small branch can beat a large one. Ties share a
rank (1, 2, 2, 4). Names are masked where the board is shown in public (walls, terminals). Each board
is two aggregate queries, whatever the size of the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.errors import Invalid
from screen_server.i18n import _
from screen_server.org.models import Branch, Member
from screen_server.org.services import mask_name
from screen_server.points.models import PointsEntry
from screen_server.points.services import local_day

PERIODS = ("week", "month", "year", "all")
PERIOD_LABELS = {"week": "本周", "month": "本月", "year": "本年", "all": "累计"}


def period_start(period: str, today: dt.date) -> dt.date | None:
    if period == "week":
        return today - dt.timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    if period == "year":
        return today.replace(month=1, day=1)
    if period == "all":
        return None
    raise Invalid(_("统计周期只能是 week、month、year 或 all。"))


@dataclass(frozen=True, slots=True)
class Row:
    rank: int
    id: int
    name: str
    points: float
    branch: str = ""
    members: int = 0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rank": self.rank, "id": self.id, "name": self.name, "points": self.points}
        if self.branch:
            data["branch"] = self.branch
        if self.members:
            data["members"] = self.members
        return data


def _ranked(rows: list[tuple[int, str, float, str, int]]) -> list[Row]:
    out: list[Row] = []
    for i, (row_id, name, points, branch, members) in enumerate(rows):
        rank = out[-1].rank if out and out[-1].points == points else i + 1
        out.append(Row(rank, row_id, name, points, branch, members))
    return out


def _member_totals(period: str, today: dt.date) -> Any:
    start = period_start(period, today)
    query = select(PointsEntry.member_id, func.sum(PointsEntry.points).label("points")).group_by(
        PointsEntry.member_id)
    if start is not None:
        query = query.where(PointsEntry.day >= start)
    return query.subquery()


def members(session: Session, period: str = "week", *, limit: int = 10, masked: bool = True,
            branch_id: int | None = None, today: dt.date | None = None) -> list[Row]:
    """The top members by points in ``period`` (only members with points appear)."""
    today = today or local_day(dt.datetime.now(dt.UTC))
    totals = _member_totals(period, today)
    query = (select(Member.id, Member.name, totals.c.points, Branch.short_name, Branch.name)
             .join(totals, totals.c.member_id == Member.id).join(Branch, Branch.id == Member.branch_id)
             .where(Member.active.is_(True), totals.c.points > 0)
             .order_by(totals.c.points.desc(), Member.number).limit(max(1, min(limit, 200))))
    if branch_id is not None:
        query = query.where(Member.branch_id == branch_id)
    rows = [(mid, mask_name(name) if masked else name, float(pts), short or bname, 0)
            for mid, name, pts, short, bname in session.execute(query)]
    return _ranked(rows)


def member_rank(session: Session, member_id: int, period: str = "week", *,
                today: dt.date | None = None) -> dict[str, Any]:
    """A member's points in ``period`` and their rank among all active members (1 + those ahead)."""
    today = today or local_day(dt.datetime.now(dt.UTC))
    totals = _member_totals(period, today)
    mine = session.scalar(select(totals.c.points).where(totals.c.member_id == member_id)) or 0
    ahead = session.scalar(
        select(func.count()).select_from(totals).join(Member, Member.id == totals.c.member_id)
        .where(Member.active.is_(True), totals.c.points > mine)) or 0
    everyone = session.scalar(select(func.count(Member.id)).where(Member.active.is_(True))) or 0
    return {"period": period, "points": float(mine), "rank": int(ahead) + 1, "of": int(everyone)}


def branches(session: Session, period: str = "week", *, today: dt.date | None = None) -> list[Row]:
    """Every branch by its members' average points in ``period`` (members without points count as 0)."""
    today = today or local_day(dt.datetime.now(dt.UTC))
    totals = _member_totals(period, today)
    query = (select(Branch.id, Branch.short_name, Branch.name, func.count(Member.id),
                    func.coalesce(func.sum(totals.c.points), 0))
             .join(Member, (Member.branch_id == Branch.id) & Member.active.is_(True))
             .outerjoin(totals, totals.c.member_id == Member.id)
             .group_by(Branch.id, Branch.short_name, Branch.name))
    rows = [(bid, short or name, round(float(total) / count, 1) if count else 0.0, "", int(count))
            for bid, short, name, count, total in session.execute(query)]
    rows.sort(key=lambda r: (-r[2], r[1]))
    return _ranked(rows)


def board(session: Session, period: str = "week", *, masked: bool = True, limit: int = 10) -> dict[str, Any]:
    """What a screen shows: the top members and all branches, with the period's label."""
    period_start(period, dt.date.today())  # validates the period
    return {"period": period, "label": PERIOD_LABELS[period],
            "members": [r.as_json() for r in members(session, period, limit=limit, masked=masked)],
            "branches": [r.as_json() for r in branches(session, period)]}
