"""A clock tests move by hand (``runtime.clock = clock``): lockouts and admin sessions read it."""

from __future__ import annotations

import datetime as dt


class Clock:
    def __init__(self, at: dt.datetime | None = None) -> None:
        self.at = at or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)
