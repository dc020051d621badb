"""学习计划: a member who completed 2 of 3 required items reads 67%, and so does their branch; only a
completed study record counts; a secretary sets plans for their own branch only; bad input changes
nothing; every change and export is audited; a branch behind near the deadline raises an alert."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.alerts import services as alerts
from screen_server.alerts.models import Alert
from screen_server.audit.models import AuditEntry
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Member, Role
from screen_server.study import plans
from screen_server.study.models import StudyPlan, StudyRecord
from tests.helpers.factories import make_branch, make_member, make_user

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime.combine(TODAY, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


def _items(session: Session, n: int) -> list[Item]:
    items = [Item(kind=ItemKind.ARTICLE, title=f"必学{i}", status=ReviewStatus.PUBLISHED, published_at=NOW)
             for i in range(n)]
    session.add_all(items)
    session.flush()
    return items


def _study(session: Session, member: Member, item: Item, *, completed: bool = True) -> None:
    session.add(StudyRecord(member_id=member.id, item_id=item.id, active_seconds=600, progress=1.0 if completed else 0.5,
                            completed=completed, completed_at=NOW if completed else None, first_at=NOW, last_at=NOW))
    session.flush()


def test_two_of_three_reads_67_percent_for_member_and_branch(session: Session) -> None:
    branch = make_branch(session, short_name="一支部")
    member = make_member(session, branch_id=branch.id, name="张三")
    admin = make_user(session)
    items = _items(session, 3)
    plan = plans.save_plan(session, admin, title="十一月必学", branch_id=branch.id, starts_on=TODAY - dt.timedelta(days=5),
                           due_on=TODAY + dt.timedelta(days=5), item_ids=[i.id for i in items])
    _study(session, member, items[0])
    _study(session, member, items[2])
    _study(session, member, items[1], completed=False)  # opened, not finished: not done

    data = plans.rates(session, plan)
    assert [(m.name, m.done, m.possible, m.percent) for m in data.members] == [("张三", 2, 3, 67)]
    assert [(b.branch_id, b.done, b.possible, b.percent) for b in data.branches] == [(branch.id, 2, 3, 67)]
    assert data.overall == 67

    [mine] = plans.member_plans(session, member, today=TODAY)
    assert (mine.done, mine.total, mine.percent) == (2, 3, 67)
    assert [i.done for i in mine.items] == [True, False, True]


def test_committee_plan_binds_every_branch_and_branch_plan_only_its_own(session: Session) -> None:
    one, two = make_branch(session), make_branch(session)
    a, b = make_member(session, branch_id=one.id), make_member(session, branch_id=two.id)
    admin = make_user(session)
    items = _items(session, 2)
    plans.save_plan(session, admin, title="全体必学", branch_id=None, starts_on=TODAY, due_on=TODAY,
                    item_ids=[items[0].id])
    plans.save_plan(session, admin, title="一支部必学", branch_id=one.id, starts_on=TODAY, due_on=TODAY,
                    item_ids=[items[1].id])
    assert sorted(p.title for p in plans.member_plans(session, a, today=TODAY)) == ["一支部必学", "全体必学"]
    assert [p.title for p in plans.member_plans(session, b, today=TODAY)] == ["全体必学"]
    # Not yet started, or ended long ago: not shown.
    assert plans.member_plans(session, b, today=TODAY - dt.timedelta(days=1)) == []
    assert plans.member_plans(session, b, today=TODAY + dt.timedelta(days=31)) == []


def test_secretary_sets_plans_for_own_branch_only(session: Session) -> None:
    one, two = make_branch(session), make_branch(session)
    admin = make_user(session)
    secretary = make_user(session, Role.SECRETARY, branch_id=one.id)
    editor = make_user(session, Role.EDITOR)
    items = _items(session, 1)
    kw = {"title": "计划", "starts_on": TODAY, "due_on": TODAY, "item_ids": [items[0].id]}
    with pytest.raises(Forbidden):
        plans.save_plan(session, secretary, branch_id=two.id, **kw)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        plans.save_plan(session, secretary, branch_id=None, **kw)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        plans.save_plan(session, editor, branch_id=one.id, **kw)  # type: ignore[arg-type]
    own = plans.save_plan(session, secretary, branch_id=one.id, **kw)  # type: ignore[arg-type]
    theirs = plans.save_plan(session, admin, branch_id=two.id, **kw)  # type: ignore[arg-type]
    everyone = plans.save_plan(session, admin, branch_id=None, **kw)  # type: ignore[arg-type]
    assert {p.id for p in plans.visible_plans(session, secretary)} == {own.id, everyone.id}
    with pytest.raises(NotFound):
        plans.get_plan(session, secretary, theirs.id)
    with pytest.raises(NotFound):
        plans.delete_plan(session, secretary, theirs.id)
    with pytest.raises(Forbidden):
        plans.delete_plan(session, secretary, everyone.id)
    with pytest.raises(NotFound):
        plans.export_xlsx(session, secretary, theirs.id)
    plans.delete_plan(session, secretary, own.id)
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "study_plan")))
    assert actions.count("study_plan.created") == 3 and "study_plan.deleted" in actions


def test_bad_input_is_refused_in_chinese_and_changes_nothing(session: Session) -> None:
    branch = make_branch(session)
    admin = make_user(session)
    items = _items(session, 1)
    draft = Item(kind=ItemKind.ARTICLE, title="草稿", status=ReviewStatus.DRAFT)
    session.add(draft)
    session.flush()
    cases = [
        ({"title": " ", "due_on": TODAY, "item_ids": [items[0].id]}, "计划名称"),
        ({"title": "计划", "due_on": TODAY - dt.timedelta(days=1), "item_ids": [items[0].id]}, "截止日期"),
        ({"title": "计划", "due_on": TODAY, "item_ids": []}, "至少选择"),
        ({"title": "计划", "due_on": TODAY, "item_ids": [draft.id]}, "尚未发布"),
    ]
    for kw, words in cases:
        with pytest.raises(Invalid) as err:
            plans.save_plan(session, admin, branch_id=branch.id, starts_on=TODAY, **kw)  # type: ignore[arg-type]
        assert words in err.value.message
    assert session.scalar(select(func.count(StudyPlan.id))) == 0


def test_edit_is_audited_with_before_and_after(session: Session) -> None:
    branch = make_branch(session)
    admin = make_user(session)
    items = _items(session, 3)
    plan = plans.save_plan(session, admin, title="计划", branch_id=branch.id, starts_on=TODAY, due_on=TODAY,
                           item_ids=[items[0].id, items[1].id])
    plans.save_plan(session, admin, plan_id=plan.id, title="计划（修订）", branch_id=branch.id, starts_on=TODAY,
                    due_on=TODAY + dt.timedelta(days=3), item_ids=[items[2].id, items[0].id])
    assert plans.plan_item_ids(session, plan.id) == [items[2].id, items[0].id]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "study_plan.updated"))
    assert entry is not None
    assert entry.details["before"]["item_ids"] == [items[0].id, items[1].id]
    assert entry.details["after"]["title"] == "计划（修订）"


def test_export_holds_the_rates(session: Session) -> None:
    branch = make_branch(session, name="第一党支部")
    member = make_member(session, branch_id=branch.id, name="李四")
    admin = make_user(session)
    items = _items(session, 3)
    plan = plans.save_plan(session, admin, title="必学", branch_id=None, starts_on=TODAY, due_on=TODAY,
                           item_ids=[i.id for i in items])
    _study(session, member, items[0])
    _study(session, member, items[1])
    wb = load_workbook(io.BytesIO(plans.export_xlsx(session, admin, plan.id)))
    rows = [list(r) for r in wb["支部完成率"].iter_rows(min_row=3, max_row=3, values_only=True)]
    assert rows == [["第一党支部", 1, 2, 3, "67%"]]
    member_rows = [list(r) for r in wb["党员完成情况"].iter_rows(min_row=3, max_row=3, values_only=True)]
    assert member_rows == [["李四", "第一党支部", 2, 3, "67%", "✓", "✓", None]]
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "study_plan.exported")) is not None


def test_alert_fires_for_a_branch_behind_near_the_deadline_and_clears(session: Session) -> None:
    behind, ahead = make_branch(session), make_branch(session)
    slow = make_member(session, branch_id=behind.id)
    quick = make_member(session, branch_id=ahead.id)
    admin = make_user(session)
    items = _items(session, 2)
    plans.save_plan(session, admin, title="必学", branch_id=None, starts_on=TODAY - dt.timedelta(days=20),
                    due_on=TODAY + dt.timedelta(days=10), item_ids=[i.id for i in items])
    for item in items:
        _study(session, quick, item)
    _study(session, slow, items[0])

    def plan_alerts() -> dict[int, Alert]:
        return {a.branch_id: a for a in session.scalars(select(Alert).where(Alert.indicator == alerts.PLAN,
                                                                            Alert.cleared_at.is_(None)))}

    alerts.evaluate(session, now=NOW)  # ten days out: not near enough yet (the window is 7 days)
    assert plan_alerts() == {}
    near = NOW + dt.timedelta(days=4)
    alerts.evaluate(session, now=near)
    raised = plan_alerts()
    assert list(raised) == [behind.id]
    assert "50%" in raised[behind.id].message and raised[behind.id].figures["percent"] == 50
    _study(session, slow, items[1])
    alerts.evaluate(session, now=near)
    assert plan_alerts() == {}


def test_plan_threshold_counts_days_before_the_deadline(session: Session) -> None:
    admin = make_user(session)
    with pytest.raises(Invalid) as err:
        alerts.set_threshold(session, alerts.PLAN, branch_id=None, threshold=0.9, days=0, enabled=True,
                             actor_user_id=admin.id)
    assert "截止前提醒天数" in err.value.message
    with pytest.raises(Invalid) as err:
        alerts.set_threshold(session, alerts.PLAN, branch_id=None, threshold=1.5, days=3, enabled=True,
                             actor_user_id=admin.id)
    assert "完成率下限" in err.value.message
    alerts.set_threshold(session, alerts.PLAN, branch_id=None, threshold=0.9, days=3, enabled=True,
                         actor_user_id=admin.id)
    limit = alerts.thresholds_for(session, None)[alerts.PLAN]
    assert (limit.threshold, limit.days) == (0.9, 3)
    assert alerts.describe(limit) == "截止前 3 天完成率低于 90%"
