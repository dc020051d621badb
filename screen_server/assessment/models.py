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
