"""The study clock: counts the seconds a member is actually studying an item, and cuts them into
spans for the outbox.

Time counts only while the member is active: a touch, a scroll or a page turn within the last
``idle_grace`` seconds, or a video that is playing (its position moving). A stalled video or an idle
page stops the clock. Every ``span_seconds`` of active time (and when the item is closed) the clock
hands a span to ``sink``, each with a fresh id made here, so the server counts it once however many
times it is sent. Plain Python with an injectable clock, so tests can simulate a minute. No Kivy.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

Sink = Callable[[dict[str, Any]], None]
IDLE_GRACE = 30.0
SPAN_SECONDS = 30.0


def new_span_id() -> str:
    return uuid.uuid4().hex


class StudyClock:
    def __init__(
        self,
        sink: Sink,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        idle_grace: float = IDLE_GRACE,
        span_seconds: float = SPAN_SECONDS,
    ) -> None:
        self.sink = sink
        self.monotonic = monotonic
        self.wall = wall
        self.idle_grace = idle_grace
        self.span_seconds = span_seconds
        self.member_id: int | None = None
        self.item_id: int | None = None
        self.position = 0.0
        self.progress = 0.0
        self.completed = False
        self.playing = False
        self.total = 0.0  # active seconds on this item since it was opened
        self._active = 0.0  # active seconds not yet handed out as a span
        self._span_started: dt.datetime | None = None
        self._last_tick = 0.0
        self._last_activity = -1e9

    @property
    def running(self) -> bool:
        return self.member_id is not None and self.item_id is not None

    def open(self, member_id: int | None, item_id: int, *, position: float = 0.0) -> None:
        """Start timing ``item_id`` for ``member_id`` (None: nobody logged in, nothing is recorded)."""
        self.close()
        self.member_id, self.item_id = member_id, item_id
        self.position, self.progress, self.completed, self.playing, self.total = position, 0.0, False, False, 0.0
        now = self.monotonic()
        self._last_tick = self._last_activity = now
        self._span_started = None

    def touch(self) -> None:
        """The member did something: a tap, a scroll, a page turn."""
        self.tick()
        self._last_activity = self.monotonic()

    def report(self, *, position: float | None = None, progress: float | None = None,
               completed: bool | None = None, playing: bool | None = None) -> None:
        """Where the member is in the item; a playing video keeps the clock running without touches."""
        self.tick()
        if position is not None:
            self.position = max(0.0, position)
        if progress is not None:
            self.progress = max(self.progress, min(1.0, max(0.0, progress)))
        if completed:
            self.completed, self.progress = True, 1.0
        if playing is not None:
            self.playing = playing
            if playing:
                self._last_activity = self.monotonic()

    def tick(self) -> None:
        """Add the time since the last tick if the member was active through it; flush full spans."""
        now = self.monotonic()
        elapsed, self._last_tick = max(0.0, now - self._last_tick), now
        if not self.running:
            return
        if self.playing:
            self._last_activity = now
        # Count up to the moment activity lapsed: a page left alone stops the clock after the grace.
        counted = max(0.0, min(elapsed, self._last_activity + self.idle_grace - (now - elapsed)))
        if counted > 0:
            if self._span_started is None:
                self._span_started = self.wall() - dt.timedelta(seconds=counted)
            self._active += counted
            self.total += counted
        if self._active >= self.span_seconds:
            self.flush()

    def flush(self) -> None:
        """Hand what has been counted so far to the sink as one span (nothing if under a second)."""
        if not self.running or self._span_started is None or self._active < 1:
            return
        ended = self.wall()
        started = min(self._span_started, ended - dt.timedelta(seconds=self._active))
        self.sink({
            "id": new_span_id(), "member_id": self.member_id, "item_id": self.item_id,
            "started_at": started.isoformat(), "ended_at": ended.isoformat(),
            "active_seconds": int(round(self._active)), "position": round(self.position, 2),
            "progress": round(self.progress, 4), "completed": self.completed,
        })
        self._active, self._span_started = 0.0, None

    def close(self) -> None:
        """The item was left (or the member logged out): count up to now and flush."""
        if self.running:
            self.tick()
            self.flush()
        # Under a second is not worth a span, and must not carry over to the next item or member.
        self._active, self._span_started = 0.0, None
        self.member_id = self.item_id = None
        self.playing = False
