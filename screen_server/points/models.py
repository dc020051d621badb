"""Tables of the points ledger: the editable rules and the entries they produce."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class RuleMode(enum.StrEnum):
    PER_ITEM = "per_item"  # once per item, when the member's active time on it reaches the threshold
    PER_DURATION = "per_duration"  # once per threshold of active time in a day
    PER_EVENT = "per_event"  # once per event (a meeting attended, a practice finished…)


class PointsRule(Base):
    """One way to earn points; the admin edits points, threshold, daily cap and whether it is on."""

    __tablename__ = "points_rules"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[RuleMode] = mapped_column(Enum(RuleMode, native_enum=False, length=20))
    points: Mapped[int] = mapped_column(Integer, default=1)
    threshold_seconds: Mapped[int] = mapped_column(Integer, default=0)
    daily_cap: Mapped[int] = mapped_column(Integer, default=0)  # 0: no cap
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PointsEntry(Base):
    """One award (or, with negative points, a correction) in a member's ledger.

    ``ref`` names what earned it ("item:12", "meeting:3", "2026-11-22#2") and is unique per member and
    rule, so the same study or sign-in arriving twice awards once.
    """

    __tablename__ = "points_entries"
    __table_args__ = (
        UniqueConstraint("member_id", "rule_key", "ref"),
        Index("ix_points_entries_member_day", "member_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    rule_key: Mapped[str] = mapped_column(String(40), index=True)
    ref: Mapped[str | None] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    day: Mapped[dt.date] = mapped_column(Date, index=True)  # local (Asia/Shanghai) day it counts for
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
