"""Offline conflicts: a record a terminal queued while the server was down, which the server refused when
it arrived (a sign-in after the meeting closed, say). Kept for the admin: who, what, when, why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.devices.models import Device
from screen_server.org.models import Member


class OfflineConflict(Base):
    __tablename__ = "offline_conflicts"
    # The terminal's id for the record: a resent record finds its conflict instead of making another.
    __table_args__ = (UniqueConstraint("device_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # signin | study | practice
    subject: Mapped[str] = mapped_column(String(200), default="")  # e.g. the meeting's title
    # When it happened on the server's clock: the terminal's clock plus its offset from the server.
    made_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    device_clock: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the terminal's own clock
    clock_offset_s: Mapped[float | None] = mapped_column(Float)  # server minus terminal, when it was made
    reason: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    device: Mapped[Device | None] = relationship()
    member: Mapped[Member | None] = relationship()
