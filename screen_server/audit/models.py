"""Audit entries: append-only, and chained.

Each row carries ``seq`` (its place in the chain), ``prev_hash`` (the previous row's ``row_hash``) and
``row_hash`` (SHA-256 over its own fields and ``prev_hash``), written by ``audit.chain`` when the
transaction that added it commits. Editing or deleting a row breaks the chain at that row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(50), default="")  # kept if the user is deleted
    action: Mapped[str] = mapped_column(String(60), index=True)  # e.g. "member.import", "device.approve"
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
    # "ok", "failed" (a wrong password, PIN or code) or "refused" (locked out, not allowed).
    result: Mapped[str] = mapped_column(String(20), default="ok", server_default="ok")
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
