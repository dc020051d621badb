"""Recompute the stats panels when something changes them, and push them to the screens.

The publisher listens to the bus. Study arriving, a sign-in, points awarded: each marks the panels
dirty; its thread recomputes at once (but at most every ``min_interval`` seconds, so a burst of 500
sign-ins becomes a couple of pushes) and publishes one ``stats.updated`` event to every room. It runs
where the timed jobs run (one process when scaling out); with Redis, it hears every process's events.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from screen_server import protocol
from screen_server.bus import Bus
from screen_server.config import Settings
from screen_server.stats.services import panels

log = logging.getLogger(__name__)
TRIGGERS = frozenset({protocol.STUDY_RECORDED, protocol.SIGNIN_RECORDED, protocol.POINTS_AWARDED})


class StatsPublisher:
    def __init__(self, settings: Settings, session_factory: sessionmaker[Session], bus: Bus, *,
                 min_interval: float = 1.0) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.bus = bus
        self.min_interval = min_interval
        self.latest: dict[str, Any] | None = None
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._last = 0.0
        self._thread: threading.Thread | None = None
        bus.subscribe(self._on_event)

    def _on_event(self, event: protocol.Event) -> None:
        if event.type in TRIGGERS:
            self._dirty.set()

    def start(self) -> StatsPublisher:
        self._thread = threading.Thread(target=self._loop, name="stats", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            wait = self._last + self.min_interval - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            self._dirty.clear()
            try:
                self.publish()
            except Exception:  # the panels keep their last figures; the next event retries
                log.exception("stats not recomputed")

    def publish(self) -> dict[str, Any]:
        """Recompute now and push the panels to every screen; return them."""
        self._last = time.monotonic()
        with self.session_factory() as session:
            data = panels(session, masked=self.settings.mask_names)
        self.latest = data
        self.bus.publish(protocol.Event(protocol.STATS_UPDATED, {"stats": data}))
        return data
