"""Meetings and attendance: tables only."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.devices.models import Room
from screen_server.org.models import Branch, Member


class MeetingType(enum.StrEnum):
    BRANCH_GENERAL = "branch_general"  # 支部党员大会
    BRANCH_COMMITTEE = "branch_committee"  # 支部委员会
    GROUP = "group"  # 党小组会
    PARTY_LECTURE = "party_lecture"  # 党课
    THEME_DAY = "theme_day"  # 主题党日
    OTHER = "other"  # 其他活动


MEETING_TYPE_LABELS = {
    MeetingType.BRANCH_GENERAL: "支部党员大会",
    MeetingType.BRANCH_COMMITTEE: "支部委员会",
    MeetingType.GROUP: "党小组会",
    MeetingType.PARTY_LECTURE: "党课",
    MeetingType.THEME_DAY: "主题党日",
    MeetingType.OTHER: "其他活动",
}


class SignInMethod(enum.StrEnum):
    QR = "qr"  # scanned the wall's QR with a phone
    TERMINAL = "terminal"  # picked their name and typed the PIN at a terminal
    MAKEUP = "makeup"  # recorded afterwards by the secretary, with a reason


meeting_branches = Table(
    "meeting_branches",
    Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True),
)

meeting_expected = Table(
    "meeting_expected",
    Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    # The member's branch when the meeting was planned: a member who moves later stays counted there.
    Column("branch_id", ForeignKey("branches.id", ondelete="SET NULL"), nullable=True),
)


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # topic (议题)
    type: Mapped[MeetingType] = mapped_column(Enum(MeetingType, native_enum=False, length=30))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    signin_opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    signin_closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    host: Mapped[str] = mapped_column(String(50), default="")  # 主持人
    recorder: Mapped[str] = mapped_column(String(50), default="")  # 记录人
    agenda: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # 法定人数: "half" (有表决权的到会人数超过应到会有表决权人数的半数), "four_fifths" (选举) or "none".
    quorum_rule: Mapped[str] = mapped_column(String(20), default="none")
    # The meeting console's current step on the room's wall (None: the wall follows its own plan).
    console: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    minutes: Mapped[str] = mapped_column(Text, default="")  # 会议记录, Markdown
    decisions: Mapped[str] = mapped_column(Text, default="")  # 决议事项, one a line
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # marked as held by the recorder
    quorum_reached: Mapped[bool | None] = mapped_column(Boolean)  # recorded when sign-in closes or when held
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room | None] = relationship()
    branches: Mapped[list[Branch]] = relationship(secondary=meeting_branches)
    expected: Mapped[list[Member]] = relationship(secondary=meeting_expected)


class Attendance(Base):
    """One member present at one meeting. At most one per (meeting, member)."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        # Covers the wall's counts, read after every sign-in batch: one index-only range, no table reads.
        Index("ix_attendances_meeting_guest", "meeting_id", "guest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    method: Mapped[SignInMethod] = mapped_column(Enum(SignInMethod, native_enum=False, length=20))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    guest: Mapped[bool] = mapped_column(Boolean, default=False)  # not among the expected attendees
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # made by the client: resend-safe
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(200), default="")  # for a make-up
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The member's branch at the sign-in: the record stays with it when the member moves.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship()


class LeaveRequest(Base):
    """请假: a member excused from one meeting, with the reason."""

    __tablename__ = "leave_requests"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship()


class AttendanceCorrection(Base):
    """Every correction of a meeting's attendance: who, when, what and why."""

    __tablename__ = "attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))  # makeup | leave | cancel_leave | remove
    reason: Mapped[str] = mapped_column(String(200))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)




class MeetingPhoto(Base):
    """A photo of a meeting for the 台账, kept in the media store (checked as every upload is)."""

    __tablename__ = "meeting_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    relative_path: Mapped[str] = mapped_column(String(200))
    original_filename: Mapped[str] = mapped_column(String(200), default="")
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer, default=0)
    caption: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class MeetingTemplate(Base):
    """An admin's changes to a meeting type's template (default agenda, attendees, quorum rule, cadence);
    a type without a row uses the built-in defaults (``meetings.templates``)."""

    __tablename__ = "meeting_templates"

    type: Mapped[str] = mapped_column(String(30), primary_key=True)
    agenda: Mapped[str] = mapped_column(Text, default="")
    attendees: Mapped[str] = mapped_column(String(20), default="branch")  # branch | committee | group
    quorum_rule: Mapped[str] = mapped_column(String(20), default="none")
    cadence_days: Mapped[int] = mapped_column(Integer, default=0)  # 0: no cadence
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MeetingComment(Base):
    """督导: a comment of the committee's admin on a meeting's 台账."""

    __tablename__ = "meeting_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rectification(Base):
    """整改: a correction the committee orders a branch to make by a deadline; the secretary answers and
    marks it done. Overdue when the deadline passed and it is not done."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[dt.date] = mapped_column(Date)
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
