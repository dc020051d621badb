"""Units of work on the learning library, for the web admin: write, review and file items, keep the
categories, import and review questions. Each checks the actor's role, calls ``content``'s rules,
records the audit entry and, when what is published changes, raises ``content.changed`` (published after
the commit), then flushes. The caller commits (``http.common.run``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content import categories as cats
from content import question_xlsx as qx
from content import questions as cq
from content import services as cs
from content.media import MediaStore
from content.models import Category, Item, ItemKind, Question, QuestionKind, ReviewStatus
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.errors import Forbidden, Invalid
from screen_server.i18n import _
from screen_server.org.models import Role, User

WRITERS = (Role.ADMIN, Role.EDITOR)
REVIEWERS = (Role.ADMIN, Role.REVIEWER)
FILERS = (Role.ADMIN, Role.EDITOR, Role.REVIEWER)  # withdraw and archive
STEPS = {"submit": WRITERS, "approve": REVIEWERS, "return": REVIEWERS, "withdraw": FILERS, "archive": FILERS}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file from a form: its bytes and the name it was sent with."""

    stream: IO[bytes]
    filename: str


def require(user: User, roles: Sequence[Role]) -> None:
    if user.role not in roles:
        raise Forbidden(_("您没有进行此操作的权限。"))


def _changed(session: Session, item: Item, *, published: bool) -> None:
    """Tell the screens the library changed (after the commit), so terminals refetch within a second."""
    emit(session, protocol.Event(protocol.CONTENT_CHANGED, {"published": [item.id] if published else [],
                                                            "withdrawn": [] if published else [item.id]}))


def _media(session: Session, store: MediaStore, upload: Upload | None, max_bytes: int) -> int | None:
    if upload is None or not upload.filename:
        return None
    return cs.add_media(session, store, upload.stream, filename=upload.filename, max_bytes=max_bytes).id


def _fields(session: Session, item: Item | None, fields: dict[str, Any], store: MediaStore, max_bytes: int,
            cover: Upload | None, main: Upload | None) -> dict[str, Any]:
    cover_id, main_id = _media(session, store, cover, max_bytes), _media(session, store, main, max_bytes)
    return {**fields,
            "cover_media_id": cover_id if cover_id is not None else (item.cover_media_id if item else None),
            "main_media_id": main_id if main_id is not None else (item.main_media_id if item else None)}


def create_item(
    session: Session, user: User, *, kind: str, fields: dict[str, Any], store: MediaStore, max_bytes: int,
    cover: Upload | None = None, main: Upload | None = None,
) -> Item:
    """Save a new draft (its uploads checked by their bytes and stored) and audit it."""
    require(user, WRITERS)
    try:
        item_kind = ItemKind(kind)
    except ValueError:
        raise Invalid(_("请选择内容类型。")) from None
    item = cs.create_item(session, kind=item_kind, author_user_id=user.id,
                          **_fields(session, None, fields, store, max_bytes, cover, main))
    record(session, actor_user_id=user.id, action="content.created", target_type="item", target_id=item.id,
           details={"title": item.title, "kind": kind})
    return item


def update_item(
    session: Session, user: User, item_id: int, *, fields: dict[str, Any], store: MediaStore, max_bytes: int,
    cover: Upload | None = None, main: Upload | None = None,
) -> Item:
    """Replace an editable item's fields (a new upload replaces the old file, none keeps it) and audit it."""
    require(user, WRITERS)
    item = cs.get_item(session, item_id)
    cs.update_item(session, item, **_fields(session, item, fields, store, max_bytes, cover, main))
    record(session, actor_user_id=user.id, action="content.updated", target_type="item", target_id=item.id,
           details={"title": item.title})
    return item


def move_item(
    session: Session, user: User, item_id: int, action: str, *, comment: str = "",
    publish_at: dt.datetime | None = None, withdraw_at: dt.datetime | None = None,
) -> Item:
    """Take one review step (submit, approve — now or at ``publish_at`` —, return, withdraw, archive),
    audit it, and raise ``content.changed`` when the published library changes."""
    if action not in STEPS:
        raise Invalid(_("未知的操作。"))
    require(user, STEPS[action])
    item = cs.get_item(session, item_id)
    was_public = item.status == ReviewStatus.PUBLISHED
    if action == "submit":
        cs.submit(session, item, actor_user_id=user.id)
    elif action == "approve":
        if publish_at or withdraw_at:
            cs.schedule(session, item, publish_at=publish_at, withdraw_at=withdraw_at)
        cs.approve(session, item, reviewer_user_id=user.id, comment=comment)
    elif action == "return":
        cs.return_to_author(session, item, reviewer_user_id=user.id, comment=comment)
    elif action == "withdraw":
        cs.withdraw(session, item, actor_user_id=user.id, comment=comment)
    else:
        cs.archive(session, item, actor_user_id=user.id, comment=comment)
    record(session, actor_user_id=user.id, action=f"content.{action}", target_type="item", target_id=item.id,
           details={"title": item.title, "status": str(item.status), "comment": comment})
    if item.status == ReviewStatus.PUBLISHED or was_public:
        _changed(session, item, published=item.status == ReviewStatus.PUBLISHED)
    return item


def create_category(session: Session, user: User, name: str) -> Category:
    """Add a category (admins only) and audit it."""
    require(user, (Role.ADMIN,))
    category = cats.create_category(session, name)
    record(session, actor_user_id=user.id, action="content.category_created", target_type="category",
           target_id=category.id, details={"name": category.name})
    return category


# --- questions ---------------------------------------------------------------------------------------
def check_questions(session: Session, user: User, sheet: IO[bytes]) -> qx.SheetReport:
    """Read a question sheet and report every problem, changing nothing."""
    require(user, WRITERS)
    return qx.check_sheet(session, sheet)


def import_questions(session: Session, user: User, sheet: IO[bytes], *, filename: str) -> qx.SheetReport:
    """Import a whole sheet (all or nothing; the questions wait for review) and audit it.

    Raises:
        SheetRejected: some row is wrong; its report says which and why.
    """
    require(user, WRITERS)
    report = qx.import_sheet(session, sheet, actor_user_id=user.id, source_name=filename)
    record(session, actor_user_id=user.id, action="questions.imported", target_type="question",
           details={"file": filename, "count": len(report.questions)})
    return report


def review_questions(session: Session, user: User, ids: Sequence[int], *, approve: bool, comment: str = "") -> int:
    """Approve (or return with ``comment``) those of ``ids`` that wait for review; return how many."""
    require(user, REVIEWERS)
    done = 0
    for question in session.scalars(select(Question).where(Question.id.in_(ids),
                                                           Question.status == ReviewStatus.SUBMITTED)):
        if approve:
            cs.approve(session, question, reviewer_user_id=user.id, comment=comment)
        else:
            cs.return_to_author(session, question, reviewer_user_id=user.id, comment=comment)
        done += 1
    record(session, actor_user_id=user.id, action="questions.approved" if approve else "questions.returned",
           target_type="question", details={"ids": list(ids)})
    return done


def create_question(
    session: Session, user: User, *, kind: str, fields: dict[str, Any], submit: bool = False,
) -> Question:
    """Save a new question (and send it to review when ``submit``) and audit it."""
    require(user, WRITERS)
    try:
        question_kind = QuestionKind(kind)
    except ValueError:
        raise Invalid(_("请选择题型。")) from None
    question = cq.create_question(session, kind=question_kind, author_user_id=user.id, **fields)
    if submit:
        cs.submit(session, question, actor_user_id=user.id)
    record(session, actor_user_id=user.id, action="question.created", target_type="question", target_id=question.id)
    return question


def update_question(
    session: Session, user: User, question_id: int, *, fields: dict[str, Any], submit: bool = False,
) -> Question:
    """Change a question (and send it to review when ``submit``) and audit it."""
    require(user, WRITERS)
    question = cq.get_question(session, question_id)
    cq.update_question(session, question, **fields)
    if submit:
        cs.submit(session, question, actor_user_id=user.id)
    record(session, actor_user_id=user.id, action="question.updated", target_type="question", target_id=question.id)
    return question
