"""The service window's units of work: a member posts a suggestion or a request (phone or terminal);
it is routed by category and branch to an owner with a deadline; the owner answers and closes it; the
member follows it. A finished 志愿服务报名 with its hours becomes one 服务 record of the assessment.

Routing: the admin may name an owner (an admin user) per category; otherwise the owner is the
member's branch secretary. Who may answer: an admin, and a secretary for their own branch's requests
(``branch_scope``); a secretary never sees another branch's. Every change is audited. Services flush;
the caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.messages.services import tidy
from screen_server.org.models import Member, Role, User
from screen_server.org.services import branch_scope, get_in_scope
from screen_server.protocol import ServiceRequestData
from screen_server.service_window.models import (
    CATEGORY_LABELS,
    DEFAULT_DEADLINE_DAYS,
    MAX_ANSWER,
    MAX_TEXT,
    Category,
    RequestStatus,
    ServiceCategorySetting,
    ServiceRequest,
)

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
MAX_OPEN = 10  # a member's requests still open: enough for real needs, too few to flood an owner


def new_client_id() -> str:
    """An id for one rendering of a form: the same form sent twice stores one request."""
    return secrets.token_urlsafe(12)


def today(now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def category_label(category: Category | str) -> str:
    return _(CATEGORY_LABELS[Category(category)])


def status_label(req: ServiceRequest, on: dt.date | None = None) -> str:
    """办理中, 已逾期 or 已办结, as the member and the owner read it."""
    if req.status is RequestStatus.DONE:
        return _("已办结")
    return _("已逾期") if is_overdue(req, on) else _("办理中")


def is_overdue(req: ServiceRequest, on: dt.date | None = None) -> bool:
    return req.status is RequestStatus.OPEN and req.due_on < (on or today())


# --- settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategorySetting:
    category: Category
    label: str
    owner_user_id: int | None
    deadline_days: int


def settings(session: Session) -> list[CategorySetting]:
    """Each category's owner (None: the branch secretary) and deadline, the admin's or the default."""
    rows = {r.category: r for r in session.scalars(select(ServiceCategorySetting))}
    out = []
    for cat in Category:
        row = rows.get(cat)
        out.append(CategorySetting(cat, category_label(cat), row.owner_user_id if row else None,
                                   row.deadline_days if row else DEFAULT_DEADLINE_DAYS[cat]))
    return out


def set_category(session: Session, actor: User, category: str, *, owner_user_id: int | None,
                 deadline_days: int | None) -> ServiceCategorySetting:
    """Name a category's owner (an admin user, or None for the branch secretary) and its deadline."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有管理员可以设置诉求的办理人和期限。"))
    try:
        cat = Category(category)
    except ValueError:
        raise Invalid(_("请选择诉求类别。")) from None
    if deadline_days is None or not 1 <= deadline_days <= 90:
        raise Invalid(_("办理期限应在 1 到 90 天之间。"))
    if owner_user_id is not None:
        owner = session.get(User, owner_user_id)
        if owner is None or owner.role is not Role.ADMIN or not owner.active:
            raise Invalid(_("指定的办理人应是在用的管理员账号；不指定则由党员所在支部的书记办理。"))
    row = session.get(ServiceCategorySetting, cat)
    before = None if row is None else {"owner_user_id": row.owner_user_id, "deadline_days": row.deadline_days}
    if row is None:
        row = ServiceCategorySetting(category=cat)
        session.add(row)
    row.owner_user_id, row.deadline_days = owner_user_id, deadline_days
    session.flush()
    record(session, actor_user_id=actor.id, action="service.category_set", target_type="service_category",
           target_id=cat.value, details={"before": before,
                                         "after": {"owner_user_id": owner_user_id, "deadline_days": deadline_days}})
    return row


def admin_owners(session: Session) -> list[User]:
    """The users the admin may name as a category's owner."""
    return list(session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))
                                .order_by(User.username)))


def _route(session: Session, cat: Category, member: Member) -> tuple[int | None, int]:
    setting = next(s for s in settings(session) if s.category is cat)
    owner = setting.owner_user_id
    if owner is None:
        owner = session.scalar(select(User.id).where(User.role == Role.SECRETARY, User.branch_id == member.branch_id,
                                                     User.active.is_(True)).order_by(User.id).limit(1))
    return owner, setting.deadline_days


# A terminal has no Chinese keyboard: there a member picks one of these (or writes on the phone).
TERMINAL_PHRASES = {
    Category.SUGGESTION: ("建议多组织一些主题党日活动", "建议学习资料多一些音视频"),
    Category.HARDSHIP: ("我家里有困难，请书记与我联系", "我身体不好，希望得到帮助"),
    Category.VOLUNTEER: ("我报名参加近期的志愿服务活动", "我可以参加社区志愿服务"),
    Category.ORG_LIFE: ("建议组织生活安排在周末", "建议组织生活多些交流讨论"),
    Category.OTHER: ("请与我联系",),
}


def terminal_phrases(category: Category) -> list[str]:
    return [_(p) for p in TERMINAL_PHRASES[category]]


# --- a member's side ----------------------------------------------------------------------------------


def submit(session: Session, member: Member, *, category: str, text: str, client_id: str,
           channel: str = "phone", now: dt.datetime | None = None) -> ServiceRequest:
    """Post a suggestion or request; the same form sent twice stores one. Audited."""
    try:
        cat = Category(category)
    except ValueError:
        raise Invalid(_("请选择类别：意见建议、困难帮扶、志愿服务报名、组织生活建议或其他。")) from None
    text = tidy(text)
    if not text:
        raise Invalid(_("请写下您的意见或需求。"))
    if len(text) > MAX_TEXT:
        raise Invalid(_("内容请不超过 {n} 字。").format(n=MAX_TEXT))
    if not CLIENT_ID.fullmatch(client_id or ""):
        raise Invalid(_("页面已过期，请刷新后再提交。"))
    same = session.scalar(select(ServiceRequest).where(ServiceRequest.member_id == member.id,
                                                       ServiceRequest.client_id == client_id))
    if same is not None:
        return same
    waiting = session.scalar(select(func.count(ServiceRequest.id)).where(
        ServiceRequest.member_id == member.id, ServiceRequest.status == RequestStatus.OPEN)) or 0
    if waiting >= MAX_OPEN:
        raise Conflict(_("您已有 {n} 件诉求正在办理，请等办结后再提交新的。").format(n=waiting), code="too_many")
    owner, days = _route(session, cat, member)
    req = ServiceRequest(member_id=member.id, branch_id=member.branch_id, client_id=client_id, category=cat,
                         text=text, owner_user_id=owner, due_on=today(now) + dt.timedelta(days=days),
                         created_at=now or utcnow())
    session.add(req)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same form, sent twice at the same moment
        found = session.scalar(select(ServiceRequest).where(ServiceRequest.member_id == member.id,
                                                            ServiceRequest.client_id == client_id))
        if found is None:
            raise
        return found
    record(session, actor_user_id=None, actor_name=f"{member.name}（{member.number}）", action="service.submitted",
           target_type="service_request", target_id=req.id,
           details={"member_id": member.id, "category": cat.value, "channel": channel, "owner_user_id": owner,
                    "due_on": req.due_on.isoformat()})
    return req


def own_requests(session: Session, member_id: int, limit: int = 30) -> list[ServiceRequest]:
    """A member's own requests, newest first."""
    return list(session.scalars(select(ServiceRequest).where(ServiceRequest.member_id == member_id)
                                .order_by(ServiceRequest.id.desc()).limit(limit)))


def request_data(req: ServiceRequest, on: dt.date | None = None) -> ServiceRequestData:
    """A request as a member's phone or terminal shows it."""
    return {"id": req.id, "category": category_label(req.category), "text": req.text, "status": req.status.value,
            "status_label": status_label(req, on), "due_on": req.due_on.isoformat(),
            "created": req.created_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d"), "answer": req.answer,
            "hours": req.hours}


# --- an owner's side --------------------------------------------------------------------------------


def _require_handler(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以办理党员诉求。"))


def list_for(session: Session, actor: User, *, open_only: bool = False, limit: int = 200) -> list[ServiceRequest]:
    """The requests the actor sees (a secretary: their branch's), open first, oldest deadline first."""
    _require_handler(actor)
    query = (select(ServiceRequest).options(selectinload(ServiceRequest.member))
             .order_by(ServiceRequest.status != RequestStatus.OPEN, ServiceRequest.due_on, ServiceRequest.id).limit(limit))
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where(ServiceRequest.branch_id == scope)
    if open_only:
        query = query.where(ServiceRequest.status == RequestStatus.OPEN)
    return list(session.scalars(query))


def counts_for(session: Session, actor: User, on: dt.date | None = None) -> dict[str, int]:
    """Open and overdue requests the actor sees (the dashboard's card)."""
    on = on or today()
    query = select(ServiceRequest.due_on).where(ServiceRequest.status == RequestStatus.OPEN)
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where(ServiceRequest.branch_id == scope)
    due = list(session.scalars(query))
    return {"open": len(due), "overdue": sum(1 for d in due if d < on)}


def get_for(session: Session, actor: User, request_id: int) -> ServiceRequest:
    """A request the actor may handle (a secretary gets NotFound for another branch's)."""
    _require_handler(actor)
    return get_in_scope(session, actor, ServiceRequest, request_id, _("诉求不存在或不在您的管理范围内。"))


def answer(session: Session, actor: User, request_id: int, *, text: str, hours: float | None = None,
           now: dt.datetime | None = None) -> ServiceRequest:
    """Answer a request and close it. A volunteer service marked done with its hours becomes one 服务
    record of the assessment (so the hours count once, where typed hours count too). Audited."""
    req = get_for(session, actor, request_id)
    if req.status is RequestStatus.DONE:
        raise Conflict(_("该诉求已经办结。"), code="done")
    text = tidy(text)
    if not text:
        raise Invalid(_("请填写答复内容。"))
    if len(text) > MAX_ANSWER:
        raise Invalid(_("答复请不超过 {n} 字。").format(n=MAX_ANSWER))
    if req.category is not Category.VOLUNTEER and hours:
        raise Invalid(_("只有志愿服务报名可以登记服务时长。"))
    entry = None
    if req.category is Category.VOLUNTEER and hours:
        from screen_server.assessment.services import add_record

        if not 0.5 <= hours <= 24:
            raise Invalid(_("一次志愿服务应在 0.5 到 24 小时之间。"))
        entry = add_record(session, actor, member_id=req.member_id, kind="service", day=today(now), amount=hours,
                           note=_("志愿服务报名（第 {id} 号）：{t}").format(id=req.id, t=req.text[:60]), today=today(now))
        req.hours, req.assessment_record_id = hours, entry.id
    req.status, req.answer, req.answered_by_user_id, req.answered_at = RequestStatus.DONE, text, actor.id, now or utcnow()
    session.flush()
    record(session, actor_user_id=actor.id, action="service.answered", target_type="service_request",
           target_id=req.id, details={"member_id": req.member_id, "category": req.category.value, "hours": hours,
                                      "assessment_record_id": entry.id if entry else None})
    return req


def overdue_by_branch(session: Session, branch_ids: Iterable[int], on: dt.date) -> dict[int, list[ServiceRequest]]:
    """The open requests past their deadline, per branch (for the alerts)."""
    out: dict[int, list[ServiceRequest]] = {}
    for req in session.scalars(select(ServiceRequest).where(
            ServiceRequest.status == RequestStatus.OPEN, ServiceRequest.due_on < on,
            ServiceRequest.branch_id.in_(list(branch_ids))).order_by(ServiceRequest.due_on)):
        out.setdefault(req.branch_id, []).append(req)
    return out
