"""Timed jobs: a background thread that runs each registered job about once a second.

A job is ``fn(session) -> int`` (how many things it changed); the runner commits after each job, so
a job's events go out with its commit. A failing job is logged and retried next tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from screen_server.config import Settings

log = logging.getLogger(__name__)
Job = Callable[[Session], int]


class Jobs:
    def __init__(self, session_factory: sessionmaker[Session], interval: float = 1.0) -> None:
        self._session_factory = session_factory
        self._interval = interval
        self._jobs: list[Job] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, job: Job) -> None:
        self._jobs.append(job)

    def run_once(self) -> int:
        changed = 0
        for job in self._jobs:
            with self._session_factory() as session:
                try:
                    changed += job(session)
                    session.commit()
                except Exception:
                    session.rollback()
                    log.exception("job %s failed", getattr(job, "__name__", job))
        return changed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def publish_scheduled_content(session: Session) -> int:
    """Publish and withdraw learning items on schedule, and tell the screens to refetch."""
    from content.services import publish_due
    from screen_server import protocol
    from screen_server.bus import emit

    published, withdrawn = publish_due(session)
    if published or withdrawn:
        emit(session, protocol.Event(protocol.CONTENT_CHANGED, {"published": [i.id for i in published],
                                                                "withdrawn": [i.id for i in withdrawn]}))
    return len(published) + len(withdrawn)


def default_jobs(settings: Settings, session_factory: sessionmaker[Session]) -> Jobs:
    from screen_server.alerts.services import AlertWatcher
    from screen_server.announcements import services as announcements
    from screen_server.identity.housekeeping import Housekeeping
    from screen_server.meetings.services import SignInWatcher

    jobs = Jobs(session_factory)
    jobs.register(announcements.run_due)
    jobs.register(SignInWatcher(settings))
    jobs.register(publish_scheduled_content)
    jobs.register(AlertWatcher())
    jobs.register(Housekeeping(settings))
    return jobs
