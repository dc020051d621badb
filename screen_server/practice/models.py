"""A practice set: the questions drawn for a member (in order), their answers, and the outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class PracticeSet(Base):
    __tablename__ = "practice_sets"
    __table_args__ = (Index("ix_practice_sets_member_kind_day", "member_id", "kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # daily | level | streak
    day: Mapped[dt.date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer, default=0)
    question_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # "1" → {"answer", "correct"}
    correct: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
