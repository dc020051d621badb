"""Tables of the learning library: categories, tags, items, media assets, questions, and the history of
every review step. Tables only, no rules: the workflow lives in ``services.py``.

Authors and reviewers are web users (``users.id``); the foreign keys name the table as a string so that
content never imports screen_server's models. Enums are stored as strings (``native_enum=False``) so
SQLite and PostgreSQL hold the same values.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from content.orm import Base, UTCDateTime, utcnow
from content.pinyin import initials
from content.searchdoc import keep_document


class ItemKind(enum.StrEnum):
    ARTICLE = "article"
    VIDEO = "video"
    PDF = "pdf"
    POSTER = "poster"
    AUDIO = "audio"


class ReviewStatus(enum.StrEnum):
    """Where a piece of content stands in review; items and questions share it.

    APPROVED means "approved, waiting for its scheduled publish time"; an approval with no future
    ``publish_at`` goes straight to PUBLISHED.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    FILL_BLANK = "fill_blank"


def _enum(cls: type[enum.Enum]) -> Enum:
    """A string column holding the member's name ("PUBLISHED"), like every enum column in the project."""
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


def _status_column() -> Mapped[ReviewStatus]:
    return mapped_column(
        _enum(ReviewStatus),
        default=ReviewStatus.DRAFT,
        index=True,
    )


class Category(Base):
    """A shelf of the library (党史学习, 党章党规, …); builtin ones cannot be deleted."""

    __tablename__ = "content_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Tag(Base):
    __tablename__ = "content_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)


item_tags = Table(
    "content_item_tags",
    Base.metadata,
    Column("item_id", ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("content_tags.id", ondelete="CASCADE"), primary_key=True),
)


class MediaAsset(Base):
    """A file in the media store, recorded once per content hash."""

    __tablename__ = "content_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(200))  # relative to the media store's root
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Item(Base):
    """One piece of learning content: an article, video, PDF, poster or audio recording."""

    __tablename__ = "content_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind))
    title: Mapped[str] = mapped_column(String(200))
    pinyin_initials: Mapped[str] = mapped_column(String(200), default="", index=True)
    # Title, summary, body text and tags with each Han character spaced out (content.search keeps it).
    search_doc: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("content_categories.id", ondelete="SET NULL"), index=True
    )
    cover_media_id: Mapped[int | None] = mapped_column(ForeignKey("content_media.id", ondelete="SET NULL"))
    main_media_id: Mapped[int | None] = mapped_column(ForeignKey("content_media.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(200), default="")  # 来源
    author_name: Mapped[str] = mapped_column(String(100), default="")  # 作者 as printed
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ReviewStatus] = _status_column()
    publish_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdraw_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=item_tags, order_by=Tag.name)
    cover_media: Mapped[MediaAsset | None] = relationship(foreign_keys=[cover_media_id])
    main_media: Mapped[MediaAsset | None] = relationship(foreign_keys=[main_media_id])
    history: Mapped[list[ItemStateChange]] = relationship(
        back_populates="item", order_by="ItemStateChange.id", cascade="all, delete-orphan"
    )

    @validates("title")
    def _keep_initials(self, _key: str, title: str) -> str:
        # The initials follow the title wherever it is set, so DZ search never goes stale.
        self.pinyin_initials = initials(title)[:200]
        return title


# Each item's search document is rebuilt as the row is written (see content.searchdoc).
event.listen(Item, "before_insert", keep_document)
event.listen(Item, "before_update", keep_document)


class ItemStateChange(Base):
    """One step of an item's review: who moved it from which status to which, when, and why."""

    __tablename__ = "content_item_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ReviewStatus | None] = mapped_column(_enum(ReviewStatus))
    to_status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus))
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # None: scheduler
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="history")


ItemReview = ItemStateChange  # the name the issues use for the same record


class Question(Base):
    """A question of the bank; it goes through the same review as items.

    ``answer`` holds option labels for choices ("A", "ACD"), 正确/错误 for true-false, and the blanks'
    answers separated by "|" for fill-in-the-blank (each blank may list alternatives with "/").
    """

    __tablename__ = "content_questions"
    __table_args__ = (CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind))
    stem: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("content_categories.id", ondelete="SET NULL"), index=True
    )
    difficulty: Mapped[int] = mapped_column(default=2)
    source: Mapped[str] = mapped_column(String(200), default="")
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ReviewStatus] = _status_column()
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.label", cascade="all, delete-orphan"
    )
    history: Mapped[list[QuestionStateChange]] = relationship(
        back_populates="question", order_by="QuestionStateChange.id", cascade="all, delete-orphan"
    )


class QuestionOption(Base):
    __tablename__ = "content_question_options"
    __table_args__ = (CheckConstraint("label IN ('A','B','C','D','E','F')", name="label_a_to_f"),)

    question_id: Mapped[int] = mapped_column(
        ForeignKey("content_questions.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(1), primary_key=True)
    text: Mapped[str] = mapped_column(String(500))

    question: Mapped[Question] = relationship(back_populates="options")


class QuestionStateChange(Base):
    """One review step of a question (same shape as ItemStateChange)."""

    __tablename__ = "content_question_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("content_questions.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ReviewStatus | None] = mapped_column(_enum(ReviewStatus))
    to_status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="history")

