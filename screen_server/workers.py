"""One convention for the server's background threads: ``start()``, ``stop()`` (ask, wake, join).

A ``Worker`` owns one named daemon thread that runs ``run()`` until ``stopping`` is set. Only the
server runner (``runner.RoomServer``) starts workers; building a ``Runtime`` starts none, so CLI commands
and tests that only need the database start no thread. (The writer threads, which exist to serialise
commits, start on their first piece of work and stop through their queue.)
"""

from __future__ import annotations

import threading
from typing import Self


class Worker:
    """A background loop with a stop event; subclasses implement ``run`` and wait with ``sleep``."""

    name = "worker"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Cut the current ``sleep`` short (new work arrived)."""
        self._wake.set()

    def sleep(self, seconds: float) -> bool:
        """Wait up to ``seconds`` or until woken; return True when the worker should stop."""
        self._wake.wait(max(0.0, seconds))
        self._wake.clear()
        return self._stop.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError
