"""Tables of polls: the poll with the set of who has voted (not what, not when), and the running totals per
option."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class Poll(Base):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # single | multiple | rating
    options: Mapped[list[str]] = mapped_column(JSON, default=list)  # rating: "1"…"5"
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))  # eligible voters
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    open: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A ballot of a meeting: only members signed in to it vote (and only 正式党员 when requires_vote).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    requires_vote: Mapped[bool] = mapped_column(Boolean, default=False)
    # Totals stay on the server until the poll is closed and the host reveals them; only turnout shows.
    hide_results: Mapped[bool] = mapped_column(Boolean, default=False)
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    form: Mapped[str] = mapped_column(String(20), default="question")  # question | appraisal (民主评议党员)
    subjects: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)  # appraisal: [{"id", "name"}]
    # Who has voted — never what, nor when: the member ids as one sorted set. A table of voters would keep
    # them in the order they came (a sequential id, SQLite's rowid, PostgreSQL's heap order), and that
    # order is the moment of each vote. ``voters`` is its size, and the version a vote compares and sets.
    voted: Mapped[list[int] | None] = mapped_column(JSON, default=list)
    voters: Mapped[int] = mapped_column(Integer, default=0)


class PollTally(Base):
    """How many ballots chose each option (a running total; no ballot is kept on its own). For an appraisal
    (民主评议党员) one row per rated member (``subject``, a member id) and rating; 0 otherwise. All rows
    exist from the poll's creation, so a vote only changes counts."""

    __tablename__ = "poll_tallies"
    __table_args__ = (UniqueConstraint("poll_id", "subject", "option"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    subject: Mapped[int] = mapped_column(Integer, default=0)
    option: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=0)


