"""Listen to a runtime's event bus in a test and wait, with a bound, for an event of some type."""

from __future__ import annotations

import threading
from collections.abc import Callable

from screen_server.bus import Bus
from screen_server.protocol import Event


class EventLog:
    def __init__(self, bus: Bus) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()
        bus.subscribe(self._add)

    def _add(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: str) -> list[Event]:
        with self._cond:
            return [e for e in self.events if e.type == kind]

    def wait(self, kind: str, timeout: float = 5.0, where: Callable[[Event], bool] = lambda _e: True) -> Event:
        """Return the first event of ``kind`` matching ``where``; fail if none arrives within ``timeout``."""
        with self._cond:
            found: list[Event] = []

            def seen() -> bool:
                found[:] = [e for e in self.events if e.type == kind and where(e)]
                return bool(found)

            if not self._cond.wait_for(seen, timeout):
                raise AssertionError(f"no {kind} event within {timeout} s; saw {[e.type for e in self.events]}")
            return found[0]
