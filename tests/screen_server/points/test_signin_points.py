"""A meeting sign-in earns the 参加组织生活 points once, in the sign-in's own transaction, however often
the award is run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.meetings.models import Meeting, SignInMethod
from screen_server.meetings.services import Attended
from screen_server.points.models import PointsEntry
from screen_server.points.signin import award_attendance
from screen_server.runner import RoomServer
from tests.helpers.events import EventLog
from tests.kiosk.signin_room import seed_room


def test_sign_in_earns_points_once(server: RoomServer, session: Session) -> None:
    seeded = seed_room(server, branch_sizes=(2,))
    member_id = seeded.branches["第1支部"][0][0]
    log = EventLog(server.runtime.bus)
    answer = server.runtime.signin_writer.sign_in(meeting_id=seeded.meeting_id, member_id=member_id,
                                                  method=SignInMethod.TERMINAL, client_id="pts-1")
    assert answer.created
    awarded = log.wait(protocol.POINTS_AWARDED)
    assert awarded.payload == {"member_id": member_id, "points": 2}
    meeting = session.get(Meeting, seeded.meeting_id)
    assert meeting is not None
    title = meeting.title
    with server.runtime.session_factory() as other:  # e.g. a second process, or a replay
        assert award_attendance(other, [Attended(meeting.id, member_id, title, meeting.starts_at)]) == []
        other.commit()
    entries = session.scalars(select(PointsEntry).where(PointsEntry.member_id == member_id)).all()
    assert [(e.rule_key, e.points, e.reason) for e in entries] == [("meeting_signin", 2, f"参加《{title}》")]
