"""Tables of study: each reported span (kept as sent, keyed by the id the client made) and each
member's running record per item."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class StudySpan(Base):
    """A stretch of active study of one item by one member, as a terminal or phone reported it.

    The primary key is the id the client made, so a span sent twice (an outbox draining after a lost
    answer) is stored once.
    """

    __tablename__ = "study_spans"
    __table_args__ = (Index("ix_study_spans_member_day", "member_id", "day"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10))  # terminal | phone
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active_seconds: Mapped[int] = mapped_column(Integer)
    position: Mapped[float] = mapped_column(Float, default=0.0)  # seconds (video), page (PDF), fraction
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    day: Mapped[dt.date] = mapped_column(Date, index=True)  # the room's local day of started_at
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StudyRecord(Base):
    """A member's running total on one item: active time, furthest progress, where they stopped."""

    __tablename__ = "study_records"
    __table_args__ = (UniqueConstraint("member_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"), index=True)
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    position: Mapped[float] = mapped_column(Float, default=0.0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class StudyRefusal(Base):
    """A span (or a span's ``completed``) the server refused, kept so an admin can see who reported
    what and why it did not count: overlapping time, a completion faster than the item allows, a time
    outside the outbox's window, a member not logged in at the reporting terminal."""

    __tablename__ = "study_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    span_id: Mapped[str] = mapped_column(String(40), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(Integer)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10), default="")
    reason: Mapped[str] = mapped_column(String(30))  # overlap | too_fast | out_of_window | not_logged_in | invalid
    message: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_seconds: Mapped[int] = mapped_column(Integer, default=0)


class StudyPlan(Base):
    """A study plan (学习计划): items every member in scope must study (必学) between two days.

    ``branch_id`` None is the committee's plan for every branch; a branch's plan binds its members only.
    """

    __tablename__ = "study_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)  # the deadline, inclusive (room's local day)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StudyPlanItem(Base):
    """One required item of a plan, in the order the plan lists them."""

    __tablename__ = "study_plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
