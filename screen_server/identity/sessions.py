"""Admin sessions kept on the server: the browser holds a random token, the database its SHA-256.

A session ends after ``session_idle_minutes`` without a request, ``session_max_hours`` after sign-in,
at logout, or when its user ends it from the list of their sessions; an ended session's cookie is
refused from then on (a copied cookie replayed after logout gets nothing). Each sign-in makes a new
token, so nothing planted before it survives. ``last_seen_at`` is written at most once a minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.errors import NotFound
from screen_server.i18n import _
from screen_server.identity.models import AdminSession
from screen_server.org.models import User
from screen_server.security import new_token, token_digest

COOKIE = "ar_admin"
TOUCH_EVERY = dt.timedelta(minutes=1)
REAUTH_WINDOW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Limits:
    idle: dt.timedelta
    absolute: dt.timedelta


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def start(session: Session, user: User, *, now: dt.datetime, ip: str = "", user_agent: str = "",
          verified: bool = True) -> tuple[AdminSession, str]:
    """Open a new session for ``user``; return it and the token for the cookie (shown once)."""
    token = new_token()
    row = AdminSession(token_digest=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                       ip=ip[:45], user_agent=(user_agent or "")[:300], verified=verified,
                       reauth_at=now if verified else None)
    session.add(row)
    session.flush()
    return row, token


def load(session: Session, engine: Engine, token: str, *, now: dt.datetime, limits: Limits) -> AdminSession | None:
    """The live session whose token this is, or None (unknown, ended, idle too long or too old).

    A session found too idle or too old is ended on the spot, in a transaction of its own.
    """
    if not token:
        return None
    row = session.scalar(select(AdminSession).where(AdminSession.token_digest == token_digest(token)))
    if row is None or row.ended_at is not None:
        return None
    reason = ""
    if now - _aware(row.last_seen_at) > limits.idle:
        reason = "idle"
    elif now - _aware(row.created_at) > limits.absolute:
        reason = "expired"
    if reason:
        _write(engine, row.id, ended_at=now, end_reason=reason)
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        _write(engine, row.id, last_seen_at=now)
        row.last_seen_at = now
    return row


def _write(engine: Engine, session_id: int, **values: object) -> None:
    """Change a session row at once, apart from the request's unit of work (which may roll back)."""
    table = cast(Table, AdminSession.__table__)
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == session_id, table.c.ended_at.is_(None)).values(**values))


def verify_second_factor(session: Session, row: AdminSession, *, now: dt.datetime) -> None:
    """The user gave their TOTP (or a recovery code) after the password: the session is now whole."""
    row.verified = True
    row.reauth_at = now


def mark_reauth(session: Session, row: AdminSession, *, now: dt.datetime) -> None:
    row.reauth_at = now


def is_recent(row: AdminSession | None, *, now: dt.datetime) -> bool:
    """Whether the password or a TOTP code was typed in this session within the last five minutes."""
    return row is not None and row.reauth_at is not None and now - _aware(row.reauth_at) <= REAUTH_WINDOW


def end(session: Session, row: AdminSession, *, now: dt.datetime, reason: str, ip: str = "") -> None:
    if row.ended_at is None:
        row.ended_at = now
        row.end_reason = reason
        record(session, actor_user_id=row.user_id, action=f"session.{reason}", target_type="session",
               target_id=row.id, ip=ip)


def end_own(session: Session, user: User, session_id: int, *, now: dt.datetime, ip: str = "") -> None:
    """End one of the user's own sessions (from the list)."""
    row = session.get(AdminSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("找不到该会话。"))
    end(session, row, now=now, reason="ended", ip=ip)


def end_all(session: Session, user_id: int, *, now: dt.datetime, reason: str, keep: int | None = None) -> int:
    """End every live session of a user (but ``keep``): a password change, a disabled account."""
    rows = session.scalars(select(AdminSession).where(AdminSession.user_id == user_id,
                                                      AdminSession.ended_at.is_(None))).all()
    ended = 0
    for row in rows:
        if row.id != keep:
            row.ended_at, row.end_reason = now, reason
            ended += 1
    return ended


def live_sessions(session: Session, user: User, *, now: dt.datetime, limits: Limits) -> Sequence[AdminSession]:
    """The user's sessions that still work, newest first."""
    rows = session.scalars(select(AdminSession).where(AdminSession.user_id == user.id,
                                                      AdminSession.ended_at.is_(None))
                           .order_by(AdminSession.created_at.desc())).all()
    return [r for r in rows if now - _aware(r.last_seen_at) <= limits.idle
            and now - _aware(r.created_at) <= limits.absolute]
