"""Tables of formal tests (测评): the test itself (paper, window, rules) and each member's attempts.

An attempt stores the questions drawn for it, in order, so a paper drawn by rule stays the same across
reconnects; its answers are stored as they are given, each with the client's id so a resend is a no-op.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class Exam(Base):
    """A formal test. ``mode`` fixed: ``question_ids`` is the paper; rule: ``rules`` draws one per attempt
    ([{"category_id": int | None, "difficulty": int | None, "count": int}])."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(10), default="fixed")  # fixed | rule
    question_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=30)
    pass_percent: Mapped[int] = mapped_column(Integer, default=60)  # of the questions answered right
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    all_branches: Mapped[bool] = mapped_column(Boolean, default=True)
    branch_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the audience when not all_branches
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # members see it (in its window)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExamAttempt(Base):
    """One member's attempt: its draw, its answers ("1" → {"answer", "client_id"}), its deadline
    (start + time limit, never past the test's close), and once closed its score and outcome."""

    __tablename__ = "exam_attempts"
    __table_args__ = (
        UniqueConstraint("exam_id", "member_id", "number"),
        Index("ix_exam_attempts_open_deadline", "closed_at", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per member and test
    question_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str] = mapped_column(String(10), default="")  # member | timeout
    correct: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
