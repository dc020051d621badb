"""The contest answer writer: one thread inserting queued answers in batches, one commit per batch.
An answer is acknowledged to its player only once its batch is committed (``engine.ContestEngine.answer``)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from screen_server.batching import take_batch
from screen_server.contests.models import ContestAnswer

log = logging.getLogger(__name__)
BATCH = 500


class AnswerWriter:
    """One thread inserting queued answers in batches, one commit per batch, then resolving each future.

    It starts with the first answer and stops through its queue (``close``)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._queue: queue.Queue[tuple[dict[str, Any], Future[None]] | None] = queue.Queue()
        self.busy_since: float | None = None  # monotonic start of the batch being written (the watchdog)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def write(self, row: dict[str, Any]) -> Future[None]:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="contest-writer", daemon=True)
                    self._thread.start()
        future: Future[None] = Future()
        self._queue.put((row, future))
        return future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = take_batch(self._queue, first, BATCH)
            self.busy_since = time.monotonic()
            try:
                with self._session_factory() as session:
                    session.execute(insert(ContestAnswer), [row for row, _f in batch])
                    session.commit()
            except Exception as exc:  # every answer of the batch is refused (and its points taken back)
                log.exception("contest answers not stored")
                for _row, future in batch:
                    future.set_exception(exc)
            else:
                for _row, future in batch:
                    future.set_result(None)
            finally:
                self.busy_since = None

    def is_stalled(self, limit: float) -> bool:
        """Whether the writer died, or has been inside one batch for more than ``limit`` seconds."""
        busy = self.busy_since
        dead = self._thread is not None and not self._thread.is_alive()
        return dead or (busy is not None and time.monotonic() - busy > limit)
