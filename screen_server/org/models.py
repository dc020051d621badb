"""Organisation and people: tables only, no rules (those live in services.py)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.privacy import EncryptedDate, EncryptedText


class Role(enum.StrEnum):
    """Who a web user is. Members do not hold accounts; they identify by member number and PIN."""

    ADMIN = "admin"  # system admin: everything, every branch
    SECRETARY = "secretary"  # branch secretary: their own branch only
    EDITOR = "editor"  # content editor
    REVIEWER = "reviewer"  # content reviewer


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class PartyStatus(enum.StrEnum):
    """党员类别: a probationary member (预备党员) has no vote in a ballot that requires one."""

    FULL = "full"  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员


class LeftReason(enum.StrEnum):
    """Why a member is no longer on the roster (出党/离开): they keep their history but sign in nowhere."""

    TRANSFERRED_OUT = "transferred_out"  # 转出
    DECEASED = "deceased"  # 去世
    OTHER = "other"  # 其他


class DatePrecision(enum.StrEnum):
    """How much of a date the source said: hand-kept rosters often give only year and month."""

    DAY = "day"
    MONTH = "month"


class Committee(Base):
    """The party committee (党委) that owns the room; one per deployment in practice."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    branches: Mapped[list[Branch]] = relationship(back_populates="committee", order_by="Branch.position")


class Branch(Base):
    """A party branch (党支部)."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), default="")
    position: Mapped[int] = mapped_column(default=0)
    # A deactivated branch keeps its history; it takes no new members and leaves the choice lists.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    committee: Mapped[Committee] = relationship(back_populates="branches")
    groups: Mapped[list[PartyGroup]] = relationship(back_populates="branch", order_by="PartyGroup.position")


class PartyGroup(Base):
    """A party group (党小组) inside a branch."""

    __tablename__ = "party_groups"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    branch: Mapped[Branch] = relationship(back_populates="groups")


class Member(Base):
    """A party member as the branch keeps them (党员信息)."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 党员编号, e.g. D0001
    name: Mapped[str] = mapped_column(String(50), index=True)
    gender: Mapped[Gender | None] = mapped_column(Enum(Gender, native_enum=False, length=10))
    birth_date: Mapped[dt.date | None] = mapped_column(EncryptedDate)  # encrypted at rest (privacy.py)
    birth_date_precision: Mapped[DatePrecision] = mapped_column(
        Enum(DatePrecision, native_enum=False, length=10), default=DatePrecision.DAY
    )
    joined_party_on: Mapped[dt.date | None] = mapped_column(Date)
    joined_party_precision: Mapped[DatePrecision] = mapped_column(
        Enum(DatePrecision, native_enum=False, length=10), default=DatePrecision.DAY
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("party_groups.id", ondelete="SET NULL"))
    education: Mapped[str] = mapped_column(String(30), default="")  # 学历
    title: Mapped[str] = mapped_column(String(50), default="")  # 职务/职称
    employment_type: Mapped[str] = mapped_column(String(30), default="")  # 在职/退休/...
    party_status: Mapped[PartyStatus] = mapped_column(
        Enum(PartyStatus, native_enum=False, length=20), default=PartyStatus.FULL, server_default="full"
    )
    phone: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest (privacy.py)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    # An initial PIN handed out on a slip: the member must choose their own before anything else.
    pin_must_change: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Raised by "sign out all phones": remembered-phone cookies carry it, so older ones stop working.
    phone_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set together with active=False when the member left; their records stay.
    left_reason: Mapped[LeftReason | None] = mapped_column(Enum(LeftReason, native_enum=False, length=20))
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    left_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship()
    group: Mapped[PartyGroup | None] = relationship()


class User(Base):
    """An account of the web admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    # A secretary's branch; None for roles that span the committee.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when an admin issues a temporary password: the user must choose their own before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Base32 TOTP secret; set when enrolment starts, in force once ``totp_enabled_at`` is set.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last TOTP time step accepted (a code is never accepted twice).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    branch: Mapped[Branch | None] = relationship()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
