"""Rooms and devices: tables only."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow


class DeviceRole(enum.StrEnum):
    TERMINAL = "terminal"  # 党建服务一体机: a touch terminal members use one at a time
    WALL = "wall"  # 互动大屏: a big screen seen by the room


class DeviceStatus(enum.StrEnum):
    PENDING = "pending"  # showing a pairing code, waiting for an admin
    APPROVED = "approved"
    REVOKED = "revoked"


class Room(Base):
    """An activity room (活动室) with its screens."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    # Goes into the web wall's display key and cookie: raising it replaces both (see http/wall.py).
    wall_key_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[DeviceRole] = mapped_column(Enum(DeviceRole, native_enum=False, length=20))
    status: Mapped[DeviceStatus] = mapped_column(
        Enum(DeviceStatus, native_enum=False, length=20), default=DeviceStatus.PENDING, index=True
    )
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    # Only digests are kept: a copied database yields no working token or claim.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    claim_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_code: Mapped[str | None] = mapped_column(String(6), index=True)
    pairing_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[str] = mapped_column(String(40), default="")
    screen: Mapped[str] = mapped_column(String(40), default="")  # what the device says it is showing
    ip: Mapped[str] = mapped_column(String(45), default="")
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The device's clock minus the server's at its last heartbeat, in seconds (None: never reported).
    clock_offset_s: Mapped[float | None] = mapped_column(Float)
    preview_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room | None] = relationship()


class DeviceLogin(Base):
    """A member logged in at a terminal (PIN typed there, or the terminal's login QR confirmed on their
    phone). A terminal reads a member, and reports their study, only inside such a login: one member at a
    time per terminal, ended by logout, by the next login, or after ``devices.logins.IDLE`` unused."""

    __tablename__ = "device_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
