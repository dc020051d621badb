"""Tables of the yearly assessment (量化考核): the admin's weights and targets for a year, and what
secretaries record by hand — volunteer service hours and contributions (the other two dimensions,
study and organisational life, come from the study records, practice sets and attendance)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class AssessmentConfig(Base):
    __tablename__ = "assessment_configs"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # dimension → percent, summing to 100
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what earns a dimension full marks
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AssessmentRecord(Base):
    """Volunteer service hours (kind ``service``) or contribution points (kind ``contribution``) for one
    member on one day, recorded by an admin or the member's branch secretary."""

    __tablename__ = "assessment_records"
    __table_args__ = (Index("ix_assessment_records_member_day", "member_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssessmentPublication(Base):
    """公示: a year's results are published from ``starts_at`` to ``ends_at`` (the server's clock decides);
    after ``ends_at`` they are final and objections are closed."""

    __tablename__ = "assessment_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    published_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssessmentObjection(Base):
    """A member's objection (异议) to their published result, and the admin's or secretary's answer."""

    __tablename__ = "assessment_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("assessment_publications.id", ondelete="CASCADE"),
                                                index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered | closed
    answer: Mapped[str] = mapped_column(String(500), default="")
    total_before: Mapped[float | None] = mapped_column(Float)
    total_after: Mapped[float | None] = mapped_column(Float)
    answered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class HonourEntry(Base):
    """光荣榜: one honour (先锋岗, 责任区, 优秀党员 …) with a photo, a citation and the days it shows."""

    __tablename__ = "honour_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    citation: Mapped[str] = mapped_column(String(300), default="")
    photo_path: Mapped[str] = mapped_column(String(200), default="")  # in the media store
    photo_mime: Mapped[str] = mapped_column(String(50), default="")
    starts_on: Mapped[dt.date] = mapped_column(Date, index=True)
    ends_on: Mapped[dt.date] = mapped_column(Date, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
