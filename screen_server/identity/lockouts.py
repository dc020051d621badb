"""Lockouts: five wrong passwords, PINs or codes per account and per client address lock both for
fifteen minutes, across every server process and restart.

The counters live in the database (``attempt_counters``), changed only by single atomic upserts, so
two processes on one SQLite file or one PostgreSQL never lose a count between them. A try is counted
*before* the secret is checked (``begin``): the sixth concurrent guess is refused without an argon2
run, so even a thousand requests spread over two processes get five checks per lock window, and the
lock is a cap on CPU as much as on guessing. A right answer clears the account's counter, never the
address's (or one known PIN would let an address spray guesses at others). While locked, even the
right secret is refused, with the time the lock ends.

Every try is audited in a transaction of its own (a refused request changes nothing else): success,
failure, refusal while locked, and the moment a lock starts. The clock is the runtime's, so tests
move time instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, and_, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from screen_server.audit.services import record_apart
from screen_server.db import UTCDateTime
from screen_server.errors import LockedOut
from screen_server.i18n import _
from screen_server.identity.models import AttemptCounter

LOCAL = ZoneInfo("Asia/Shanghai")
T = cast(Table, AttemptCounter.__table__)


@dataclass(frozen=True)
class Attempt:
    """One counted try: what is being guessed (``kind``), at which account, from which address."""

    kind: str
    account: str
    ip: str
    keys: tuple[str, ...]
    reserved: bool = True  # a check was reserved (``pending``) for each key; False: only the lock is checked


def lock_message(until: dt.datetime, now: dt.datetime) -> str:
    """The Chinese refusal, saying when to try again (Beijing time)."""
    local = until.astimezone(LOCAL)
    when = local.strftime("%H:%M") if local.date() == now.astimezone(LOCAL).date() else local.strftime("%m月%d日 %H:%M")
    return _("错误次数过多，已暂时锁定。请在 {t} 之后再试。").format(t=when)


class Lockouts:
    """The shared attempt store and its audit. One per runtime; safe to use from any thread."""

    def __init__(self, engine: Engine, session_factory: sessionmaker[Session], clock: Callable[[], dt.datetime],
                 *, failures: int = 5, minutes: int = 15) -> None:
        self._engine = engine
        self._session_factory = session_factory
        self._clock = clock
        self.failures = failures
        self.window = dt.timedelta(minutes=minutes)

    def now(self) -> dt.datetime:
        return self._clock()

    # --- the three steps of a try ----------------------------------------------------------------------

    def begin(self, kind: str, account: str, ip: str, *, audit: dict[str, Any], reserve: bool = True) -> Attempt:
        """Reserve one check at ``account`` from ``ip``; refuse it if either is locked or at the limit.

        ``audit`` holds the audit entry's fields (``action`` is the kind's prefix, e.g. ``member.pin``).
        ``reserve=False`` is for a cheap check that many honest people make at once from one address (a
        room of phones behind one Wi-Fi typing the contest code): only a lock refuses it, and only a wrong
        answer counts (``failed``), so a burst of right answers is never held up as "too many at once".

        Raises:
            LockedOut: locked (or the limit's worth of checks are under way); the secret must not be
                checked. The refusal is audited.
        """
        account = (account or "").strip()[:120]
        keys = tuple(k for k in (f"{kind}:acct:{account}" if account else "", f"{kind}:addr:{ip}" if ip else "") if k)
        now = self.now()
        if not reserve:
            until = self._locked_until(keys, now)
            if until is not None:
                self._audit(audit, "refused", result="refused", details={"locked_until": until.isoformat()})
                raise LockedOut(lock_message(until, now), details={"locked_until": until.isoformat()})
            return Attempt(kind, account, ip, keys, reserved=False)
        until, taken = None, []
        for key in keys:
            reserved, locked_until = self._reserve(key, now)
            if reserved:
                taken.append(key)
            elif locked_until is not None:
                until = max(until or locked_until, locked_until)
            else:
                until = until or now
        if len(taken) < len(keys):
            self._release(taken)
            busy = until is None or until <= now
            message = _("尝试过于频繁，请稍后再试。") if busy else lock_message(until or now, now)
            self._audit(audit, "refused", result="refused",
                        details={"locked_until": None if busy else (until or now).isoformat()})
            raise LockedOut(message, details={"locked_until": None if busy else (until or now).isoformat()})
        return Attempt(kind, account, ip, keys)

    def failed(self, attempt: Attempt, *, audit: dict[str, Any]) -> None:
        """Record a wrong secret; the try that reaches the limit starts the lock (audited once)."""
        now = self.now()
        until = now + self.window
        started = []
        over = False
        with self._engine.begin() as conn:
            for key in attempt.keys:
                if attempt.reserved:
                    conn.execute(update(T).where(T.c.key == key).values(
                        count=T.c.count + 1, pending=case((T.c.pending > 0, T.c.pending - 1), else_=0)))
                else:
                    over = not self._count_unreserved(conn, key, now) or over
                res = conn.execute(update(T).where(T.c.key == key, T.c.count >= self.failures,
                                                   or_(T.c.locked_until.is_(None), T.c.locked_until <= now))
                                   .values(locked_until=until))
                if res.rowcount:
                    started.append(key.split(":")[1])
        if over:  # an unreserved try that came back after the limit was reached: answered as locked
            locked_until = self._locked_until(attempt.keys, now) or until
            self._audit(audit, "refused", result="refused", details={"locked_until": locked_until.isoformat()})
            raise LockedOut(lock_message(locked_until, now), details={"locked_until": locked_until.isoformat()})
        self._audit(audit, "failed", result="failed")
        if started:
            self._audit(audit, "locked_out", result="refused",
                        details={"by": started, "locked_until": until.isoformat(), "minutes": self.window.seconds // 60})

    def succeeded(self, attempt: Attempt, *, audit: dict[str, Any] | None = None) -> None:
        """Forget the account's wrong tries (the address keeps its count); audit when ``audit`` is given."""
        if attempt.account:
            with self._engine.begin() as conn:
                conn.execute(delete(T).where(T.c.key == attempt.keys[0],
                                             or_(T.c.locked_until.is_(None), T.c.locked_until <= self.now())))
        if attempt.reserved:
            self._release(attempt.keys[1:] if attempt.account else attempt.keys)
        if audit is not None:
            self._audit(audit, "", result="ok")

    # --- housekeeping -----------------------------------------------------------------------------------

    def clear(self, kind: str, account: str) -> None:
        """Lift an account's lock (an admin who reset a PIN, say); the address's count stays."""
        with self._engine.begin() as conn:
            conn.execute(delete(T).where(T.c.key == f"{kind}:acct:{account}"))

    # --- inside -------------------------------------------------------------------------------------------

    def _reserve(self, key: str, now: dt.datetime) -> tuple[bool, dt.datetime | None]:
        """Take one check for ``key`` unless it is locked or at the limit (a window that has run out
        starts afresh). One conditional UPDATE decides, atomically on both databases.

        Returns whether the check was taken, and the lock's end when the key is locked.
        """
        locked = and_(T.c.locked_until.is_not(None), T.c.locked_until > now)
        expired = or_(T.c.locked_until.is_not(None), T.c.window_started_at <= now - self.window)
        full = T.c.count + T.c.pending >= self.failures
        at = literal(now, UTCDateTime)
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        with self._engine.begin() as conn:
            conn.execute(insert(T).values(key=key, count=0, pending=0, window_started_at=now, locked_until=None)
                         .on_conflict_do_nothing(index_elements=[T.c.key]))
            taken = conn.execute(update(T).where(T.c.key == key, ~locked, or_(expired, ~full)).values(
                count=case((expired, 0), else_=T.c.count),
                pending=case((expired, 1), else_=T.c.pending + 1),
                window_started_at=case((expired, at), else_=T.c.window_started_at),
                locked_until=None,
            )).rowcount
            if taken:
                return True, None
            locked_until = conn.execute(select(T.c.locked_until).where(T.c.key == key)).scalar()
        if locked_until is not None and locked_until.tzinfo is None:
            locked_until = locked_until.replace(tzinfo=dt.UTC)
        return False, locked_until if locked_until is not None and locked_until > now else None

    def _locked_until(self, keys: tuple[str, ...], now: dt.datetime) -> dt.datetime | None:
        with self._engine.connect() as conn:
            ends = [u if u.tzinfo else u.replace(tzinfo=dt.UTC)
                    for u in conn.execute(select(T.c.locked_until).where(T.c.key.in_(keys))).scalars() if u is not None]
        return max((u for u in ends if u > now), default=None)

    def _count_unreserved(self, conn: Any, key: str, now: dt.datetime) -> bool:
        """Count one wrong answer of an unreserved try, starting a fresh window when the last has run out;
        whether it is within the limit (one of the first ``failures``: the rest are answered as locked,
        so exactly that many wrong answers are ever told "wrong", however many were in flight)."""
        locked = and_(T.c.locked_until.is_not(None), T.c.locked_until > now)  # a lock began meanwhile: keep it
        expired = or_(T.c.locked_until.is_not(None), T.c.window_started_at <= now - self.window)
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(T).values(key=key, count=0, pending=0, window_started_at=now, locked_until=None)
                     .on_conflict_do_nothing(index_elements=[T.c.key]))
        counted = conn.execute(update(T).where(T.c.key == key, ~locked).values(
            count=case((expired, 1), else_=T.c.count + 1),
            window_started_at=case((expired, literal(now, UTCDateTime)), else_=T.c.window_started_at),
            locked_until=None)).rowcount
        count = conn.execute(select(T.c.count).where(T.c.key == key)).scalar() or 0
        return bool(counted) and count <= self.failures

    def _release(self, keys: list[str] | tuple[str, ...]) -> None:
        if not keys:
            return
        with self._engine.begin() as conn:
            for key in keys:
                conn.execute(update(T).where(T.c.key == key, T.c.pending > 0).values(pending=T.c.pending - 1))

    def _audit(self, audit: dict[str, Any], suffix: str, *, result: str, details: dict[str, Any] | None = None) -> None:
        fields = dict(audit)
        action = fields.pop("action")
        extra = fields.pop("details", None) or {}
        record_apart(self._session_factory, action=f"{action}_{suffix}" if suffix else action, result=result,
                     details={**extra, **(details or {})}, **fields)
