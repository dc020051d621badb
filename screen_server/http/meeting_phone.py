"""A member's upcoming meetings on the phone: ``/m/meetings`` for any remembered phone, and the
``upcoming_meetings(member)`` the member's own page (``/m/me``) lists at its top."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from screen_server.db import utcnow
from screen_server.http.common import db
from screen_server.http.phone import phone_page
from screen_server.http.signin import remembered_member
from screen_server.meetings import reminders
from screen_server.meetings.models import MEETING_TYPE_LABELS
from screen_server.meetings.services import LOCAL_TZ

bp = Blueprint("meeting_phone", __name__)


def _upcoming(member: Any) -> list[dict[str, Any]]:
    if member is None:
        return []
    return [{"title": m.title, "type": MEETING_TYPE_LABELS[m.type],
             "when": m.starts_at.astimezone(LOCAL_TZ).strftime("%m月%d日 %H:%M"),
             "room": m.room.name if m.room else ""}
            for m in reminders.upcoming_for_member(db(), member.id, now=utcnow())]


@bp.app_context_processor
def _reminders() -> dict[str, Any]:
    return {"upcoming_meetings": _upcoming}


@bp.get("/m/meetings")
def meetings_page() -> Response:
    member = remembered_member()
    return phone_page("meetings.html", member=member, upcoming=_upcoming(member))
