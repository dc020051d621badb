"""The sign-in writer: one thread that records sign-ins in small batches, one commit per batch.

Why: when a meeting starts, dozens of phones sign in within seconds. A threaded WSGI server where every
request commits its own insert contends on the GIL and on SQLite's single writer, and its throughput
collapses as concurrency rises (see shared/BASELINES.md). HTTP threads therefore hand the sign-in to
this writer and wait for its answer; the writer takes whatever has queued (up to ``MAX_BATCH``), runs
``record_sign_in`` for each in one transaction, commits once, and answers them all. Nothing is
acknowledged before its commit, so no acknowledged sign-in is ever lost.

A request whose own check fails (window closed, unknown member) gets its own error without affecting
the batch; if the commit itself fails, each request of the batch is retried alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from screen_server.config import Settings
from screen_server.errors import DomainError
from screen_server.meetings import services
from screen_server.meetings.models import SignInMethod

log = logging.getLogger(__name__)
MAX_BATCH = 128


@dataclass(frozen=True, slots=True)
class SignInAnswer:
    """What the HTTP side needs after the commit (plain values: the session is gone)."""

    created: bool
    message: str
    meeting_id: int
    meeting_title: str
    member_id: int
    member_name: str
    signed_at: str
    late: bool
    guest: bool


@dataclass
class _Job:
    kwargs: dict[str, Any]
    future: Future[SignInAnswer] = field(default_factory=Future)


class SignInWriter:
    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="signin-writer", daemon=True)
                    self._thread.start()

    def submit(self, *, meeting_id: int, member_id: int, method: SignInMethod, client_id: str | None = None,
               device_id: int | None = None) -> Future[SignInAnswer]:
        self._ensure_started()
        job = _Job({"meeting_id": meeting_id, "member_id": member_id, "method": method, "client_id": client_id,
                    "device_id": device_id})
        self._queue.put(job)
        return job.future

    def sign_in(self, timeout: float = 15.0, **kwargs: Any) -> SignInAnswer:
        """Submit and wait for the committed answer (raises the service's DomainError)."""
        return self.submit(**kwargs).result(timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(nxt)
            self._write(batch)

    def _write(self, batch: list[_Job]) -> None:
        answers: list[tuple[_Job, Callable[[], None]]] = []
        try:
            with self._session_factory() as session:
                for job in batch:
                    answers.append((job, self._one(session, job)))
                session.commit()
        except Exception:
            log.exception("a sign-in batch of %d failed to commit; retrying one by one", len(batch))
            if len(batch) > 1:
                for job in batch:
                    self._write([job])
            else:
                batch[0].future.set_exception(RuntimeError("sign-in could not be stored"))
            return
        for _job, resolve in answers:
            resolve()

    def _one(self, session: Session, job: _Job) -> Callable[[], None]:
        """Record one sign-in inside the batch's transaction; return how to answer it after commit."""
        # record_sign_in checks everything before it changes anything, so a refused request leaves
        # nothing behind in the batch's transaction and needs no savepoint.
        try:
            result = services.record_sign_in(session, self._settings, **job.kwargs)
        except DomainError as exc:
            refusal = exc  # the name ``exc`` is unbound once the except block ends
            return lambda: job.future.set_exception(refusal)
        a, m = result.attendance, result.meeting
        answer = SignInAnswer(result.created, result.message, m.id, m.title, a.member.id, a.member.name,
                              a.signed_at.isoformat(), a.late, a.guest)
        return lambda: job.future.set_result(answer)
