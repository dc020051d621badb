"""Timed jobs: a worker that runs each registered job about once a second, once across all processes.

A job is ``fn(session) -> int`` (how many things it changed); the runner commits after each job, so
a job's events go out with its commit. A failing job is logged and retried next tick.

Every server process runs this worker, and each job runs under its own lease (``job:<name>``,
``leases.py``): the process holding it runs the job, the others skip it. A dead holder's jobs are
taken over once its leases lapse (``LEASE_SECONDS``). So a scheduled announcement goes live once and a
QR window is announced once, however many processes there are; with one process nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from screen_server.config import Settings
from screen_server.leases import Leases, MemoryLeases, MemoryMap, SharedMap, new_owner
from screen_server.workers import Worker

log = logging.getLogger(__name__)
LEASE_SECONDS = 5.0
Job = Callable[[Session], int]


class Jobs(Worker):
    name = "jobs"

    def __init__(self, session_factory: sessionmaker[Session], interval: float = 1.0, *,
                 leases: Leases | None = None, owner: str = "") -> None:
        super().__init__()
        self._session_factory = session_factory
        self._interval = interval
        self._jobs: list[tuple[str, Job]] = []
        self.leases: Leases = leases if leases is not None else MemoryLeases()
        self.owner = owner or new_owner("jobs")

    def register(self, job: Job, name: str = "") -> None:
        self._jobs.append((name or getattr(job, "__name__", type(job).__name__), job))

    def run_once(self) -> int:
        """Run each job whose lease this process holds (or takes); return how many things changed."""
        changed = 0
        for name, job in self._jobs:
            try:
                if not self.leases.hold(f"job:{name}", self.owner, LEASE_SECONDS):
                    continue
            except Exception:  # the lease store is away: run nothing rather than run twice
                log.exception("job %s: no lease", name)
                continue
            with self._session_factory() as session:
                try:
                    changed += job(session)
                    session.commit()
                except Exception:
                    session.rollback()
                    log.exception("job %s failed", name)
        return changed

    def run(self) -> None:
        while not self.sleep(self._interval):
            self.run_once()

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        for name, _job in self._jobs:  # let another process take over at once
            try:
                self.leases.release(f"job:{name}", self.owner)
            except Exception:
                log.warning("job %s: lease not released", name)


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


def close_expired_attempts(session: Session) -> int:
    """Close and score the formal tests' attempts whose time is up (also done on a request touching one)."""
    from screen_server.exams.services import close_expired

    return close_expired(session)


def default_jobs(settings: Settings, session_factory: sessionmaker[Session], *, leases: Leases | None = None,
                 shared: SharedMap | None = None, owner: str = "") -> Jobs:
    from screen_server.alerts.services import AlertWatcher
    from screen_server.announcements import services as announcements
    from screen_server.identity.housekeeping import Housekeeping
    from screen_server.meetings.services import SignInWatcher

    jobs = Jobs(session_factory, leases=leases, owner=owner)
    jobs.register(announcements.run_due, "announcements")
    jobs.register(SignInWatcher(settings, shared if shared is not None else MemoryMap()), "signin-watcher")
    jobs.register(publish_scheduled_content, "content")
    jobs.register(AlertWatcher(), "alerts")
    jobs.register(close_expired_attempts, "exams")
    jobs.register(Housekeeping(settings), "housekeeping")
    return jobs
