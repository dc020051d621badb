"""Units of work of the learning library: categories, items, media records, the question bank and the
review workflow (draft → submitted → approved/published or returned → withdrawn or archived).

Transaction rule: services add and ``flush`` but never commit; the caller (HTTP view, admin page, CLI,
scheduled job) owns the session and commits once the unit of work is done, then raises any push event.
Every status change is written to the item's or question's history with who, when and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from content.categories import (  # noqa: F401  handed on: categories are part of this API
    BUILTIN_CATEGORIES,
    create_category,
    ensure_builtin_categories,
    get_or_create_tags,
    list_categories,
)
from content.errors import (
    ContentNotFound,
    InvalidContent,
    InvalidTransition,
    SelfReviewForbidden,
)
from content.i18n import _
from content.media import DEFAULT_MAX_BYTES, MediaStore
from content.models import (
    Category,
    Item,
    ItemKind,
    ItemStateChange,
    MediaAsset,
    Question,
    QuestionStateChange,
    ReviewStatus,
)
from content.orm import MAX_ID, get_or_not_found, utcnow

S = ReviewStatus
STATUS_LABELS = {
    S.DRAFT: "草稿",
    S.SUBMITTED: "待审核",
    S.APPROVED: "已通过待发布",
    S.PUBLISHED: "已发布",
    S.RETURNED: "已退回",
    S.WITHDRAWN: "已撤回",
    S.ARCHIVED: "已归档",
}
# Which statuses each step may start from.
SUBMIT_FROM = {S.DRAFT, S.RETURNED, S.WITHDRAWN}
REVIEW_FROM = {S.SUBMITTED}
WITHDRAW_FROM = {S.APPROVED, S.PUBLISHED}
ARCHIVE_FROM = {S.DRAFT, S.RETURNED, S.PUBLISHED, S.WITHDRAWN}
MEDIA_FAMILY = {
    ItemKind.VIDEO: "video",
    ItemKind.PDF: "pdf",
    ItemKind.POSTER: "image",
    ItemKind.AUDIO: "audio",
}

Reviewable = Item | Question


# --- media ----------------------------------------------------------------------------------------


def add_media(
    session: Session,
    store: MediaStore,
    stream: IO[bytes],
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> MediaAsset:
    """Store an upload and return its record; the same bytes uploaded twice give the same record."""
    stored = store.store(stream, filename=filename, max_bytes=max_bytes)
    asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == stored.sha256))
    if asset is None:
        asset = MediaAsset(
            sha256=stored.sha256,
            original_filename=stored.original_filename,
            mime=stored.mime,
            size=stored.size,
            path=stored.relative_path,
            width=stored.width,
            height=stored.height,
            duration_seconds=stored.duration_seconds,
        )
        session.add(asset)
        session.flush()
    return asset


def media_family(asset: MediaAsset) -> str:
    if asset.mime == "application/pdf":
        return "pdf"
    return asset.mime.split("/", 1)[0]


# --- items ----------------------------------------------------------------------------------------


def create_item(
    session: Session,
    *,
    kind: ItemKind,
    title: str,
    author_user_id: int | None,
    body_markdown: str = "",
    summary: str = "",
    category_id: int | None = None,
    tags: Iterable[str] = (),
    source: str = "",
    author_name: str = "",
    cover_media_id: int | None = None,
    main_media_id: int | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """Create a draft item and record its first history entry."""
    now = now or utcnow()
    item = Item(
        kind=ItemKind(kind), status=S.DRAFT, author_user_id=author_user_id, created_at=now, updated_at=now
    )
    update_item(
        session,
        item,
        title=title,
        body_markdown=body_markdown,
        summary=summary,
        category_id=category_id,
        tags=tags,
        source=source,
        author_name=author_name,
        cover_media_id=cover_media_id,
        main_media_id=main_media_id,
    )
    # Added only now: an item half filled in must never be autoflushed.
    session.add(item)
    record_state_change(session, item, None, S.DRAFT, author_user_id, "", now)
    session.flush()
    return item


def update_item(
    session: Session,
    item: Item,
    *,
    title: str,
    body_markdown: str = "",
    summary: str = "",
    category_id: int | None = None,
    tags: Iterable[str] = (),
    source: str = "",
    author_name: str = "",
    cover_media_id: int | None = None,
    main_media_id: int | None = None,
) -> Item:
    """Replace an item's editable fields; only drafts, returned and withdrawn items may be edited."""
    if item.id is not None and item.status not in SUBMIT_FROM:
        raise InvalidTransition(
            _("“{status}”状态的内容不能修改，请先撤回。").format(status=_(STATUS_LABELS[item.status]))
        )
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidContent(_("标题不能为空，且不超过 200 个字。"))
    if category_id is not None and session.get(Category, category_id) is None:
        raise ContentNotFound(_("所选分类不存在。"))
    for media_id, family in ((cover_media_id, "image"), (main_media_id, MEDIA_FAMILY.get(item.kind))):
        if media_id is None:
            continue
        asset = session.get(MediaAsset, media_id)
        if asset is None:
            raise ContentNotFound(_("所选媒体文件不存在。"))
        if family is None or media_family(asset) != family:
            raise InvalidContent(_("媒体文件“{name}”与内容类型不符。").format(name=asset.original_filename))
    tag_rows = get_or_create_tags(session, tags)
    item.title = title
    item.body_markdown = body_markdown
    item.summary = summary.strip()
    item.category_id = category_id
    item.tags = tag_rows
    item.source = source.strip()
    item.author_name = author_name.strip()
    item.cover_media_id = cover_media_id
    item.main_media_id = main_media_id
    session.flush()
    return item


def schedule(
    session: Session, item: Item, *, publish_at: dt.datetime | None, withdraw_at: dt.datetime | None
) -> Item:
    """Set when an item goes live and when it comes down (either may be None: "on approval", "never")."""
    if item.status == S.ARCHIVED:
        raise InvalidTransition(_("已归档的内容不能再排期。"))
    if publish_at and withdraw_at and withdraw_at <= publish_at:
        raise InvalidContent(_("撤下时间必须晚于发布时间。"))
    item.publish_at = publish_at
    item.withdraw_at = withdraw_at
    session.flush()
    return item


def get_item(session: Session, item_id: int) -> Item:
    return get_or_not_found(session, Item, item_id, _("内容不存在。"), ContentNotFound)


def list_published(
    session: Session,
    *,
    category_id: int | None = None,
    kind: ItemKind | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Sequence[Item]:
    """Return published items, newest first, with their category, tags and media loaded."""
    query = (
        select(Item)
        .where(Item.status == S.PUBLISHED)
        .options(
            selectinload(Item.tags),
            selectinload(Item.category),
            selectinload(Item.cover_media),
            selectinload(Item.main_media),
        )
        .order_by(Item.published_at.desc(), Item.id.desc())
        .limit(max(0, min(limit, 200)))
        .offset(max(0, offset))
    )
    if category_id is not None:
        query = query.where(Item.category_id == category_id)
    if kind is not None:
        query = query.where(Item.kind == ItemKind(kind))
    return session.scalars(query).all()


def get_published(session: Session, item_id: int) -> Item:
    """Return a published item; anything else (draft, withdrawn, missing) is not found."""
    item = session.get(Item, item_id) if 0 <= item_id <= MAX_ID else None
    if item is None or item.status != S.PUBLISHED:
        raise ContentNotFound(_("内容不存在或尚未发布。"))
    return item


# --- the review workflow (items and questions alike) ----------------------------------------------


def submit(
    session: Session, target: Reviewable, *, actor_user_id: int | None, now: dt.datetime | None = None
) -> None:
    """Send a draft (or a returned or withdrawn piece, after editing) to review."""
    _move(session, target, SUBMIT_FROM, S.SUBMITTED, actor_user_id, "", now)


def approve(
    session: Session,
    target: Reviewable,
    *,
    reviewer_user_id: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Approve a submitted piece: it is published now, or at its ``publish_at`` if that is later.

    Raises:
        SelfReviewForbidden: the reviewer is the author.
        InvalidTransition: it is not waiting for review.
    """
    _check_reviewer(target, reviewer_user_id)
    now = now or utcnow()
    scheduled = isinstance(target, Item) and target.publish_at is not None and target.publish_at > now
    _move(
        session, target, REVIEW_FROM, S.APPROVED if scheduled else S.PUBLISHED, reviewer_user_id, comment, now
    )


def return_to_author(
    session: Session,
    target: Reviewable,
    *,
    reviewer_user_id: int,
    comment: str,
    now: dt.datetime | None = None,
) -> None:
    """Send a submitted piece back to its author with the reviewer's comments (required)."""
    _check_reviewer(target, reviewer_user_id)
    if not comment.strip():
        raise InvalidContent(_("退回时请填写修改意见。"))
    _move(session, target, REVIEW_FROM, S.RETURNED, reviewer_user_id, comment.strip(), now)


def withdraw(
    session: Session,
    target: Reviewable,
    *,
    actor_user_id: int | None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Take a published (or approved, still scheduled) piece down; it may be edited and resubmitted."""
    _move(session, target, WITHDRAW_FROM, S.WITHDRAWN, actor_user_id, comment, now)


def archive(
    session: Session,
    target: Reviewable,
    *,
    actor_user_id: int | None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Put a piece away for good (kept for the record, never shown, no longer editable)."""
    _move(session, target, ARCHIVE_FROM, S.ARCHIVED, actor_user_id, comment, now)


def publish_due(session: Session, now: dt.datetime | None = None) -> tuple[list[Item], list[Item]]:
    """Publish approved items whose time has come and withdraw published ones whose time is up.

    Meant for a periodic job; the history records these steps with no actor (the scheduler).

    Returns:
        (items published, items withdrawn)
    """
    now = now or utcnow()
    published = list(
        session.scalars(
            select(Item).where(
                Item.status == S.APPROVED, or_(Item.publish_at.is_(None), Item.publish_at <= now)
            )
        )
    )
    for item in published:
        _move(session, item, {S.APPROVED}, S.PUBLISHED, None, _("定时发布"), now)
    withdrawn = list(
        session.scalars(
            select(Item).where(
                Item.status == S.PUBLISHED, Item.withdraw_at.is_not(None), Item.withdraw_at <= now
            )
        )
    )
    for item in withdrawn:
        _move(session, item, WITHDRAW_FROM, S.WITHDRAWN, None, _("定时撤下"), now)
    return published, withdrawn


def _check_reviewer(target: Reviewable, reviewer_user_id: int) -> None:
    if target.author_user_id is not None and target.author_user_id == reviewer_user_id:
        raise SelfReviewForbidden(_("不能审核自己编写的内容，请由其他审核人审核。"))


def _move(
    session: Session,
    target: Reviewable,
    allowed_from: set[ReviewStatus],
    to: ReviewStatus,
    actor_user_id: int | None,
    comment: str,
    now: dt.datetime | None,
) -> None:
    if target.status not in allowed_from:
        raise InvalidTransition(
            _("“{status}”状态的内容不能{action}。").format(
                status=_(STATUS_LABELS[target.status]), action=_(_ACTIONS[to])
            )
        )
    now = now or utcnow()
    before = target.status
    target.status = to
    if to == S.PUBLISHED:
        target.published_at = now
    record_state_change(session, target, before, to, actor_user_id, comment, now)
    session.flush()


_ACTIONS = {
    S.SUBMITTED: "提交审核",
    S.APPROVED: "审核通过",
    S.PUBLISHED: "发布",
    S.RETURNED: "退回",
    S.WITHDRAWN: "撤回",
    S.ARCHIVED: "归档",
    S.DRAFT: "设为草稿",
}


def record_state_change(
    session: Session,
    target: Reviewable,
    before: ReviewStatus | None,
    to: ReviewStatus,
    actor_user_id: int | None,
    comment: str,
    now: dt.datetime | None = None,
) -> None:
    """Append one step to the history of an item or question (``before`` is None for its creation)."""
    fields = dict(
        from_status=before, to_status=to, actor_user_id=actor_user_id, comment=comment, at=now or utcnow()
    )
    if isinstance(target, Item):
        target.history.append(ItemStateChange(**fields))
    else:
        target.history.append(QuestionStateChange(**fields))
