"""Members by hand: add one, edit any field, record that one left, move one to another branch, and read
one member's history (attendance, study, points, assessment).

Every change is audited. A branch secretary acts only on their own branch's members (a clear refusal
otherwise); moving a member to another branch is the system admin's. Records a member made stay with the
branch they were made in (attendance rows carry their branch), so a move changes only what comes next.
No Flask here; views call one function each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import DomainError, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.org.importing import values as v
from screen_server.org.models import (
    Branch,
    DatePrecision,
    Gender,
    LeftReason,
    Member,
    PartyGroup,
    PartyStatus,
    Role,
    User,
)
from screen_server.org.services import branch_scope

LEFT_REASON_LABELS = {
    LeftReason.TRANSFERRED_OUT: _("转出"),
    LeftReason.DECEASED: _("去世"),
    LeftReason.OTHER: _("其他"),
}
PARTY_STATUS_LABELS = {PartyStatus.FULL: _("正式党员"), PartyStatus.PROBATIONARY: _("预备党员")}
GENDER_LABELS = {Gender.MALE: _("男"), Gender.FEMALE: _("女")}


@dataclass(slots=True)
class MemberFields:
    """The fields of a member as typed in the admin's form (text, checked by ``_apply``)."""

    number: str = ""
    name: str = ""
    gender: str = ""
    birth_date: str = ""
    joined_party_on: str = ""
    group_id: int | None = None
    education: str = ""
    title: str = ""
    employment_type: str = ""
    party_status: str = PartyStatus.FULL.value
    phone: str = ""


def require_manager(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("您没有管理党员的权限。"))


def check_branch(actor: User, branch_id: int) -> None:
    """Refuse a secretary acting on a branch other than their own."""
    require_manager(actor)
    scope = branch_scope(actor)
    if scope is not None and branch_id != scope:
        raise Forbidden(_("您只能管理本支部的党员，该党员不属于您的支部。"))


def managed_member(session: Session, actor: User, member_id: int) -> Member:
    """A member the actor may change; a secretary asking for another branch's member is refused."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("党员不存在。"))
    check_branch(actor, member.branch_id)
    return member


def create_member(session: Session, actor: User, *, branch_id: int, fields: MemberFields,
                  today: dt.date | None = None) -> Member:
    """Add one member by hand (no PIN yet: PINs are issued on slips). Audited."""
    check_branch(actor, branch_id)
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise Invalid(_("所选支部不存在。"))
    member = Member(branch_id=branch.id, pin_hash=None, active=True)
    _apply(session, member, fields, today or dt.date.today())
    session.add(member)
    session.flush()
    record(session, actor_user_id=actor.id, action="member.create", target_type="member", target_id=member.id,
           details={"number": member.number, "name": member.name, "branch_id": branch.id})
    return member


def update_member(session: Session, actor: User, member_id: int, fields: MemberFields,
                  today: dt.date | None = None) -> Member:
    """Change any field of a member but the branch (that is ``move_member``). Audited with what changed."""
    member = managed_member(session, actor, member_id)
    before = _snapshot(member)
    _apply(session, member, fields, today or dt.date.today())
    session.flush()
    after = _snapshot(member)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    record(session, actor_user_id=actor.id, action="member.update", target_type="member", target_id=member.id,
           details={"number": member.number, "changed": changed})
    return member


def record_left(session: Session, actor: User, member_id: int, *, reason: str, left_on: str, note: str = "",
                today: dt.date | None = None) -> Member:
    """Record that a member left (转出, 去世, 其他) on a date, with a note.

    They keep every record; they drop out of the expected attendance of meetings not yet begun, out of
    rankings and boards (which count active members), and can no longer sign in anywhere.
    """
    member = managed_member(session, actor, member_id)
    if not member.active:
        raise Invalid(_("该党员已登记为离开，无需重复登记。"))
    try:
        why = LeftReason(reason)
    except ValueError:
        raise Invalid(_("请选择离开原因：转出、去世或其他。")) from None
    day = _required_day(left_on, _("离开日期"), today or dt.date.today())
    note = v.plain(note)
    if why is LeftReason.OTHER and not note:
        raise Invalid(_("原因为“其他”时请填写说明。"))
    if len(note) > 200:
        raise Invalid(_("说明不能超过200个字符。"))
    member.active = False
    member.left_reason, member.left_on, member.left_note = why, day, note
    from screen_server.meetings.models import Meeting, meeting_expected

    upcoming = select(Meeting.id).where(Meeting.starts_at > utcnow())
    session.execute(delete(meeting_expected).where(meeting_expected.c.member_id == member.id,
                                                   meeting_expected.c.meeting_id.in_(upcoming)))
    record(session, actor_user_id=actor.id, action="member.left", target_type="member", target_id=member.id,
           details={"number": member.number, "reason": why.value, "left_on": day.isoformat(), "note": note})
    session.flush()
    return member


def restore_member(session: Session, actor: User, member_id: int) -> Member:
    """Undo a mistaken 'left' entry: the member is on the roster again. Audited."""
    member = managed_member(session, actor, member_id)
    if member.active:
        raise Invalid(_("该党员在册，无需恢复。"))
    details = {"number": member.number, "reason": member.left_reason.value if member.left_reason else "",
               "left_on": member.left_on.isoformat() if member.left_on else ""}
    member.active, member.left_reason, member.left_on, member.left_note = True, None, None, ""
    record(session, actor_user_id=actor.id, action="member.restore", target_type="member", target_id=member.id,
           details=details)
    session.flush()
    return member


def move_member(session: Session, actor: User, member_id: int, *, branch_id: int, group_id: int | None = None
                ) -> Member:
    """Move a member to another branch (the system admin only). Their records stay with the branches they
    were made in; expected places at meetings not yet begun follow them out of the old branch."""
    member = managed_member(session, actor, member_id)
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以把党员调到其他支部，请联系系统管理员。"))
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise Invalid(_("所选支部不存在。"))
    if branch.id == member.branch_id:
        raise Invalid(_("该党员已在{b}，无需调动。").format(b=branch.name))
    group = _group(session, branch.id, group_id)
    old = member.branch_id
    member.branch_id, member.group_id = branch.id, group.id if group else None
    from screen_server.meetings.models import Meeting, meeting_branches, meeting_expected

    # Places at meetings of the old branch that have not begun are no longer theirs.
    upcoming_old = (select(Meeting.id).join(meeting_branches, meeting_branches.c.meeting_id == Meeting.id)
                    .where(Meeting.starts_at > utcnow(), meeting_branches.c.branch_id == old))
    session.execute(delete(meeting_expected).where(meeting_expected.c.member_id == member.id,
                                                   meeting_expected.c.meeting_id.in_(upcoming_old)))
    record(session, actor_user_id=actor.id, action="member.move", target_type="member", target_id=member.id,
           details={"number": member.number, "from_branch_id": old, "to_branch_id": branch.id})
    session.flush()
    return member


def history(session: Session, actor: User, member_id: int, *, limit: int = 100) -> dict[str, Any]:
    """A member's attendance (with the branch each record belongs to), points entries and this year's
    assessment; study comes from ``study.services.summary``."""
    from screen_server.assessment.services import member_assessment
    from screen_server.meetings.models import Attendance, LeaveRequest, Meeting, meeting_expected
    from screen_server.points.models import PointsEntry

    member = managed_member(session, actor, member_id)
    names = {b.id: b.short_name or b.name for b in session.scalars(select(Branch))}
    expected = session.execute(
        select(Meeting, meeting_expected.c.branch_id)
        .join(meeting_expected, meeting_expected.c.meeting_id == Meeting.id)
        .where(meeting_expected.c.member_id == member.id, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at.desc()).limit(limit)).all()
    attended = {a.meeting_id: a for a in session.scalars(select(Attendance).where(Attendance.member_id == member.id))}
    leave = set(session.scalars(select(LeaveRequest.meeting_id).where(LeaveRequest.member_id == member.id)))
    rows = []
    seen = set()
    now = utcnow()
    for meeting, branch_id in expected:
        a = attended.get(meeting.id)
        seen.add(meeting.id)
        if a is None and _aware(meeting.starts_at) > now:
            continue  # not begun and not signed in yet: nothing to say
        status = _("出席") if a else (_("请假") if meeting.id in leave else _("缺席"))
        rows.append({"meeting": meeting, "branch": names.get(a.branch_id if a and a.branch_id else branch_id or 0, ""),
                     "status": status, "late": bool(a and a.late), "method": a.method.value if a else ""})
    for meeting_id, a in attended.items():
        if meeting_id not in seen:  # a guest (列席)
            meeting = session.get(Meeting, meeting_id)
            if meeting is not None:
                rows.append({"meeting": meeting, "branch": names.get(a.branch_id or 0, ""), "status": _("列席"),
                             "late": a.late, "method": a.method.value})
    rows.sort(key=lambda r: r["meeting"].starts_at, reverse=True)
    points = list(session.scalars(select(PointsEntry).where(PointsEntry.member_id == member.id)
                                  .order_by(PointsEntry.day.desc(), PointsEntry.id.desc()).limit(limit)))
    try:
        assessment = member_assessment(session, member.id)
    except DomainError:  # a member who left is no longer ranked; the page shows the rest
        assessment = None
    return {"attendance": rows[:limit], "points": points, "assessment": assessment}


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


# --- fields ---------------------------------------------------------------------------------------------
def _apply(session: Session, member: Member, f: MemberFields, today: dt.date) -> None:
    """Check every field first and change the member only when all are good."""
    try:
        number = v.parse_number(f.number) if v.key(f.number) else ""
        name = v.parse_name(f.name) if v.key(f.name) else ""
    except v.CellProblem as exc:
        raise Invalid(str(exc)) from None
    if not number:
        raise Invalid(_("请填写党员编号。"))
    number = number.upper()
    if not name:
        raise Invalid(_("请填写姓名。"))
    taken = session.scalar(select(Member.id).where(Member.number == number))
    if taken is not None and taken != member.id:
        raise Invalid(_("党员编号 {n} 已被其他党员使用。").format(n=number))
    gender = _gender(f.gender)
    birth = _optional_day(f.birth_date, _("出生日期"), today)
    joined = _optional_day(f.joined_party_on, _("入党时间"), today)
    if birth and birth[0] < v.EARLIEST_BIRTH:
        raise Invalid(_("出生日期早于1900年。"))
    if joined and v.latest(*joined) < v.PARTY_FOUNDED:
        raise Invalid(_("入党时间早于建党（1921年7月）。"))
    if birth and joined and v.latest(*joined) < v.add_years(birth[0], v.ADULT_AGE):
        raise Invalid(_("入党时不满18岁（出生日期与入党时间不符）。"))
    try:
        phone = v.parse_phone(f.phone) if v.key(f.phone) else ""
        education, title, employment = (v.parse_text(f.education, 30), v.parse_text(f.title, 50),
                                        v.parse_text(f.employment_type, 30))
    except v.CellProblem as exc:
        raise Invalid(_("{reason}。").format(reason=exc)) from None
    try:
        status = PartyStatus(f.party_status or PartyStatus.FULL.value)
    except ValueError:
        raise Invalid(_("党员类别只能是正式党员或预备党员。")) from None
    group = _group(session, member.branch_id, f.group_id)
    member.number, member.name, member.gender = number, name, gender
    member.birth_date, member.birth_date_precision = birth or (None, DatePrecision.DAY)
    member.joined_party_on, member.joined_party_precision = joined or (None, DatePrecision.DAY)
    member.group_id = group.id if group else None
    member.education, member.title, member.employment_type = education, title, employment
    member.party_status, member.phone = status, phone


def _gender(text: str) -> Gender | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Gender(text)
    except ValueError:
        try:
            return v.parse_gender(text)
        except v.CellProblem:
            raise Invalid(_("性别只能是男或女。")) from None


def _optional_day(text: str, label: str, today: dt.date) -> tuple[dt.date, DatePrecision] | None:
    if not v.key(text):
        return None
    try:
        return v.parse_date(text, today=today)
    except v.CellProblem as exc:
        raise Invalid(_("{label}：{reason}。").format(label=label, reason=exc)) from None


def _required_day(text: str, label: str, today: dt.date) -> dt.date:
    found = _optional_day(text, label, today)
    if found is None:
        raise Invalid(_("请填写{label}。").format(label=label))
    if found[1] is not DatePrecision.DAY:
        raise Invalid(_("{label}请写到日，例如 2026-11-30。").format(label=label))
    return found[0]


def _group(session: Session, branch_id: int, group_id: int | None) -> PartyGroup | None:
    if not group_id:
        return None
    group = session.get(PartyGroup, group_id)
    if group is None or group.branch_id != branch_id:
        raise Invalid(_("所选党小组不属于该党员所在的支部。"))
    return group


def _snapshot(member: Member) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        return value.value if hasattr(value, "value") else value

    fields = ("number", "name", "gender", "birth_date", "joined_party_on", "group_id", "education", "title",
              "employment_type", "party_status", "phone")
    return {f: plain(getattr(member, f)) for f in fields}
