"""What a member sees of their own record, on the phone and at a terminal: the meetings they were
expected at and whether they came, their study, their points, their year's assessment, and the fields
kept about them (decrypted, for the member themselves only), with their correction requests. Reads
only; nothing here changes a row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.assessment.services import member_assessment
from screen_server.db import utcnow
from screen_server.i18n import _
from screen_server.meetings.models import MEETING_TYPE_LABELS, Attendance, Meeting, meeting_expected
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Member
from screen_server.service_window import corrections
from screen_server.study import services as study


def attendance(session: Session, member_id: int, *, now: dt.datetime | None = None, limit: int = 12) -> list[dict[str, Any]]:
    """The member's meetings that have begun (expected at, or attended as a guest), newest first."""
    now = now or utcnow()
    expected = select(meeting_expected.c.meeting_id).where(meeting_expected.c.member_id == member_id)
    came = dict(session.execute(select(Attendance.meeting_id, Attendance.id).where(  # type: ignore[arg-type]
        Attendance.member_id == member_id)).all())
    meetings = session.scalars(select(Meeting).where(
        Meeting.starts_at <= now, Meeting.cancelled.is_(False),
        Meeting.id.in_(expected) | Meeting.id.in_(list(came)))
        .order_by(Meeting.starts_at.desc()).limit(limit))
    return [{"title": m.title, "type": _(MEETING_TYPE_LABELS[m.type]),
             "when": m.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d"), "present": m.id in came}
            for m in meetings]


def own_record(session: Session, member: Member) -> dict[str, Any]:
    """Everything the member's record page shows."""
    summary = study.summary(session, member)
    return {
        "attendance": attendance(session, member.id),
        "study": {"minutes_total": summary.minutes_total, "items": summary.items_studied,
                  "completed": summary.items_completed},
        "points": {"total": summary.points.total, "today": summary.points.today},
        "assessment": member_assessment(session, member.id),
        "fields": [{"key": k, "label": corrections.field_label(k), "value": v}
                   for k, v in corrections.field_values(member).items()],
        "number": member.number,
        "branch": member.branch.name if member.branch else "",
        "corrections": [corrections.correction_data(c) for c in corrections.own_corrections(session, member.id)],
    }
