"""Points for taking part in organisational life: each meeting sign-in earns the 参加组织生活 rule's
points once (reference ``meeting:<id>``).

The sign-in writer awards them in its own batch transaction (``award_in`` is its hook: one extra
query and one insert per batch, and no second writer fighting it for SQLite's write lock). Sign-ins
recorded elsewhere (a secretary's make-up, a terminal) reach this listener as ``signin.recorded`` on
the bus and are awarded in its own thread; for the writer's, it finds them awarded already. The award
is unique per member and meeting, so hearing an event twice (several processes behind Redis, a
replay) gives the points once.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading

from sqlalchemy.orm import Session, sessionmaker

from screen_server import protocol
from screen_server.batching import take_batch
from screen_server.bus import Bus, emit
from screen_server.i18n import _
from screen_server.meetings.models import Meeting
from screen_server.points import services as points

log = logging.getLogger(__name__)


class SignInPoints:
    def __init__(self, session_factory: sessionmaker[Session], bus: Bus) -> None:
        self._session_factory = session_factory
        self._bus = bus
        self._queue: queue.Queue[tuple[int, int] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="signin-points", daemon=True)
        bus.subscribe(self._on_event)

    def start(self) -> SignInPoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _on_event(self, event: protocol.Event) -> None:
        if event.type == protocol.SIGNIN_RECORDED:
            member_id = (event.payload.get("attendee") or {}).get("member_id")
            if isinstance(member_id, int) and isinstance(event.payload.get("meeting_id"), int):
                self._queue.put((int(event.payload["meeting_id"]), member_id))

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = take_batch(self._queue, first, 500)  # a meeting's rush: one transaction for all
            try:
                self.award_all(batch)
            except Exception:  # the next sign-in of this member at this meeting is a no-op anyway
                log.exception("sign-in points not awarded for %d sign-in(s)", len(batch))

    def award(self, meeting_id: int, member_id: int) -> int:
        return self.award_all([(meeting_id, member_id)])

    def award_all(self, pairs: list[tuple[int, int]]) -> int:
        """Award each (meeting, member) once, in one transaction; return the points given."""
        with self._session_factory() as session:
            given = self.award_in(session, pairs)
            session.commit()
        return sum(amount for _m, amount in given)

    def award_in(self, session: Session, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Award in the caller's transaction (the sign-in writer's, so that SQLite's one write lock is
        never fought over); ``points.awarded`` goes out when that transaction commits."""
        rule = points.get_rule(session, points.MEETING_SIGNIN)
        # the writer's session has these meetings already: session.get answers from its identity map
        meetings = {mid: m for mid in {p[0] for p in pairs} if (m := session.get(Meeting, mid)) is not None}
        awards = [points.Award(member_id, f"meeting:{meeting_id}",
                               points.local_day(meetings[meeting_id].starts_at or dt.datetime.now(dt.UTC)),
                               _("参加《{t}》").format(t=meetings[meeting_id].title))
                  for meeting_id, member_id in pairs if meeting_id in meetings]
        given = points.award_many(session, rule, awards)
        for member_id, amount in given:
            emit(session, protocol.Event(protocol.POINTS_AWARDED, {"member_id": member_id, "points": amount}))
        return given
