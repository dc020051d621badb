"""Reminders: a member's upcoming meetings (those they are expected at, not cancelled, not over, starting
within the next days). Read-only; the clock is passed in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from screen_server.meetings.models import Meeting, meeting_expected

DAYS_AHEAD = 14


def upcoming_for_member(session: Session, member_id: int, *, now: dt.datetime, days: int = DAYS_AHEAD,
                        limit: int = 5) -> list[Meeting]:
    return list(session.scalars(
        select(Meeting).join(meeting_expected, meeting_expected.c.meeting_id == Meeting.id)
        .options(selectinload(Meeting.room))
        .where(meeting_expected.c.member_id == member_id, Meeting.cancelled.is_(False), Meeting.ends_at > now,
               Meeting.starts_at < now + dt.timedelta(days=days))
        .order_by(Meeting.starts_at).limit(limit)))
