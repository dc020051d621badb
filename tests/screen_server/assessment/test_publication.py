"""公示与异议 and 光荣榜: an objection filed during the period is answered with a correction and changes the
score (audited); one filed after the period is refused with a clear Chinese message and changes nothing;
a secretary answers only their own branch's; the criteria carry weights, targets and rules; only
current-period honours show."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.assessment import honour
from screen_server.assessment import publication as pub
from screen_server.assessment import services as assessment
from screen_server.assessment.models import AssessmentObjection, AssessmentRecord
from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Role
from screen_server.org.services import mask_name
from tests.helpers.factories import make_branch, make_member, make_user

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime.combine(TODAY, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


def _actions(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_objection_in_period_is_answered_and_changes_score(session: Session) -> None:
    branch = make_branch(session, short_name="一支部")
    member = make_member(session, branch_id=branch.id, name="张三")
    admin = make_user(session)
    secretary = make_user(session, role=Role.SECRETARY, branch_id=branch.id)
    published = pub.publish(session, admin, 2026, days=7, now=NOW)
    assert pub.is_open(published, NOW + dt.timedelta(days=6, hours=23))
    assert not pub.is_open(published, NOW + dt.timedelta(days=7))

    obj = pub.file_objection(session, member.id, "我参加了社区志愿服务 8 小时，没有登记。", now=NOW + dt.timedelta(days=1))
    before = obj.total_before
    assert before is not None
    answered = pub.answer_objection(session, secretary, obj.id, answer="已核实，补登志愿服务 8 小时。",
                                    correction_kind="service", correction_amount=8,
                                    now=NOW + dt.timedelta(days=2))
    assert answered.status == "answered" and answered.total_after is not None
    assert answered.total_after > before
    score = next(s for s in assessment.member_scores(session, 2026, now=NOW + dt.timedelta(days=2)) if s.id == member.id)
    assert score.service_hours == 8 and score.total == answered.total_after
    assert session.scalar(select(func.count()).select_from(AssessmentRecord)) == 1
    assert _actions(session, "assessment.objection_filed") == 1
    assert _actions(session, "assessment.objection_answered") == 1
    assert _actions(session, "assessment.record_added") == 1
    mine = pub.for_member(session, member.id, now=NOW + dt.timedelta(days=2))
    assert mine["publication"]["open"] and mine["objections"][0]["answer"].startswith("已核实")
    assert mine["objections"][0]["status"] == "已答复"


def test_objection_after_period_is_refused(session: Session) -> None:
    member = make_member(session, branch_id=make_branch(session).id)
    admin = make_user(session)
    pub.publish(session, admin, 2026, days=7, now=NOW)
    with pytest.raises(Conflict) as refused:
        pub.file_objection(session, member.id, "我的学习记录不全。", now=NOW + dt.timedelta(days=7, seconds=1))
    assert "公示期已于" in refused.value.message and "不再受理异议" in refused.value.message
    assert session.scalar(select(func.count()).select_from(AssessmentObjection)) == 0
    with pytest.raises(Conflict) as none:
        pub.file_objection(session, member.id, "我的学习记录不全。", now=NOW - dt.timedelta(days=1))
    assert "没有正在公示" in none.value.message


def test_answer_after_period_and_other_branch_refused(session: Session) -> None:
    branch, other = make_branch(session), make_branch(session)
    member = make_member(session, branch_id=branch.id)
    admin = make_user(session)
    stranger = make_user(session, role=Role.SECRETARY, branch_id=other.id)
    pub.publish(session, admin, 2026, days=3, now=NOW)
    obj = pub.file_objection(session, member.id, "组织生活到会记录有误。", now=NOW)
    with pytest.raises(Forbidden):
        pub.answer_objection(session, stranger, obj.id, answer="好", now=NOW)
    with pytest.raises(Conflict):
        pub.answer_objection(session, admin, obj.id, answer="好", now=NOW + dt.timedelta(days=4))
    assert pub.status_of(obj, pub.latest(session) or pytest.fail(), NOW + dt.timedelta(days=4)) == "closed"
    with pytest.raises(Invalid):
        pub.file_objection(session, member.id, "短", now=NOW)
    with pytest.raises(Conflict):  # one open objection at a time
        pub.file_objection(session, member.id, "再次提出异议的理由。", now=NOW)
    with pytest.raises(Forbidden):
        pub.publish(session, stranger, 2026, days=7, now=NOW)
    with pytest.raises(Conflict):
        pub.publish(session, admin, 2026, days=7, now=NOW)


def test_criteria_carry_weights_targets_and_rules(session: Session) -> None:
    c = pub.criteria(session, 2026)
    assert [d["weight"] for d in c["dimensions"]] == [40, 30, 15, 15]
    assert {t["key"] for t in c["targets"]} == {"courses", "service_hours", "contribution", "meetings"}
    assert len(c["rules"]) == 5 and "志愿服务" in c["rules"][2]


def test_wall_results_mask_names(session: Session) -> None:
    make_member(session, branch_id=make_branch(session).id, name="王小明")
    admin = make_user(session)
    assert pub.wall_results(session, now=NOW) is None
    pub.publish(session, admin, 2026, days=7, now=NOW)
    shown = pub.wall_results(session, now=NOW)
    assert shown is not None and shown["members"][0]["name"] != "王小明"
    assert shown["members"][0]["name"] == mask_name("王小明")


def test_honour_board_shows_current_period_only(session: Session, settings: Settings) -> None:
    admin = make_user(session)
    member = make_member(session, branch_id=make_branch(session).id, name="李红")
    now_entry = honour.add(session, settings, admin, title="优秀党员", name="", member_number=member.number,
                           citation="扎根一线，带头攻坚。", starts_on=TODAY - dt.timedelta(days=5),
                           ends_on=TODAY + dt.timedelta(days=5))
    honour.add(session, settings, admin, title="党员先锋岗", name="装配车间", citation="安全生产 1000 天。",
               starts_on=TODAY - dt.timedelta(days=60), ends_on=TODAY - dt.timedelta(days=1))
    assert now_entry.name == "李红"
    assert [e.id for e in honour.current(session, TODAY)] == [now_entry.id]
    with pytest.raises(Invalid):
        honour.add(session, settings, admin, title="优秀党员", name="某", citation="x",
                   starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        honour.add(session, settings, make_user(session, role=Role.EDITOR), title="优秀党员", name="某",
                   citation="x", starts_on=TODAY, ends_on=TODAY)
    assert _actions(session, "honour.added") == 2
