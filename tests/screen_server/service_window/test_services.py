"""The service window's rules: routing to an owner by category and branch with a deadline, a form sent
twice stored once, bad input refused in Chinese and changing nothing, a secretary held to their own
branch, an overdue request raising an alert that clears once answered, and a finished volunteer
service counting its hours in the assessment's 服务 dimension once, beside hours typed by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.alerts import services as alerts
from screen_server.assessment import services as assessment
from screen_server.assessment.models import AssessmentRecord
from screen_server.audit.models import AuditEntry
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.org.models import Role
from screen_server.service_window import corrections
from screen_server.service_window import services as window
from screen_server.service_window.models import CorrectionStatus, RequestStatus, ServiceRequest
from tests.helpers.factories import make_branch, make_member, make_user

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


@pytest.fixture
def world(session: Session) -> dict[str, object]:
    one, two = make_branch(session), make_branch(session)
    return {
        "one": one, "two": two,
        "member": make_member(session, branch_id=one.id), "other": make_member(session, branch_id=two.id),
        "secretary": make_user(session, Role.SECRETARY, branch_id=one.id),
        "their_secretary": make_user(session, Role.SECRETARY, branch_id=two.id),
        "admin": make_user(session, Role.ADMIN),
    }


def test_a_request_goes_to_the_branch_secretary_with_the_category_deadline(session: Session, world: dict) -> None:
    req = window.submit(session, world["member"], category="hardship", text="  家里老人  住院 ", client_id="c" * 12,
                        now=NOW)
    assert req.owner_user_id == world["secretary"].id and req.branch_id == world["one"].id
    assert req.due_on == dt.date(2026, 6, 8) and req.text == "家里老人 住院"  # 困难帮扶: 7 days by default
    again = window.submit(session, world["member"], category="hardship", text="家里老人住院", client_id="c" * 12, now=NOW)
    assert again.id == req.id and session.scalar(select(func.count(ServiceRequest.id))) == 1
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "service.submitted"))
    assert audit is not None and audit.details["category"] == "hardship"


def test_a_named_owner_and_deadline_from_the_admin(session: Session, world: dict) -> None:
    window.set_category(session, world["admin"], "suggestion", owner_user_id=world["admin"].id, deadline_days=3)
    req = window.submit(session, world["other"], category="suggestion", text="多办读书会", client_id="d" * 12, now=NOW)
    assert req.owner_user_id == world["admin"].id and req.due_on == dt.date(2026, 6, 4)
    with pytest.raises(Forbidden):
        window.set_category(session, world["secretary"], "suggestion", owner_user_id=None, deadline_days=5)
    with pytest.raises(Invalid, match="办理期限"):
        window.set_category(session, world["admin"], "suggestion", owner_user_id=None, deadline_days=0)
    with pytest.raises(Invalid, match="管理员账号"):
        window.set_category(session, world["admin"], "suggestion", owner_user_id=world["secretary"].id, deadline_days=5)


@pytest.mark.parametrize(("category", "text", "client_id", "message"), [
    ("nonsense", "有事", "e" * 12, "请选择类别"),
    ("other", "   ", "e" * 12, "请写下"),
    ("other", "长" * 501, "e" * 12, "不超过 500 字"),
    ("other", "有事", "x", "页面已过期"),
])
def test_bad_input_is_refused_and_stores_nothing(session: Session, world: dict, category: str, text: str,
                                                 client_id: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        window.submit(session, world["member"], category=category, text=text, client_id=client_id)
    assert session.scalar(select(func.count(ServiceRequest.id))) == 0


def test_a_secretary_sees_and_answers_only_their_branch(session: Session, world: dict) -> None:
    mine = window.submit(session, world["member"], category="other", text="请联系我", client_id="f" * 12)
    theirs = window.submit(session, world["other"], category="other", text="请联系我", client_id="g" * 12)
    assert [r.id for r in window.list_for(session, world["secretary"])] == [mine.id]
    assert {r.id for r in window.list_for(session, world["admin"])} == {mine.id, theirs.id}
    with pytest.raises(NotFound):
        window.answer(session, world["secretary"], theirs.id, text="已联系")
    assert theirs.status is RequestStatus.OPEN
    window.answer(session, world["secretary"], mine.id, text="已电话联系")
    assert mine.status is RequestStatus.DONE and mine.answered_by_user_id == world["secretary"].id
    with pytest.raises(Conflict, match="已经办结"):
        window.answer(session, world["secretary"], mine.id, text="再答一次")
    with pytest.raises(Invalid, match="答复内容"):
        window.answer(session, world["admin"], theirs.id, text=" ")


def test_overdue_requests_raise_an_alert_that_clears_when_answered(session: Session, world: dict) -> None:
    req = window.submit(session, world["member"], category="hardship", text="急需帮助", client_id="h" * 12, now=NOW)
    assert not [a for a in alerts.evaluate(session, now=NOW).raised if a.indicator == alerts.SERVICES_OVERDUE]
    late = NOW + dt.timedelta(days=8)
    raised = [a for a in alerts.evaluate(session, now=late).raised if a.indicator == alerts.SERVICES_OVERDUE]
    assert [a.branch_id for a in raised] == [world["one"].id]
    assert "1 件党员诉求已过办理期限" in raised[0].message and raised[0].figures["request_ids"] == [req.id]
    assert window.counts_for(session, world["secretary"], late.date()) == {"open": 1, "overdue": 1}
    window.answer(session, world["secretary"], req.id, text="已上门走访")
    cleared = alerts.evaluate(session, now=late).cleared
    assert [a.indicator for a in cleared if a.branch_id == world["one"].id] == [alerts.SERVICES_OVERDUE]


def test_a_finished_volunteer_service_counts_its_hours_once(session: Session, world: dict) -> None:
    member, secretary = world["member"], world["secretary"]
    year = window.today().year

    def hours() -> float:
        scores = assessment.member_scores(session, year)
        return next(s.service_hours for s in scores if s.id == member.id)

    assessment.add_record(session, secretary, member_id=member.id, kind="service", day=window.today(), amount=3,
                          note="社区清扫（手工登记）")
    req = window.submit(session, member, category="volunteer", text="我报名参加社区志愿服务", client_id="i" * 12)
    with pytest.raises(Invalid, match="0.5 到 24 小时"):
        window.answer(session, secretary, req.id, text="已完成", hours=30)
    assert req.status is RequestStatus.OPEN and hours() == 3
    window.answer(session, secretary, req.id, text="已完成，辛苦了", hours=2.5)
    assert hours() == 5.5 and req.hours == 2.5
    linked = session.get(AssessmentRecord, req.assessment_record_id)
    assert linked is not None and linked.amount == 2.5 and "志愿服务报名" in linked.note
    with pytest.raises(Conflict):
        window.answer(session, secretary, req.id, text="再记一次", hours=2.5)
    assert hours() == 5.5
    other = window.submit(session, member, category="hardship", text="生活困难", client_id="j" * 12)
    with pytest.raises(Invalid, match="只有志愿服务报名"):
        window.answer(session, secretary, other.id, text="已帮扶", hours=2)


def test_a_correction_is_accepted_into_the_record_or_declined_with_a_reason(session: Session, world: dict) -> None:
    member = world["member"]
    corr = corrections.file_correction(session, member, field="phone", proposed="13900001111", reason="换号了",
                                       client_id="k" * 12)
    with pytest.raises(NotFound):
        corrections.accept(session, world["their_secretary"], corr.id)
    assert corrections.list_for(session, world["their_secretary"]) == []
    corrections.accept(session, world["secretary"], corr.id)
    assert member.phone == "13900001111" and corr.status is CorrectionStatus.ACCEPTED
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "member.update",
                                                   AuditEntry.target_id == str(member.id))) is not None
    with pytest.raises(Conflict):
        corrections.decline(session, world["secretary"], corr.id, reason="晚了")
    second = corrections.file_correction(session, member, field="title", proposed="处长", reason="升职",
                                         client_id="l" * 12)
    with pytest.raises(Invalid, match="理由"):
        corrections.decline(session, world["secretary"], second.id, reason="")
    corrections.decline(session, world["secretary"], second.id, reason="任命文件尚未下发")
    assert member.title == "" and second.status is CorrectionStatus.DECLINED
    assert corrections.correction_data(second)["answer"] == "任命文件尚未下发"
    with pytest.raises(Invalid, match="请选择要更正的项目"):
        corrections.file_correction(session, member, field="number", proposed="X1", reason="想换", client_id="m" * 12)
