"""公示与异议: the criteria a year is scored by (published from the start of the year), the publication of a
year's results for a period, and members' objections during it.

- The admin publishes a year's results from now for 1–30 days. While a publication runs, the wall's loop
  shows the results with names masked and each member sees their own full detail on the phone.
- During the period a member files an objection with a reason (one open objection at a time). The admin,
  or the member's branch secretary, answers it and may correct the record (volunteer hours or
  contribution points, recorded as ``assessment.add_record`` does, audited); the score is recomputed
  and the totals before and after are kept with the answer.
- After the period the results are final: new objections are refused and open ones read as closed.
  The server's clock decides, from the database; nothing is held in a process's memory.

Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.assessment import services as assessment
from screen_server.assessment.models import AssessmentObjection, AssessmentPublication
from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Member, Role, User
from screen_server.org.services import branch_scope, mask_name

MAX_DAYS = 30
RULES = (
    "学习：全年完成课程数占目标的 60%，每日答题和闯关的通过率占 40%（每日答题 5 题答对 3 题为通过）。",
    "组织生活：应参加的会议中实际到会的比例；没有应参加会议的不扣分。",
    "服务：登记的志愿服务小时数对照全年目标，达到目标即满分。",
    "贡献：登记的贡献积分对照全年目标，达到目标即满分。",
    "综合得分：四项得分按权重相加；得分相同的名次相同。",
)
STATUS_NAMES = {"open": "待答复", "answered": "已答复", "closed": "公示期满，已关闭"}


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def criteria(session: Session, year: int) -> dict[str, Any]:
    """What the year is scored by, published from the start of the year: dimensions, weights, targets, rules."""
    config = assessment.get_config(session, year)
    return {
        "year": year,
        "dimensions": [{"key": d, "name": _(assessment.DIMENSION_NAMES[d]), "weight": config.weights[d]}
                       for d in assessment.DIMENSIONS],
        "targets": [{"key": k, "name": _(label), "value": config.targets[k]}
                    for k, label in assessment.TARGET_NAMES.items()],
        "rules": [_(r) for r in RULES],
    }


def latest(session: Session, year: int | None = None) -> AssessmentPublication | None:
    query = select(AssessmentPublication).order_by(AssessmentPublication.starts_at.desc(), AssessmentPublication.id.desc())
    if year is not None:
        query = query.where(AssessmentPublication.year == year)
    return session.scalars(query.limit(1)).first()


def current(session: Session, now: dt.datetime | None = None) -> AssessmentPublication | None:
    """The publication running now, if any."""
    now = now or utcnow()
    return session.scalars(select(AssessmentPublication)
                           .where(AssessmentPublication.starts_at <= now, AssessmentPublication.ends_at > now)
                           .order_by(AssessmentPublication.starts_at.desc()).limit(1)).first()


def is_open(pub: AssessmentPublication, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return _aware(pub.starts_at) <= now < _aware(pub.ends_at)


def publish(session: Session, actor: User, year: int, *, days: int, now: dt.datetime | None = None) -> AssessmentPublication:
    """Publish a year's results from now for ``days`` days (admin only); audited."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以公示考核结果。"))
    now = now or utcnow()
    if not 2000 <= year <= assessment.this_year(now):
        raise Invalid(_("只能公示今年或以前年度的考核结果。"))
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(_("公示期应为 1 到 {n} 天。").format(n=MAX_DAYS))
    running = current(session, now)
    if running is not None:
        raise Conflict(_("{y} 年度考核结果正在公示，公示期满后才能再次公示。").format(y=running.year))
    pub = AssessmentPublication(year=year, starts_at=now, ends_at=now + dt.timedelta(days=days),
                                published_by_user_id=actor.id)
    session.add(pub)
    session.flush()
    record(session, actor_user_id=actor.id, action="assessment.published", target_type="assessment_publication",
           target_id=pub.id, details={"year": year, "days": days, "ends_at": pub.ends_at.isoformat()})
    return pub


def end_now(session: Session, actor: User, publication_id: int, *, now: dt.datetime | None = None) -> None:
    """End a running publication early (admin only); audited. Its results are then final."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以结束公示。"))
    pub = session.get(AssessmentPublication, publication_id)
    now = now or utcnow()
    if pub is None or not is_open(pub, now):
        raise Conflict(_("该公示已经结束。"))
    pub.ends_at = now
    session.flush()
    record(session, actor_user_id=actor.id, action="assessment.publication_ended", target_type="assessment_publication",
           target_id=pub.id, details={"year": pub.year})


def status_of(obj: AssessmentObjection, pub: AssessmentPublication, now: dt.datetime | None = None) -> str:
    if obj.status == "open" and not is_open(pub, now):
        return "closed"
    return obj.status


def file_objection(session: Session, member_id: int, reason: str, *, now: dt.datetime | None = None) -> AssessmentObjection:
    """A member's objection to their published result, with a reason; refused outside the period."""
    now = now or utcnow()
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("党员不存在。"))
    pub = current(session, now)
    if pub is None:
        last = latest(session)
        if last is not None and _aware(last.ends_at) <= now:
            raise Conflict(_("{y} 年度考核结果的公示期已于 {d} 结束，结果已确定，不再受理异议。").format(
                y=last.year, d=_aware(last.ends_at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")), code="closed")
        raise Conflict(_("现在没有正在公示的考核结果，不能提出异议。"), code="closed")
    reason = (reason or "").strip()
    if len(reason) < 4 or len(reason) > 500:
        raise Invalid(_("请写明异议的理由（4 到 500 字）。"))
    pending = session.scalar(select(AssessmentObjection.id).where(
        AssessmentObjection.publication_id == pub.id, AssessmentObjection.member_id == member.id,
        AssessmentObjection.status == "open"))
    if pending is not None:
        raise Conflict(_("您已提出的异议还在等待答复，请耐心等待。"))
    mine = assessment.member_scores(session, pub.year, now=now)
    total = next((s.total for s in mine if s.id == member.id), None)
    obj = AssessmentObjection(publication_id=pub.id, member_id=member.id, reason=reason, status="open",
                              total_before=total, created_at=now)
    session.add(obj)
    session.flush()
    record(session, actor_user_id=None, actor_name=member.name, action="assessment.objection_filed",
           target_type="member", target_id=member.id,
           details={"objection_id": obj.id, "year": pub.year, "reason": reason, "total": total})
    return obj


def answer_objection(session: Session, actor: User, objection_id: int, *, answer: str,
                     correction_kind: str = "", correction_amount: float = 0.0, correction_note: str = "",
                     now: dt.datetime | None = None) -> AssessmentObjection:
    """The admin's or the member's secretary's answer, with an optional correction of the record (volunteer
    hours or contribution points); the score is recomputed. Only during the period; audited."""
    now = now or utcnow()
    obj = session.get(AssessmentObjection, objection_id)
    if obj is None:
        raise NotFound(_("异议不存在。"))
    member = session.get(Member, obj.member_id)
    if actor.role not in (Role.ADMIN, Role.SECRETARY) or member is None:
        raise Forbidden(_("只有管理员和支部书记可以答复异议。"))
    scope = branch_scope(actor)
    if scope is not None and member.branch_id != scope:
        raise Forbidden(_("您只能答复本支部党员的异议。"))
    pub = session.get(AssessmentPublication, obj.publication_id)
    assert pub is not None
    if obj.status != "open":
        raise Conflict(_("该异议已经答复过了。"))
    if not is_open(pub, now):
        raise Conflict(_("公示期已结束，结果已确定，不能再答复或更正。"), code="closed")
    answer = (answer or "").strip()
    if not answer or len(answer) > 500:
        raise Invalid(_("请填写答复（不超过 500 字）。"))
    correction: dict[str, Any] | None = None
    if correction_kind:
        local_today = now.astimezone(LOCAL_TZ).date()
        day = min(local_today, dt.date(pub.year, 12, 31))
        entry = assessment.add_record(session, actor, member_id=member.id, kind=correction_kind, day=day,
                                      amount=correction_amount,
                                      note=(correction_note or "").strip() or _("异议更正：{a}").format(a=answer[:60]),
                                      today=local_today)
        correction = {"record_id": entry.id, "kind": correction_kind, "amount": correction_amount}
    scores = assessment.member_scores(session, pub.year, now=now)
    obj.total_after = next((s.total for s in scores if s.id == member.id), None)
    obj.answer, obj.status, obj.answered_by_user_id, obj.answered_at = answer, "answered", actor.id, now
    session.flush()
    record(session, actor_user_id=actor.id, action="assessment.objection_answered", target_type="member",
           target_id=member.id, details={"objection_id": obj.id, "answer": answer, "correction": correction,
                                         "total_before": obj.total_before, "total_after": obj.total_after})
    return obj


def objections(session: Session, actor: User, publication_id: int) -> list[tuple[AssessmentObjection, Member]]:
    query = (select(AssessmentObjection, Member).join(Member, Member.id == AssessmentObjection.member_id)
             .where(AssessmentObjection.publication_id == publication_id).order_by(AssessmentObjection.id.desc()))
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where(Member.branch_id == scope)
    return [(o, m) for o, m in session.execute(query)]


def member_objections(session: Session, member_id: int) -> list[AssessmentObjection]:
    return list(session.scalars(select(AssessmentObjection).where(AssessmentObjection.member_id == member_id)
                                .order_by(AssessmentObjection.id.desc()).limit(10)))


def for_member(session: Session, member_id: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the phone shows a member: the criteria of this year, and the latest publication (running or
    ended) with their own objections and their statuses."""
    now = now or utcnow()
    pub = latest(session)
    out: dict[str, Any] = {"criteria": criteria(session, assessment.this_year(now)), "publication": None,
                           "objections": []}
    if pub is not None:
        out["publication"] = {"id": pub.id, "year": pub.year, "open": is_open(pub, now),
                              "ends_at": _aware(pub.ends_at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                              "starts_at": _aware(pub.starts_at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")}
        out["objections"] = [{"id": o.id, "reason": o.reason, "answer": o.answer,
                              "status": _(STATUS_NAMES[status_of(o, pub, now)]), "total_before": o.total_before,
                              "total_after": o.total_after}
                             for o in member_objections(session, member_id) if o.publication_id == pub.id]
    return out


def wall_results(session: Session, *, now: dt.datetime | None = None, limit: int = 10) -> dict[str, Any] | None:
    """What the wall's loop shows while a publication runs: the branch ranking and the top members, names
    masked; None when nothing is being published."""
    now = now or utcnow()
    pub = current(session, now)
    if pub is None:
        return None
    members = assessment.member_scores(session, pub.year, now=now)
    branches = assessment.branch_scores(session, pub.year, now=now, members=members)
    return {"year": pub.year, "ends_at": _aware(pub.ends_at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
            "members": [{"rank": m.rank, "name": mask_name(m.name), "branch": m.branch, "total": m.total}
                        for m in members[:limit]],
            "branches": [{"rank": b.rank, "name": b.name, "total": b.total} for b in branches]}
