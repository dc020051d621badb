"""Tables of live contests: the contest, its questions in order, its players, and every answer."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow


class ContestStatus(enum.StrEnum):
    LOBBY = "lobby"  # players join
    QUESTION = "question"  # a question is open
    REVEAL = "reveal"  # the answer, the distribution and the board
    FINISHED = "finished"


class Contest(Base):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(6), index=True)  # the join code shown on the wall
    team_mode: Mapped[bool] = mapped_column(Boolean, default=False)  # branches compete on their average
    question_seconds: Mapped[int] = mapped_column(Integer, default=20)
    status: Mapped[ContestStatus] = mapped_column(Enum(ContestStatus, native_enum=False, length=20),
                                                  default=ContestStatus.LOBBY, index=True)
    current: Mapped[int] = mapped_column(Integer, default=0)  # 1-based index of the open/last question
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list[ContestQuestion]] = relationship(order_by="ContestQuestion.position",
                                                            cascade="all, delete-orphan")


class ContestQuestion(Base):
    __tablename__ = "contest_questions"
    __table_args__ = (UniqueConstraint("contest_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based
    question_id: Mapped[int] = mapped_column(ForeignKey("content_questions.id", ondelete="RESTRICT"))
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ContestPlayer(Base):
    __tablename__ = "contest_players"
    __table_args__ = (UniqueConstraint("contest_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    branch: Mapped[str] = mapped_column(String(50), default="")
    secret: Mapped[str] = mapped_column(String(64))  # proves a request is this player's (never shown to others)
    score: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestAnswer(Base):
    __tablename__ = "contest_answers"
    __table_args__ = (UniqueConstraint("player_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("contest_players.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(String(200))
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(Integer)
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
