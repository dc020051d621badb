"""督导 (seed 002: 上级党组织实时督导与检查): the committee's admins comment on a branch's meetings and
order corrections (整改) with a deadline; the branch's secretary answers and marks them done. An item
past its deadline and not done is overdue: it shows as an alert on the branch's dashboard and the
committee's. Everything is audited. The clock is passed in (``today``), so tests stand on any day.
Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.i18n import _
from screen_server.meetings.models import MeetingComment, Rectification
from screen_server.meetings.services import get_meeting_for
from screen_server.org.models import Branch, Role, User
from screen_server.org.services import get_in_scope


def _committee(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有上级党组织的管理员可以督导。"))


def comment(session: Session, actor: User, meeting_id: int, body: str) -> MeetingComment:
    _committee(actor)
    meeting = get_meeting_for(session, actor, meeting_id)
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise Invalid(_("请填写督导意见（不超过 2000 字）。"))
    item = MeetingComment(meeting_id=meeting.id, body=body, by_user_id=actor.id)
    session.add(item)
    session.flush()
    record(session, actor_user_id=actor.id, action="supervision.comment", target_type="meeting", target_id=meeting.id,
           details={"comment_id": item.id, "body": body[:200]})
    return item


def comments_of(session: Session, meeting_id: int) -> list[MeetingComment]:
    return list(session.scalars(select(MeetingComment).where(MeetingComment.meeting_id == meeting_id)
                                .order_by(MeetingComment.id)))


def issue(session: Session, actor: User, *, branch_id: int, title: str, deadline: dt.date, today: dt.date,
          meeting_id: int | None = None) -> Rectification:
    """Order a correction from a branch by a deadline (not in the past)."""
    _committee(actor)
    if session.get(Branch, branch_id) is None:
        raise Invalid(_("所选支部不存在。"))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("请填写整改事项（不超过 200 字）。"))
    if deadline < today:
        raise Invalid(_("整改期限不能早于今天。"))
    if meeting_id is not None:
        get_meeting_for(session, actor, meeting_id)
    item = Rectification(branch_id=branch_id, meeting_id=meeting_id, title=title, deadline=deadline,
                         issued_by_user_id=actor.id, answer="")
    session.add(item)
    session.flush()
    record(session, actor_user_id=actor.id, action="supervision.issue", target_type="rectification",
           target_id=item.id, details={"branch_id": branch_id, "title": title, "deadline": deadline.isoformat(),
                                       "meeting_id": meeting_id})
    return item


def answer(session: Session, actor: User, item_id: int, *, text: str, done: bool) -> Rectification:
    """The branch's secretary (or an admin) answers; ``done`` closes the item."""
    item = get_in_scope(session, actor, Rectification, item_id, _("整改事项不存在或不在您的管理范围内。"))
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有支部书记可以答复整改事项。"))
    if item.done_at is not None:
        raise Conflict(_("该整改事项已经完成。"))
    text = (text or "").strip()
    if not text:
        raise Invalid(_("请填写整改情况。"))
    item.answer, item.answered_at = text[:4000], utcnow()
    if done:
        item.done_at = utcnow()
    record(session, actor_user_id=actor.id, action="supervision.answer", target_type="rectification",
           target_id=item.id, details={"done": done, "answer": text[:200]})
    session.flush()
    return item


def is_overdue(item: Rectification, today: dt.date) -> bool:
    return item.done_at is None and item.deadline < today


def open_items(session: Session, branch_ids: Iterable[int] | None = None) -> list[Rectification]:
    """Items not done yet, the nearest deadline first (``branch_ids``: only those branches)."""
    stmt = select(Rectification).where(Rectification.done_at.is_(None))
    if branch_ids is not None:
        stmt = stmt.where(Rectification.branch_id.in_(list(branch_ids)))
    return list(session.scalars(stmt.order_by(Rectification.deadline, Rectification.id)))


def items_for_meeting(session: Session, meeting_id: int) -> list[Rectification]:
    return list(session.scalars(select(Rectification).where(Rectification.meeting_id == meeting_id)
                                .order_by(Rectification.id)))
