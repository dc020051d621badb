"""Tables of the service window: each category's owner and deadline (the admin's settings), the
members' requests with their answers, and requests to correct a member's own record. No web here."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.org.models import Member
from screen_server.privacy import EncryptedText

MAX_TEXT = 500  # characters of a request, after whitespace is tidied
MAX_ANSWER = 500


class Category(enum.StrEnum):
    SUGGESTION = "suggestion"  # 意见建议
    HARDSHIP = "hardship"  # 困难帮扶
    VOLUNTEER = "volunteer"  # 志愿服务报名
    ORG_LIFE = "org_life"  # 组织生活建议
    OTHER = "other"  # 其他


CATEGORY_LABELS = {Category.SUGGESTION: "意见建议", Category.HARDSHIP: "困难帮扶", Category.VOLUNTEER: "志愿服务报名",
                   Category.ORG_LIFE: "组织生活建议", Category.OTHER: "其他"}
DEFAULT_DEADLINE_DAYS = {Category.SUGGESTION: 15, Category.HARDSHIP: 7, Category.VOLUNTEER: 14,
                         Category.ORG_LIFE: 15, Category.OTHER: 15}


class RequestStatus(enum.StrEnum):
    OPEN = "open"  # 办理中
    DONE = "done"  # 已办结 (answered and closed)


class CorrectionStatus(enum.StrEnum):
    PENDING = "pending"  # 待处理
    ACCEPTED = "accepted"  # 已更正
    DECLINED = "declined"  # 未采纳


class ServiceCategorySetting(Base):
    """The admin's choice for one category: a named owner (None: the member's branch secretary) and
    the days an owner has to answer. A category without a row uses the defaults."""

    __tablename__ = "service_category_settings"

    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=20), primary_key=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deadline_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ServiceRequest(Base):
    """One member's suggestion or request. ``client_id`` comes from the form, so a form sent twice
    stores one request. ``assessment_record_id`` is the 服务 record a finished volunteer service made:
    its hours are counted there, once."""

    __tablename__ = "service_requests"
    __table_args__ = (UniqueConstraint("member_id", "client_id"),
                      Index("ix_service_requests_branch_status", "branch_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(40))
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=20))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    status: Mapped[RequestStatus] = mapped_column(Enum(RequestStatus, native_enum=False, length=10),
                                                  default=RequestStatus.OPEN)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(String(MAX_ANSWER), default="")
    answered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hours: Mapped[float | None] = mapped_column(Float)  # a finished volunteer service's hours
    assessment_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_records.id", ondelete="SET NULL"), unique=True)

    member: Mapped[Member] = relationship()


class CorrectionRequest(Base):
    """A member asking to correct one field of their own record: what it should be and why."""

    __tablename__ = "record_corrections"
    __table_args__ = (UniqueConstraint("member_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(30))
    # What the member asks for (it may be a phone number or a birth date).
    proposed: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest (privacy.py)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[CorrectionStatus] = mapped_column(Enum(CorrectionStatus, native_enum=False, length=10),
                                                     default=CorrectionStatus.PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str] = mapped_column(String(200), default="")  # why declined, or a note on acceptance

    member: Mapped[Member] = relationship()
