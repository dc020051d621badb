"""Points for taking part in organisational life: each meeting attended earns the 参加组织生活 rule's
points once (reference ``meeting:<id>``).

``award_attendance`` is an attendance hook (``Runtime.attendance_hooks``): it runs in the transaction
that records the attendance, whether the sign-in writer's batch (one extra query and one insert per
batch, and no second writer fighting it for SQLite's write lock) or a secretary's make-up. The award is
unique per member and meeting, so running it twice (a replay, a second process) gives the points once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.bus import emit
from screen_server.i18n import _
from screen_server.meetings.services import Attended
from screen_server.points import services as points


def award_attendance(session: Session, attended: Sequence[Attended]) -> list[tuple[int, int]]:
    """Award each newly present member once, in the caller's transaction; ``points.awarded`` goes out
    when it commits. Returns (member id, points) given."""
    rule = points.get_rule(session, points.MEETING_SIGNIN)
    awards = [points.Award(a.member_id, f"meeting:{a.meeting_id}", points.local_day(a.meeting_starts_at),
                           _("参加《{t}》").format(t=a.meeting_title)) for a in attended]
    given = points.award_many(session, rule, awards)
    for member_id, amount in given:
        emit(session, protocol.Event(protocol.POINTS_AWARDED, {"member_id": member_id, "points": amount}))
    return given
