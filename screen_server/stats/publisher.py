"""Recompute the stats panels when something changes them, and push them to the screens.

The publisher listens to the bus. Study arriving, a sign-in, points awarded: each marks the panels
dirty; its thread recomputes at once (but at most every ``min_interval`` seconds, so a burst of 500
sign-ins becomes a couple of pushes) and publishes one ``stats.updated`` event to every room.

Every process runs a publisher and, with Redis, hears every process's events; only the one holding the
``stats`` lease recomputes (the others drop the change), so each change is computed once and fanned out
through the bus. A holder that dies is replaced at the next change after its lease lapses.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from screen_server import protocol
from screen_server.bus import Bus
from screen_server.config import Settings
from screen_server.leases import Leases, MemoryLeases, new_owner
from screen_server.stats.services import panels
from screen_server.workers import Worker

log = logging.getLogger(__name__)
TRIGGERS = frozenset({protocol.STUDY_RECORDED, protocol.SIGNIN_RECORDED, protocol.POINTS_AWARDED})
LEASE_SECONDS = 10.0


class StatsPublisher(Worker):
    name = "stats"

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session], bus: Bus, *,
                 min_interval: float = 1.0, leases: Leases | None = None, owner: str = "") -> None:
        super().__init__()
        self.settings = settings
        self.session_factory = session_factory
        self.bus = bus
        self.min_interval = min_interval
        self.leases: Leases = leases if leases is not None else MemoryLeases()
        self.owner = owner or new_owner("stats")
        self.latest: dict[str, Any] | None = None
        self._last = 0.0
        bus.subscribe(self._on_event)

    def _on_event(self, event: protocol.Event) -> None:
        if event.type in TRIGGERS:
            self.wake()

    def run(self) -> None:
        while not self.sleep(3600.0):
            wait = self._last + self.min_interval - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)  # a burst of changes becomes one push
                self._wake.clear()
            if self.stopping:
                return
            try:
                if self.leases.hold("stats", self.owner, LEASE_SECONDS):
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
