"""Tables of screen control: one schedule per device, one manual switch per device, emergency messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.devices.models import Device, Room


class ScreenSchedule(Base):
    """A screen's plan: ``loop`` is what it cycles through when nothing else is on
    ([{"show": "announcements"|"stats"|"leaderboard"|"item", "item_id": n, "seconds": 20}]); ``slots``
    are panels at set times ([{"days": [0..6], "start": "08:30", "end": "09:00", "show": ...}]);
    ``auto_signin`` and ``auto_contest`` switch to a meeting's sign-in or a live contest by themselves."""

    __tablename__ = "screen_schedules"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    loop: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    auto_signin: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_contest: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ScreenOverride(Base):
    """An admin's manual switch: the device shows ``show`` (with ``ref``, e.g. a meeting id) until cleared."""

    __tablename__ = "screen_overrides"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    show: Mapped[str] = mapped_column(String(30))
    ref: Mapped[int | None] = mapped_column()
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


emergency_rooms = Table(
    "emergency_rooms",
    Base.metadata,
    Column("emergency_id", ForeignKey("emergency_messages.id", ondelete="CASCADE"), primary_key=True),
    Column("room_id", ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
)


emergency_devices = Table(
    "emergency_devices",
    Base.metadata,
    Column("emergency_id", ForeignKey("emergency_messages.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
)


class EmergencyMessage(Base):
    """紧急通知: full screen on the chosen screens — the chosen rooms' screens and the chosen devices
    (walls and terminals); every screen when neither is chosen — until withdrawn."""

    __tablename__ = "emergency_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    rooms: Mapped[list[Room]] = relationship(secondary=emergency_rooms)
    devices: Mapped[list[Device]] = relationship(secondary=emergency_devices)
