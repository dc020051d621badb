"""Tables of health alerts: the thresholds (a default for every branch, or one branch's own) and the
alerts they raised, each kept with the figures behind it and cleared when the branch recovers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class AlertRule(Base):
    """One indicator's threshold. ``branch_id`` None is the default for every branch; a row with a
    branch overrides the default for that branch (and may switch the indicator off there)."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("indicator", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40))  # attendance | gap:<meeting type> | study
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    threshold: Mapped[float] = mapped_column(Float)  # a rate, a number of days or minutes per member
    days: Mapped[int] = mapped_column(Integer)  # the window the figure is taken over
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Alert(Base):
    """A breach of one indicator by one branch: open while ``cleared_at`` is None."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_open", "branch_id", "indicator", "cleared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(300))  # what is wrong, with the figures, in Chinese
    value: Mapped[float | None] = mapped_column(Float)  # the figure when last checked
    threshold: Mapped[float] = mapped_column(Float)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the numbers behind the figure
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
