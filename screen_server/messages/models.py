"""Tables of the message wall: a topic opened on a room's wall, and the members' messages on it with
their moderation status. No web, no push here."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screen_server.db import Base, UTCDateTime, utcnow
from screen_server.org.models import Member

MAX_TEXT = 140  # characters, after whitespace is tidied


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # 待审核: seen only by its author and the moderators
    APPROVED = "approved"  # 已上墙
    REJECTED = "rejected"  # 未通过 (also a message taken down from the wall)


class MessageTopic(Base):
    """A question or theme put up on one room's wall (e.g. 说说你心中的党员模样)."""

    __tablename__ = "message_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    # Who may post and which secretary moderates; None: every member, moderated by admins only.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(100))
    open: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WallMessage(Base):
    """One member's message on a topic. ``client_id`` comes from the form the member submitted, so a
    form sent twice (a double tap, a reload) stores one message."""

    __tablename__ = "wall_messages"
    __table_args__ = (
        UniqueConstraint("topic_id", "member_id", "client_id"),
        Index("ix_wall_messages_topic_id_status", "topic_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("message_topics.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    status: Mapped[MessageStatus] = mapped_column(Enum(MessageStatus, native_enum=False, length=10),
                                                  default=MessageStatus.PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(100), default="")  # why it was rejected, shown to its author

    member: Mapped[Member] = relationship()
