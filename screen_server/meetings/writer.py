"""The sign-in writer: one thread that records sign-ins in small batches, one commit per batch.

Why: when a meeting starts, dozens of phones sign in within seconds. A threaded WSGI server where every
request commits its own insert contends on the GIL and on SQLite's single writer, and its throughput
collapses as concurrency rises (see shared/BASELINES.md). HTTP threads therefore hand the sign-in to
this writer and wait for its answer; the writer takes whatever has queued (up to ``MAX_BATCH``), records
the batch in one transaction, commits once, and answers them all. Nothing is acknowledged before its
commit, so no acknowledged sign-in is ever lost.

The batch is recorded by ``signins.record_sign_ins``, which reads what it needs for all of it in a
few queries (not several per sign-in). A request whose own check fails (window closed, unknown
member) gets its own error without affecting the batch; the attendance hooks (points) run in the same
transaction; if the commit itself fails, each request of the batch is retried alone.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from screen_server.batching import take_batch
from screen_server.config import Settings
from screen_server.errors import DomainError, StorageFull, is_disk_full
from screen_server.meetings.models import SignInMethod
from screen_server.meetings.services import AttendedHook, run_attended_hooks
from screen_server.meetings.signins import SignInAnswer, record_sign_ins

__all__ = ["SignInAnswer", "SignInWriter"]

log = logging.getLogger(__name__)
LINGER_SECONDS = 0.003  # a lone sign-in waits this much longer; a rush shares a commit
MAX_BATCH = 128


@dataclass
class _Job:
    kwargs: dict[str, Any]
    future: Future[SignInAnswer] = field(default_factory=Future)


class SignInWriter:
    def __init__(self, settings: Settings, session_factory: sessionmaker[Session],
                 hooks: Sequence[AttendedHook] = ()) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Run inside each batch's transaction with who is newly present, e.g. to award points in the same
        # commit (one writer for SQLite's single write lock); a failing hook is logged and rolled back to
        # its savepoint, never losing the sign-ins.
        self.hooks = hooks
        self.busy_since: float | None = None  # monotonic start of the batch being written (the watchdog)

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="signin-writer", daemon=True)
                    self._thread.start()

    def submit(self, *, meeting_id: int, member_id: int, method: SignInMethod, client_id: str | None = None,
               device_id: int | None = None, pin_fingerprint: str | None = None) -> Future[SignInAnswer]:
        """``pin_fingerprint``: a phone's cookie claim, checked against the member's PIN in the batch."""
        self._ensure_started()
        job = _Job({"meeting_id": meeting_id, "member_id": member_id, "method": method, "client_id": client_id,
                    "device_id": device_id, "pin_fingerprint": pin_fingerprint})
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
            batch = take_batch(self._queue, first, MAX_BATCH, LINGER_SECONDS)
            self.busy_since = time.monotonic()
            try:
                self._write(batch)
            finally:
                self.busy_since = None

    def is_stalled(self, limit: float) -> bool:
        """Whether the writer died, or has been inside one batch for more than ``limit`` seconds."""
        if self._thread is None:
            return False  # not needed yet: started by the first sign-in
        busy = self.busy_since
        return not self._thread.is_alive() or (busy is not None and time.monotonic() - busy > limit)

    def _write(self, batch: list[_Job]) -> None:
        try:
            with self._session_factory() as session:
                done = record_sign_ins(session, self._settings, [job.kwargs for job in batch])
                run_attended_hooks(session, self.hooks, done.attended)
                session.commit()
        except Exception as exc:
            if is_disk_full(exc):  # one by one would fail the same way; refuse the batch plainly
                log.error("disk full: a sign-in batch of %d was refused", len(batch))
                for job in batch:
                    job.future.set_exception(StorageFull())
                return
            log.exception("a sign-in batch of %d failed to commit; retrying one by one", len(batch))
            if len(batch) > 1:
                for job in batch:
                    self._write([job])
            else:
                batch[0].future.set_exception(RuntimeError("sign-in could not be stored"))
            return
        for job, answer in zip(batch, done.answers, strict=True):  # only now, after the commit
            if isinstance(answer, DomainError):
                job.future.set_exception(answer)
            else:
                job.future.set_result(answer)
