"""A member's own record, and their requests to correct it: the member names a field, what it should
be and why; the request reaches their branch's secretary (and the admins), who accepts it (the member's
record is changed through ``org.members.update_member``, audited there with what changed) or declines
it with a reason. The member sees the outcome. Nobody else sees a member's request: a secretary only
their own branch's. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.messages.services import tidy
from screen_server.org import members as people
from screen_server.org.models import DatePrecision, Member, Role, User
from screen_server.org.services import branch_scope, get_in_scope
from screen_server.service_window.models import CorrectionRequest, CorrectionStatus
from screen_server.service_window.services import CLIENT_ID

# The fields a member may ask to correct, as the member reads them (the number and branch are not:
# those are the organisation's, changed by a transfer).
FIELDS = {"name": "姓名", "gender": "性别", "birth_date": "出生日期", "joined_party_on": "入党时间",
          "education": "学历", "title": "职务/职称", "employment_type": "在职情况", "phone": "手机号码"}
MAX_PENDING = 5
STATUS_LABELS = {CorrectionStatus.PENDING: "待处理", CorrectionStatus.ACCEPTED: "已更正", CorrectionStatus.DECLINED: "未采纳"}


def status_label(status: CorrectionStatus) -> str:
    return _(STATUS_LABELS[status])


def field_label(field: str) -> str:
    return _(FIELDS.get(field, field))


def _date_text(day: dt.date | None, precision: DatePrecision) -> str:
    if day is None:
        return ""
    return day.strftime("%Y.%m") if precision is DatePrecision.MONTH else day.isoformat()


def field_values(member: Member) -> dict[str, str]:
    """The correctable fields of a member as text (decrypted: for the member themselves and their
    managers only)."""
    return {
        "name": member.name,
        "gender": people.GENDER_LABELS[member.gender] if member.gender else "",
        "birth_date": _date_text(member.birth_date, member.birth_date_precision),
        "joined_party_on": _date_text(member.joined_party_on, member.joined_party_precision),
        "education": member.education, "title": member.title, "employment_type": member.employment_type,
        "phone": member.phone or "",
    }


def file_correction(session: Session, member: Member, *, field: str, proposed: str, reason: str,
                    client_id: str) -> CorrectionRequest:
    """A member asks for one field to be corrected; the same form sent twice stores one. Audited
    (without the value asked for: it may be a phone number)."""
    if field not in FIELDS:
        raise Invalid(_("请选择要更正的项目。"))
    proposed, reason = tidy(proposed), tidy(reason)
    if not proposed or len(proposed) > 50:
        raise Invalid(_("请填写正确的内容（不超过 50 字）。"))
    if not reason or len(reason) > 200:
        raise Invalid(_("请写明更正的理由（不超过 200 字）。"))
    if not CLIENT_ID.fullmatch(client_id or ""):
        raise Invalid(_("页面已过期，请刷新后再提交。"))
    same = session.scalar(select(CorrectionRequest).where(CorrectionRequest.member_id == member.id,
                                                          CorrectionRequest.client_id == client_id))
    if same is not None:
        return same
    waiting = [c for c in own_corrections(session, member.id) if c.status is CorrectionStatus.PENDING]
    if len(waiting) >= MAX_PENDING:
        raise Conflict(_("您已有 {n} 项更正申请待处理，请等处理后再提交。").format(n=len(waiting)), code="too_many")
    corr = CorrectionRequest(member_id=member.id, branch_id=member.branch_id, client_id=client_id, field=field,
                             proposed=proposed, reason=reason)
    session.add(corr)
    session.flush()
    record(session, actor_user_id=None, actor_name=f"{member.name}（{member.number}）", action="record.correction_filed",
           target_type="record_correction", target_id=corr.id, details={"member_id": member.id, "field": field})
    return corr


def own_corrections(session: Session, member_id: int, limit: int = 20) -> list[CorrectionRequest]:
    return list(session.scalars(select(CorrectionRequest).where(CorrectionRequest.member_id == member_id)
                                .order_by(CorrectionRequest.id.desc()).limit(limit)))


def _require_manager(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以处理信息更正申请。"))


def list_for(session: Session, actor: User, *, limit: int = 100) -> list[CorrectionRequest]:
    """The requests the actor handles (a secretary: their branch's), pending first."""
    _require_manager(actor)
    query = (select(CorrectionRequest).options(selectinload(CorrectionRequest.member))
             .order_by(CorrectionRequest.status != CorrectionStatus.PENDING, CorrectionRequest.id.desc()).limit(limit))
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where(CorrectionRequest.branch_id == scope)
    return list(session.scalars(query))


def pending_count(session: Session, actor: User) -> int:
    """Correction requests waiting for the actor (the dashboard's card)."""
    _require_manager(actor)
    query = select(func.count(CorrectionRequest.id)).where(CorrectionRequest.status == CorrectionStatus.PENDING)
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where(CorrectionRequest.branch_id == scope)
    return int(session.scalar(query) or 0)


def get_for(session: Session, actor: User, correction_id: int) -> CorrectionRequest:
    _require_manager(actor)
    return get_in_scope(session, actor, CorrectionRequest, correction_id, _("更正申请不存在或不在您的管理范围内。"))


def _pending(session: Session, actor: User, correction_id: int) -> CorrectionRequest:
    corr = get_for(session, actor, correction_id)
    if corr.status is not CorrectionStatus.PENDING:
        raise Conflict(_("该申请已经处理过了。"), code="decided")
    return corr


def accept(session: Session, actor: User, correction_id: int, *, value: str | None = None, note: str = "",
           today: dt.date | None = None) -> CorrectionRequest:
    """Accept: the member's field becomes ``value`` (default: what the member asked for), checked and
    audited as any edit of a member; the request records who decided."""
    corr = _pending(session, actor, correction_id)
    member = session.get(Member, corr.member_id)
    if member is None:
        raise NotFound(_("党员不存在。"))
    new = tidy(value) if value and value.strip() else corr.proposed
    fields = _fields_of(member)
    if corr.field == "gender":
        genders = {str(label): key.value for key, label in people.GENDER_LABELS.items()}
        new = genders.get(new, new)
    setattr(fields, corr.field, new)
    people.update_member(session, actor, member.id, fields, today=today)
    note = tidy(note)
    if len(note) > 200:
        raise Invalid(_("说明请不超过 200 字。"))
    corr.status, corr.decided_by_user_id, corr.decided_at, corr.answer = (
        CorrectionStatus.ACCEPTED, actor.id, utcnow(), note)
    session.flush()
    record(session, actor_user_id=actor.id, action="record.correction_accepted", target_type="record_correction",
           target_id=corr.id, details={"member_id": member.id, "field": corr.field})
    return corr


def decline(session: Session, actor: User, correction_id: int, *, reason: str) -> CorrectionRequest:
    """Decline with a reason the member reads."""
    corr = _pending(session, actor, correction_id)
    reason = tidy(reason)
    if not reason or len(reason) > 200:
        raise Invalid(_("请填写不予更正的理由（不超过 200 字），党员会看到它。"))
    corr.status, corr.decided_by_user_id, corr.decided_at, corr.answer = (
        CorrectionStatus.DECLINED, actor.id, utcnow(), reason)
    session.flush()
    record(session, actor_user_id=actor.id, action="record.correction_declined", target_type="record_correction",
           target_id=corr.id, details={"member_id": corr.member_id, "field": corr.field, "reason": reason})
    return corr


def _fields_of(member: Member) -> people.MemberFields:
    shown = field_values(member)
    return people.MemberFields(
        number=member.number, name=member.name, gender=member.gender.value if member.gender else "",
        birth_date=shown["birth_date"], joined_party_on=shown["joined_party_on"], group_id=member.group_id,
        education=member.education, title=member.title, employment_type=member.employment_type,
        party_status=member.party_status.value, phone=member.phone or "")


def correction_data(corr: CorrectionRequest) -> dict[str, Any]:
    """A request as the member reads it."""
    return {"id": corr.id, "field": field_label(corr.field), "proposed": corr.proposed, "reason": corr.reason,
            "status": corr.status.value, "status_label": status_label(corr.status), "answer": corr.answer}
