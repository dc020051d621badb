"""Holes the route walk found in the offline endpoints, kept shut: a wall never gets the PIN cache, and a
queued sign-in counts only from a terminal, for a meeting in that terminal's own room (another room's
meeting becomes a conflict for the admin, never an attendance)."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.devices.models import DeviceRole
from screen_server.meetings.models import Attendance, MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.offline.models import OfflineConflict
from screen_server.org.models import Role
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_wall_gets_no_pin_hashes(client: FlaskClient, session: Session) -> None:
    make_member(session, branch_id=make_branch(session).id)
    room = make_room(session)
    _wall, wall_token = make_device(session, DeviceRole.WALL, room_id=room.id)
    _terminal, terminal_token = make_device(session, DeviceRole.TERMINAL, room_id=room.id)
    session.commit()
    refused = client.get("/api/device/offline/pins", headers=_bearer(wall_token))
    assert refused.status_code == 403 and "pin_hash" not in refused.get_data(as_text=True)
    given = client.get("/api/device/offline/pins", headers=_bearer(terminal_token))
    assert given.status_code == 200 and given.get_json()["members"][0]["pin_hash"]


def test_queued_sign_ins_only_from_a_terminal_of_the_meetings_room(client: FlaskClient, session: Session,
                                                                   settings: Settings) -> None:
    branch = make_branch(session)
    member = make_member(session, branch_id=branch.id)
    here, there = make_room(session), make_room(session, name="二楼活动室", slug="upstairs")
    _wall, wall_token = make_device(session, DeviceRole.WALL, room_id=there.id)
    _terminal, terminal_token = make_device(session, DeviceRole.TERMINAL, room_id=here.id)
    now = utcnow()
    meeting = create_meeting(session, settings, make_user(session, Role.ADMIN), title="二楼支部党员大会",
                             type=MeetingType.BRANCH_GENERAL, branch_ids=[branch.id], room_id=there.id,
                             starts_at=now + dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=1),
                             signin_opens_at=now - dt.timedelta(minutes=5))
    session.commit()
    body = {"meeting_id": meeting.id, "member_id": member.id, "device_clock": now.isoformat(), "clock_offset_s": 0}

    by_wall = client.post("/api/device/offline/signins", headers=_bearer(wall_token), json={**body, "client_id": "w-1"})
    assert by_wall.status_code == 403
    elsewhere = client.post("/api/device/offline/signins", headers=_bearer(terminal_token),
                            json={**body, "client_id": "t-1"})
    assert elsewhere.status_code == 200 and "本活动室" in elsewhere.get_json()["conflict"]["reason"]

    session.expire_all()
    assert session.scalar(select(func.count(Attendance.id)).where(Attendance.meeting_id == meeting.id)) == 0
    assert [c.client_id for c in session.scalars(select(OfflineConflict))] == ["t-1"]
