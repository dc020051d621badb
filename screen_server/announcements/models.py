"""Announcements: tables only."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, Enum, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.devices.models import Room


class Level(enum.StrEnum):
    NORMAL = "normal"
    IMPORTANT = "important"
    URGENT = "urgent"


class AnnouncementStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # waiting for publish_at
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # by an admin, or because it expired


announcement_rooms = Table(
    "announcement_rooms",
    Base.metadata,
    Column("announcement_id", ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True),
    Column("room_id", ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
)


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[Level] = mapped_column(Enum(Level, native_enum=False, length=20), default=Level.NORMAL)
    status: Mapped[AnnouncementStatus] = mapped_column(
        Enum(AnnouncementStatus, native_enum=False, length=20), index=True
    )
    # No rooms means every room.
    rooms: Mapped[list[Room]] = relationship(secondary=announcement_rooms)
    publish_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
