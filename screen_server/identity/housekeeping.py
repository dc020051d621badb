"""An hourly job: drop attempt counters whose window and lock have run out, and remove audit rows past
the retention setting (never fewer than 180 days; the chain stays verifiable, see ``audit.services``)."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from screen_server.audit.services import purge_expired
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.identity.models import AttemptCounter


class Housekeeping:
    """``fn(session) -> int`` for ``jobs.Jobs``; does its work at most once per ``every`` seconds."""

    def __init__(self, settings: Settings, every: float = 3600.0) -> None:
        self._settings = settings
        self._every = every
        self._last = -every

    def __call__(self, session: Session) -> int:
        if time.monotonic() - self._last < self._every:
            return 0
        self._last = time.monotonic()
        now = utcnow()
        window = dt.timedelta(minutes=self._settings.lockout_minutes)
        counters = session.execute(delete(AttemptCounter).where(
            AttemptCounter.window_started_at <= now - window,
            or_(AttemptCounter.locked_until.is_(None), AttemptCounter.locked_until <= now))).rowcount  # type: ignore[attr-defined]
        return int(counters or 0) + purge_expired(session, retention_days=self._settings.audit_retention_days, now=now)
