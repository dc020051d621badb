"""A hole the route walk found, kept shut: a branch secretary posting to another branch's meeting's
photos is refused by the meeting's scope before anything is said about the upload."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.errors import Invalid, NotFound
from screen_server.meetings import minutes
from screen_server.meetings.models import MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Role
from tests.helpers.factories import make_branch, make_room, make_user


def test_another_branchs_meeting_is_refused_before_the_missing_photo(session: Session, settings: Settings) -> None:
    mine, theirs = make_branch(session, name="一支部"), make_branch(session, name="二支部")
    secretary = make_user(session, Role.SECRETARY, branch_id=mine.id)
    now = utcnow()
    meeting = create_meeting(session, settings, make_user(session, Role.ADMIN, username="boss"), title="二支部大会",
                             type=MeetingType.BRANCH_GENERAL, branch_ids=[theirs.id], room_id=make_room(session).id,
                             starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2))
    with pytest.raises(NotFound):
        minutes.add_photo(session, settings, secretary, meeting.id, None, filename="")
    own = make_user(session, Role.SECRETARY, username="sec2", branch_id=theirs.id)
    with pytest.raises(Invalid, match="请选择要上传的照片"):
        minutes.add_photo(session, settings, own, meeting.id, None, filename="")
