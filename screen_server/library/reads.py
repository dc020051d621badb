"""What the library's pages and API read: the admin's lists (items, review queue, categories, the
question bank) and the published library the content API serves. Queries only; nothing here changes
a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from content import services as cs
from content.models import Category, Item, ItemKind, ItemStateChange, MediaAsset, Question, ReviewStatus
from content.orm import MAX_ID
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.org.models import User


# --- the admin's pages ---------------------------------------------------------------------------------
def admin_items(
    session: Session, *, status: str | None = None, kind: str | None = None, category_id: int | None = None,
    text: str = "", limit: int = 200,
) -> Sequence[Item]:
    """Items of every status, newest change first, filtered as the list page asks (unknown filters ignored)."""
    query = select(Item).options(selectinload(Item.category)).order_by(Item.updated_at.desc(), Item.id.desc())
    if status in {s.value for s in ReviewStatus}:
        query = query.where(Item.status == ReviewStatus(status))
    if kind in {k.value for k in ItemKind}:
        query = query.where(Item.kind == ItemKind(kind))
    if category_id:
        query = query.where(Item.category_id == category_id)
    if text:
        query = query.where(Item.title.contains(text))
    return session.scalars(query.limit(limit)).all()


def waiting_for_review(session: Session) -> int:
    return int(session.scalar(select(func.count(Item.id)).where(Item.status == ReviewStatus.SUBMITTED)) or 0)


def review_queue(session: Session) -> Sequence[Item]:
    """Submitted items, the longest waiting first."""
    return session.scalars(select(Item).options(selectinload(Item.category))
                           .where(Item.status == ReviewStatus.SUBMITTED).order_by(Item.updated_at)).all()


@dataclass(frozen=True, slots=True)
class ItemPage:
    item: Item
    history: Sequence[ItemStateChange]


def item_page(session: Session, item_id: int) -> ItemPage:
    """One item with its review history, oldest step first."""
    item = cs.get_item(session, item_id)
    history = session.scalars(select(ItemStateChange).where(ItemStateChange.item_id == item.id)
                              .order_by(ItemStateChange.id)).all()
    return ItemPage(item, history)


def users_by_id(session: Session) -> dict[int, User]:
    """Every web user by id (the pages name authors and reviewers)."""
    return {u.id: u for u in session.scalars(select(User))}


def items_per_category(session: Session, *, published_only: bool = False) -> dict[int | None, int]:
    query = select(Item.category_id, func.count(Item.id)).group_by(Item.category_id)
    if published_only:
        query = query.where(Item.status == ReviewStatus.PUBLISHED)
    return {cid: int(n) for cid, n in session.execute(query).all()}


@dataclass(frozen=True, slots=True)
class QuestionBank:
    questions: Sequence[Question]
    counts: dict[str, int]  # status → how many


def question_bank(session: Session, *, status: str | None = None, limit: int = 300) -> QuestionBank:
    """The newest questions (of one status, if given) and how many there are of each status."""
    query = select(Question).options(selectinload(Question.category)).order_by(Question.id.desc())
    if status in {s.value for s in ReviewStatus}:
        query = query.where(Question.status == ReviewStatus(status))
    counts = session.execute(select(Question.status, func.count(Question.id)).group_by(Question.status)).all()
    return QuestionBank(session.scalars(query.limit(limit)).all(), {str(k): int(v) for k, v in counts})


# --- the published library (content API) ----------------------------------------------------------------
def _published() -> Select[Any]:
    return (select(Item).where(Item.status == ReviewStatus.PUBLISHED)
            .options(selectinload(Item.tags), selectinload(Item.category), selectinload(Item.cover_media),
                     selectinload(Item.main_media)))


def published_categories(session: Session) -> list[dict[str, Any]]:
    """Every category, in order, with how many published items it holds."""
    counts = items_per_category(session, published_only=True)
    rows = session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    return [{"id": c.id, "name": c.name, "count": counts.get(c.id, 0)} for c in rows]


def published_items(
    session: Session, *, category_id: int | None = None, kind: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[Sequence[Item], int]:
    """One page of published items, newest first, and how many there are in all."""
    query = _published()
    if category_id is not None:
        query = query.where(Item.category_id == category_id)
    if kind:
        try:
            query = query.where(Item.kind == ItemKind(kind))
        except ValueError:
            raise Invalid(_("未知的内容类型。")) from None
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows: Sequence[Item] = session.scalars(
        query.order_by(Item.published_at.desc(), Item.id.desc()).limit(limit).offset(offset)).all()
    return rows, int(total or 0)


def published_asset(session: Session, media_id: int) -> MediaAsset:
    """A media file that some published item uses (as its main file or cover); anything else is not found."""
    asset = session.get(MediaAsset, media_id) if 0 <= media_id <= MAX_ID else None
    used = session.scalar(select(Item.id).where(Item.status == ReviewStatus.PUBLISHED,
                                                or_(Item.main_media_id == media_id, Item.cover_media_id == media_id))
                          .limit(1)) if asset is not None else None
    if asset is None or used is None:
        raise NotFound(_("文件不存在或所属内容尚未发布。"))
    return asset
