"""Study plans (学习计划): the items a branch, or the committee for every branch, requires its members to
study (必学) between two days, and how far each member and branch has got.

**What counts as done.** A required item is done for a member when the member's study record of it is
*completed*: the member reached its end (the last page, the end of the video, the bottom of the article)
and the server accepted that completion, which it does only once the member has spent at least the
item's required active time on it (``integrity.required_seconds``: reading time by length for an
article, most of the running time for a video or audio, a floor for a PDF or poster). Study from before
the plan started counts too: a plan asks that the item has been studied, not that it be studied twice.

**Rates.** A member's rate is done ÷ required items. A branch's (and the plan's) rate is all done
items of its active members ÷ (members × items), so a member who finished 2 of 3 items in a branch of
one reads 67% for both.

Who may do what: a system admin sets plans for any branch or for all; a branch secretary for their own
branch only (and sees the committee's plans as they bear on their branch, without changing them).
Every change and every export is audited. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ReviewStatus
from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Branch, Member, Role, User
from screen_server.org.services import branch_scope
from screen_server.study.models import StudyPlan, StudyPlanItem, StudyRecord

MAX_ITEMS = 30
MAX_DAYS = 366
SHOW_ENDED_DAYS = 30  # a member still sees a plan this many days after its deadline


@dataclass(frozen=True, slots=True)
class RequiredItem:
    item_id: int
    title: str
    kind: str
    done: bool
    minutes: int  # the member's active minutes on it so far


@dataclass(slots=True)
class MemberPlan:
    """One plan as one member sees it: what is required, what is done."""

    id: int
    title: str
    scope: str  # 全体党员 or the branch's name
    starts_on: dt.date
    due_on: dt.date
    items: list[RequiredItem] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    def days_left(self, today: dt.date) -> int:
        return (self.due_on - today).days

    def as_json(self, today: dt.date) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "scope": self.scope, "starts_on": self.starts_on.isoformat(),
                "due_on": self.due_on.isoformat(), "days_left": self.days_left(today), "done": self.done,
                "total": self.total, "percent": self.percent,
                "items": [{"item_id": i.item_id, "title": i.title, "kind": i.kind, "done": i.done,
                           "minutes": i.minutes} for i in self.items]}


@dataclass(frozen=True, slots=True)
class Rate:
    """A member's or a branch's completion of one plan."""

    id: int
    name: str
    branch: str
    branch_id: int
    members: int  # 1 for a member
    done: int
    possible: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.possible)


@dataclass(slots=True)
class PlanRates:
    plan: StudyPlan
    items: list[Item]
    members: list[Rate]
    branches: list[Rate]
    done_by: dict[int, set[int]]  # member id → the plan's items they have done

    @property
    def overall(self) -> int:
        return percent(sum(b.done for b in self.branches), sum(b.possible for b in self.branches))


def percent(done: int, possible: int) -> int:
    """Whole percent, rounded half up (2 of 3 reads 67)."""
    return int(done * 100 / possible + 0.5) if possible else 0


def today_local(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(LOCAL_TZ).date()


# --- setting plans ----------------------------------------------------------------------------------


def _check_actor(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以设置学习计划。"))


def _editable(session: Session, actor: User, plan_id: int) -> StudyPlan:
    _check_actor(actor)
    plan = session.get(StudyPlan, plan_id)
    scope = branch_scope(actor)
    if plan is None or (scope is not None and plan.branch_id not in (scope, None)):
        raise NotFound(_("学习计划不存在或不在您的管理范围内。"))
    if scope is not None and plan.branch_id is None:
        raise Forbidden(_("全体党员的学习计划由党委管理员设置，支部书记不能修改。"))
    return plan


def _clean(session: Session, actor: User, *, title: str, branch_id: int | None, starts_on: dt.date,
           due_on: dt.date, item_ids: Sequence[int]) -> tuple[str, list[int]]:
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise Invalid(_("请填写计划名称（不超过 100 字）。"))
    scope = branch_scope(actor)
    if scope is not None and branch_id != scope:
        raise Forbidden(_("支部书记只能为本支部设置学习计划。"))
    if branch_id is not None:
        branch = session.get(Branch, branch_id)
        if branch is None or not branch.active:
            raise NotFound(_("支部不存在。"))
    if due_on < starts_on:
        raise Invalid(_("截止日期不能早于开始日期。"))
    if (due_on - starts_on).days > MAX_DAYS:
        raise Invalid(_("一个学习计划最长一年。"))
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        raise Invalid(_("请至少选择一项必学内容。"))
    if len(ids) > MAX_ITEMS:
        raise Invalid(_("一个学习计划最多 {n} 项必学内容。").format(n=MAX_ITEMS))
    published = set(session.scalars(select(Item.id).where(Item.id.in_(ids), Item.status == ReviewStatus.PUBLISHED)))
    missing = [i for i in ids if i not in published]
    if missing:
        raise Invalid(_("内容 {ids} 不存在或尚未发布，不能列为必学。").format(ids="、".join(map(str, missing))))
    return title, ids


def save_plan(session: Session, actor: User, *, title: str, branch_id: int | None, starts_on: dt.date,
              due_on: dt.date, item_ids: Sequence[int], plan_id: int | None = None) -> StudyPlan:
    """Create a plan, or change one (``plan_id``); audited with the before and after."""
    _check_actor(actor)
    plan = _editable(session, actor, plan_id) if plan_id is not None else None
    title, ids = _clean(session, actor, title=title, branch_id=branch_id, starts_on=starts_on, due_on=due_on,
                        item_ids=item_ids)
    before = describe(session, plan) if plan is not None else None
    if plan is None:
        plan = StudyPlan(created_by_user_id=actor.id)
        session.add(plan)
    plan.title, plan.branch_id, plan.starts_on, plan.due_on = title, branch_id, starts_on, due_on
    session.flush()
    current = {pi.item_id: pi for pi in session.scalars(select(StudyPlanItem).where(StudyPlanItem.plan_id == plan.id))}
    for item_id, pi in current.items():
        if item_id not in ids:
            session.delete(pi)
    for position, item_id in enumerate(ids):
        if item_id in current:
            current[item_id].position = position
        else:
            session.add(StudyPlanItem(plan_id=plan.id, item_id=item_id, position=position))
    session.flush()
    record(session, actor_user_id=actor.id, action="study_plan.updated" if before else "study_plan.created",
           target_type="study_plan", target_id=plan.id,
           details={"before": before, "after": describe(session, plan)} if before else describe(session, plan))
    return plan


def delete_plan(session: Session, actor: User, plan_id: int) -> None:
    plan = _editable(session, actor, plan_id)
    details = describe(session, plan)
    session.delete(plan)
    session.flush()
    record(session, actor_user_id=actor.id, action="study_plan.deleted", target_type="study_plan",
           target_id=plan_id, details=details)


def describe(session: Session, plan: StudyPlan) -> dict[str, Any]:
    return {"title": plan.title, "branch_id": plan.branch_id, "starts_on": plan.starts_on.isoformat(),
            "due_on": plan.due_on.isoformat(), "item_ids": plan_item_ids(session, plan.id)}


def plan_item_ids(session: Session, plan_id: int) -> list[int]:
    return list(session.scalars(select(StudyPlanItem.item_id).where(StudyPlanItem.plan_id == plan_id)
                                .order_by(StudyPlanItem.position, StudyPlanItem.id)))


# --- reading plans ----------------------------------------------------------------------------------


def visible_plans(session: Session, actor: User) -> list[StudyPlan]:
    """The plans an admin or secretary may see: all, or their branch's and the committee's."""
    _check_actor(actor)
    query = select(StudyPlan).order_by(StudyPlan.due_on.desc(), StudyPlan.id.desc())
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where((StudyPlan.branch_id == scope) | StudyPlan.branch_id.is_(None))
    return list(session.scalars(query))


def get_plan(session: Session, actor: User, plan_id: int) -> StudyPlan:
    _check_actor(actor)
    plan = session.get(StudyPlan, plan_id)
    scope = branch_scope(actor)
    if plan is None or (scope is not None and plan.branch_id not in (scope, None)):
        raise NotFound(_("学习计划不存在或不在您的管理范围内。"))
    return plan


def scope_name(session: Session, plan: StudyPlan) -> str:
    if plan.branch_id is None:
        return _("全体党员")
    branch = session.get(Branch, plan.branch_id)
    return branch.name if branch else ""


def _items(session: Session, plan_ids: Sequence[int]) -> dict[int, list[Item]]:
    out: dict[int, list[Item]] = defaultdict(list)
    rows = session.execute(select(StudyPlanItem.plan_id, Item).join(Item, Item.id == StudyPlanItem.item_id)
                           .where(StudyPlanItem.plan_id.in_(list(plan_ids)))
                           .order_by(StudyPlanItem.plan_id, StudyPlanItem.position, StudyPlanItem.id))
    for plan_id, item in rows:
        out[plan_id].append(item)
    return out


def member_plans(session: Session, member: Member, *, today: dt.date | None = None) -> list[MemberPlan]:
    """The plans that bind ``member`` now (started, and not ended more than a month ago), soonest due first."""
    today = today or today_local()
    plans = list(session.scalars(
        select(StudyPlan).where((StudyPlan.branch_id == member.branch_id) | StudyPlan.branch_id.is_(None),
                                StudyPlan.starts_on <= today,
                                StudyPlan.due_on >= today - dt.timedelta(days=SHOW_ENDED_DAYS))
        .order_by(StudyPlan.due_on, StudyPlan.id)))
    items = _items(session, [p.id for p in plans])
    wanted = {i.id for lst in items.values() for i in lst}
    records = {r.item_id: r for r in session.scalars(
        select(StudyRecord).where(StudyRecord.member_id == member.id, StudyRecord.item_id.in_(wanted)))} if wanted else {}
    out = []
    for plan in plans:
        mp = MemberPlan(plan.id, plan.title, scope_name(session, plan), plan.starts_on, plan.due_on)
        for item in items.get(plan.id, []):
            rec = records.get(item.id)
            mp.items.append(RequiredItem(item.id, item.title, item.kind.value, bool(rec and rec.completed),
                                         (rec.active_seconds // 60) if rec else 0))
        out.append(mp)
    # Unfinished plans first: what is still to do matters more than what is done.
    out.sort(key=lambda p: (p.done == p.total, p.due_on, p.id))
    return out


def rates(session: Session, plan: StudyPlan, *, branch_id: int | None = None) -> PlanRates:
    """Each active member's and each branch's completion of ``plan`` (``branch_id``: one branch only)."""
    items = _items(session, [plan.id]).get(plan.id, [])
    item_ids = [i.id for i in items]
    query = (select(Member, Branch).join(Branch, Branch.id == Member.branch_id).where(Member.active.is_(True))
             .order_by(Branch.position, Branch.id, Member.number))
    only = plan.branch_id if plan.branch_id is not None else branch_id
    if only is not None:
        query = query.where(Member.branch_id == only)
    members = [(m, b) for m, b in session.execute(query)]
    done_by: dict[int, set[int]] = defaultdict(set)
    if item_ids and members:
        for member_id, item_id in session.execute(
                select(StudyRecord.member_id, StudyRecord.item_id)
                .join(Member, Member.id == StudyRecord.member_id)
                .where(StudyRecord.item_id.in_(item_ids), StudyRecord.completed.is_(True), Member.active.is_(True))):
            done_by[member_id].add(item_id)
    n = len(item_ids)
    member_rates = [Rate(m.id, m.name, b.name, b.id, 1, len(done_by.get(m.id, ())), n) for m, b in members]
    per_branch: dict[int, list[Rate]] = defaultdict(list)
    names: dict[int, str] = {}
    for r in member_rates:
        per_branch[r.branch_id].append(r)
        names[r.branch_id] = r.branch
    branch_rates = [Rate(bid, names[bid], names[bid], bid, len(rs), sum(r.done for r in rs), n * len(rs))
                    for bid, rs in per_branch.items()]
    return PlanRates(plan, items, member_rates, branch_rates, done_by)


def export_xlsx(session: Session, actor: User, plan_id: int) -> bytes:
    """A plan's completion per branch and per member, and who has done which item, as an .xlsx (a
    secretary: their own branch's members only); recorded in the audit log. The caller commits."""
    from openpyxl import Workbook

    from screen_server.xlsx import stamp_workbook, write_sheet

    plan = get_plan(session, actor, plan_id)
    data = rates(session, plan, branch_id=branch_scope(actor))
    title = _("学习计划“{t}”（{s}，{a} 至 {b}）完成情况，全部 {p}%").format(
        t=plan.title, s=scope_name(session, plan), a=plan.starts_on.isoformat(), b=plan.due_on.isoformat(),
        p=data.overall)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "支部完成率"
    write_sheet(ws, title, ["支部", "党员人数", "已完成（人·项）", "应完成（人·项）", "完成率"], [22, 10, 16, 16, 10],
                [[b.name, b.members, b.done, b.possible, f"{b.percent}%"] for b in data.branches])
    write_sheet(wb.create_sheet("党员完成情况"), title,
                ["党员", "支部", "已完成", "必学", "完成率", *[i.title[:30] for i in data.items]],
                [12, 20, 8, 8, 10, *[18 for _i in data.items]],
                [[m.name, m.branch, m.done, m.possible, f"{m.percent}%",
                  *["✓" if i.id in data.done_by.get(m.id, set()) else "" for i in data.items]] for m in data.members])
    stamp_workbook(wb, actor)
    record(session, actor_user_id=actor.id, action="study_plan.exported", target_type="study_plan", target_id=plan.id,
           details={"members": len(data.members), "branch_id": branch_scope(actor)})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the alert --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lagging:
    """The worst plan of one branch that is due within the alert's window and below its threshold."""

    branch_id: int
    plan_id: int
    title: str
    due_on: dt.date
    percent: int
    done: int
    possible: int


def lagging_branches(session: Session, *, today: dt.date, days_by_branch: dict[int, int]) -> dict[int, Lagging]:
    """For each branch, the plan binding it that is running (started, deadline within its window of days
    from today, not passed) with the lowest completion. Branches without such a plan are left out."""
    if not days_by_branch:
        return {}
    horizon = today + dt.timedelta(days=max(days_by_branch.values()))
    plans = list(session.scalars(select(StudyPlan).where(StudyPlan.starts_on <= today, StudyPlan.due_on >= today,
                                                         StudyPlan.due_on <= horizon)))
    out: dict[int, Lagging] = {}
    for plan in plans:
        for b in rates(session, plan).branches:
            days = days_by_branch.get(b.branch_id)
            if days is None or (plan.due_on - today).days > days or not b.possible:
                continue
            found = Lagging(b.branch_id, plan.id, plan.title, plan.due_on, b.percent, b.done, b.possible)
            if b.branch_id not in out or found.percent < out[b.branch_id].percent:
                out[b.branch_id] = found
    return out


def choosable_items(session: Session, limit: int = 300) -> list[Item]:
    """The published items an admin may make required, newest first."""
    return list(session.scalars(select(Item).where(Item.status == ReviewStatus.PUBLISHED)
                                .order_by(Item.published_at.desc(), Item.id.desc()).limit(limit)))
