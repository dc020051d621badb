"""Identity tables: attempt counters (lockouts), admin sessions and TOTP recovery codes.

The TOTP secret itself is a column of ``users``; a member's phone generation one of ``members``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class AttemptCounter(Base):
    """Wrong tries for one key (``pin:acct:D0001``, ``pin:addr:10.0.0.7``, …) in the current window.

    ``count`` is the wrong tries, ``pending`` the checks under way: a check is reserved *before* the
    secret is looked at (see ``lockouts``), and refused while the two together reach the limit, so
    two processes can never check more than the limit between them.
    """

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)


class AdminSession(Base):
    """One signed-in browser of an admin user. The cookie holds a random token; this row its SHA-256."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    # False until the second factor is given (only the TOTP page is reachable meanwhile).
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the password or a TOTP code was last typed in this session (exports and role changes ask
    # for it within the last five minutes).
    reauth_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class RecoveryCode(Base):
    """One of a user's ten TOTP recovery codes, argon2-hashed; each works once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
