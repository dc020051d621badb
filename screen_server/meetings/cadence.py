"""三会一课 by cadence: for each branch and each meeting type with a cadence in its template, when the
last one was held, when the next is due, and whether it is overdue or due soon. Read-only; the clock
is passed in (``now``), so a test can stand on any day.

A meeting counts as held when it was not cancelled and has started by ``now``. A 党小组会 of any of the
branch's groups counts for the branch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.meetings.models import MEETING_TYPE_LABELS, Meeting, MeetingType, meeting_branches
from screen_server.meetings.services import LOCAL_TZ
from screen_server.meetings.templates import DEFAULTS, template_of
from screen_server.org.models import Branch

DUE_SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class Due:
    branch_id: int
    branch: str
    type: str
    label: str
    cadence_days: int
    last_held: dt.date | None
    due_on: dt.date  # the last one plus the cadence (today when never held)
    status: str  # overdue | soon | ok

    @property
    def message(self) -> str:
        last = f"上次 {self.last_held.isoformat()}" if self.last_held else "从未召开"
        if self.status == "overdue":
            return f"{self.label}已逾期（{last}，应于 {self.due_on.isoformat()} 前召开，每 {self.cadence_days} 天一次）"
        if self.status == "soon":
            return f"{self.label}即将到期（{last}，应于 {self.due_on.isoformat()} 前召开）"
        return f"{self.label}按期（{last}，下次 {self.due_on.isoformat()} 前）"


def due_meetings(session: Session, branches: Iterable[Branch], *, now: dt.datetime) -> list[Due]:
    """Every (branch, type) with a cadence, overdue first, then due soon, then on time."""
    branches = list(branches)
    today = now.astimezone(LOCAL_TZ).date()
    ids = [b.id for b in branches]
    last: dict[tuple[int, str], dt.datetime] = {}
    if ids:
        for branch_id, mtype, held in session.execute(
            select(meeting_branches.c.branch_id, Meeting.type, func.max(Meeting.starts_at))
            .join(Meeting, Meeting.id == meeting_branches.c.meeting_id)
            .where(Meeting.cancelled.is_(False), Meeting.starts_at <= now, meeting_branches.c.branch_id.in_(ids))
            .group_by(meeting_branches.c.branch_id, Meeting.type)):
            last[(int(branch_id), str(MeetingType(mtype).value))] = held
    out = []
    for t in DEFAULTS:
        template = template_of(session, t)
        cadence = int(template["cadence_days"])
        if cadence <= 0:
            continue
        for b in branches:
            held = last.get((b.id, t.value))
            if held is not None and held.tzinfo is None:
                held = held.replace(tzinfo=dt.UTC)
            held_on = held.astimezone(LOCAL_TZ).date() if held is not None else None
            due_on = held_on + dt.timedelta(days=cadence) if held_on else today
            status = "overdue" if due_on < today or held_on is None else (
                "soon" if (due_on - today).days <= DUE_SOON_DAYS else "ok")
            out.append(Due(b.id, b.short_name or b.name, t.value, MEETING_TYPE_LABELS[t], cadence, held_on, due_on,
                           status))
    order = {"overdue": 0, "soon": 1, "ok": 2}
    return sorted(out, key=lambda d: (order[d.status], d.due_on, d.branch))
