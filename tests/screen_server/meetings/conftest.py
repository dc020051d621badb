from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.meetings.models import Meeting, MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Member, Role, User
from tests.helpers.factories import make_branch, make_member, make_room, make_user


@dataclass
class OpenMeeting:
    meeting: Meeting
    admin: User
    secretary: User
    members: list[Member]
    outsider: Member  # a member of another branch: a guest if they come
    room_id: int


@pytest.fixture
def open_meeting(session: Session, settings: Settings) -> OpenMeeting:
    """A meeting of one branch (5 members) whose sign-in is open now; it starts in 10 minutes."""
    branch, other = make_branch(session), make_branch(session)
    members = [make_member(session, branch_id=branch.id) for _ in range(5)]
    outsider = make_member(session, branch_id=other.id)
    admin = make_user(session, Role.ADMIN)
    secretary = make_user(session, Role.SECRETARY, branch_id=branch.id)
    room = make_room(session)
    now = dt.datetime.now(dt.UTC)
    meeting = create_meeting(
        session, settings, secretary, title="支部党员大会", type=MeetingType.BRANCH_GENERAL, branch_ids=[branch.id],
        room_id=room.id, starts_at=now + dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=2),
        signin_opens_at=now - dt.timedelta(minutes=1),
    )
    session.commit()
    return OpenMeeting(meeting, admin, secretary, members, outsider, room.id)
