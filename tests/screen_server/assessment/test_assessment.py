"""量化考核: each dimension from its own records, the weighted total and ranks; the admin's weights
must add up to 100; service and contribution records are the secretary's for their own branch only,
audited, and bad input changes nothing; what a member sees at a terminal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.assessment import services as assessment
from screen_server.assessment.models import AssessmentRecord
from screen_server.audit.models import AuditEntry
from screen_server.errors import DomainError, Forbidden, Invalid
from screen_server.meetings.models import (
    Attendance,
    Meeting,
    MeetingType,
    SignInMethod,
    meeting_branches,
    meeting_expected,
)
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Member, Role
from screen_server.practice.models import PracticeSet
from screen_server.study.models import StudyRecord
from tests.helpers.factories import make_branch, make_member, make_user

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime.combine(TODAY, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


def _completed(session: Session, member: Member, n: int) -> None:
    for i in range(n):
        item = Item(kind=ItemKind.ARTICLE, title=f"课程{member.id}-{i}", status=ReviewStatus.PUBLISHED, published_at=NOW)
        session.add(item)
        session.flush()
        session.add(StudyRecord(member_id=member.id, item_id=item.id, active_seconds=300, progress=1.0, completed=True,
                                completed_at=NOW - dt.timedelta(days=i + 1), first_at=NOW, last_at=NOW))
    session.flush()


def _practice(session: Session, member: Member, correct: list[int]) -> None:
    for i, c in enumerate(correct):
        session.add(PracticeSet(member_id=member.id, kind="daily", day=TODAY - dt.timedelta(days=i + 1),
                                question_ids=[1, 2, 3, 4, 5], correct=c, finished=True))
    session.flush()


def _meeting(session: Session, branch_id: int, expected: list[Member], present: list[Member], days_ago: int) -> None:
    start = NOW - dt.timedelta(days=days_ago)
    meeting = Meeting(title="支部党员大会", type=MeetingType.BRANCH_GENERAL, starts_at=start,
                      ends_at=start + dt.timedelta(hours=2), signin_opens_at=start, signin_closes_at=start)
    session.add(meeting)
    session.flush()
    session.execute(meeting_branches.insert().values(meeting_id=meeting.id, branch_id=branch_id))
    session.execute(meeting_expected.insert(), [{"meeting_id": meeting.id, "member_id": m.id} for m in expected])
    for m in present:
        session.add(Attendance(meeting_id=meeting.id, member_id=m.id, signed_at=start, method=SignInMethod.QR))
    session.flush()


def test_scores_totals_and_ranks(session: Session) -> None:
    branch, other = make_branch(session, short_name="一支部"), make_branch(session, short_name="二支部")
    a, b = make_member(session, branch_id=branch.id, name="张三"), make_member(session, branch_id=branch.id)
    c = make_member(session, branch_id=other.id)
    admin = make_user(session)
    _completed(session, a, 6)  # half the target of 12
    _practice(session, a, [5, 4, 2, 1])  # two of four daily sets passed (3 of 5 right passes)
    _meeting(session, branch.id, [a, b], [a], days_ago=10)
    _meeting(session, branch.id, [a, b], [a, b], days_ago=40)
    assessment.add_record(session, admin, member_id=a.id, kind="service", day=TODAY, amount=10, note="社区志愿服务",
                          today=TODAY)
    assessment.add_record(session, admin, member_id=a.id, kind="contribution", day=TODAY, amount=5, note="撰写简报",
                          today=TODAY)

    scores = {s.id: s for s in assessment.member_scores(session, 2026, now=NOW)}
    mine = scores[a.id]
    assert (mine.courses, mine.practice_sets, mine.practice_passed, mine.expected, mine.present) == (6, 4, 2, 2, 2)
    assert mine.scores == {"study": 50.0, "life": 100.0, "service": 50.0, "contribution": 50.0}  # 0.6×0.5+0.4×0.5
    assert mine.total == 0.4 * 50 + 0.3 * 100 + 0.15 * 50 + 0.15 * 50 and mine.rank == 1
    assert scores[b.id].scores["life"] == 50.0 and scores[b.id].rank == 3
    assert scores[c.id].scores == {"study": 0.0, "life": 100.0, "service": 0.0, "contribution": 0.0}  # expected nowhere
    assert scores[c.id].rank == 2

    branches = {s.id: s for s in assessment.branch_scores(session, 2026, now=NOW)}
    one = branches[branch.id]
    assert one.meetings == 2 and one.scores["study"] == 25.0
    assert one.scores["life"] == round(100 * (0.7 * 3 / 4 + 0.3 * 2 / 16), 1)

    seen = assessment.member_assessment(session, a.id, now=NOW)
    assert seen["total"] == mine.total and seen["rank"] == 1 and seen["of"] == 3
    assert seen["branch_rank"] == 1 and seen["branch_of"] == 2 and seen["branch"]["name"] == "一支部"
    study = seen["dimensions"][0]
    assert study["name"] == "学习" and study["weight"] == 40 and "完成课程 6/12 门，答题通过率 50%" in study["detail"]

    # another year counts nothing of this one
    assert assessment.member_scores(session, 2025, now=NOW)[0].total == 30.0  # life only: nothing expected


def test_weights_must_add_up_to_100_and_changes_are_audited(session: Session) -> None:
    member = make_member(session)
    assessment.add_record(session, make_user(session), member_id=member.id, kind="service", day=TODAY, amount=20,
                          note="志愿服务", today=TODAY)
    with pytest.raises(Invalid, match="四项权重之和应为 100（现在是 90）"):
        assessment.set_config(session, 2026, weights={"study": 40, "life": 30, "service": 10, "contribution": 10},
                              targets=assessment.DEFAULT_TARGETS)
    assert assessment.get_config(session, 2026).weights == assessment.DEFAULT_WEIGHTS
    assessment.set_config(session, 2026, weights={"study": 0, "life": 0, "service": 100, "contribution": 0},
                          targets={**assessment.DEFAULT_TARGETS, "service_hours": 40})
    score = assessment.member_scores(session, 2026, now=NOW)[0]
    assert score.scores["service"] == 50.0 and score.total == 50.0
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.config_set"))
    assert entry is not None and entry.details["after"]["weights"]["service"] == 100


def test_records_are_scoped_audited_and_validated(session: Session) -> None:
    mine, theirs = make_branch(session), make_branch(session)
    secretary = make_user(session, Role.SECRETARY, branch_id=mine.id)
    own, other = make_member(session, branch_id=mine.id), make_member(session, branch_id=theirs.id)
    entry = assessment.add_record(session, secretary, member_id=own.id, kind="service", day=TODAY, amount=3,
                                  note="义务植树", today=TODAY)
    with pytest.raises(Forbidden, match="只能登记本支部党员"):
        assessment.add_record(session, secretary, member_id=other.id, kind="service", day=TODAY, amount=3, note="x",
                              today=TODAY)
    for kind, day, amount, note, message in (
        ("service", TODAY, 30, "太长", "一次志愿服务应在 0.5 到 24 小时之间"),
        ("contribution", TODAY, 50, "太多", "一次贡献积分应在 1 到 20 分之间"),
        ("service", TODAY + dt.timedelta(days=1), 2, "未来", "日期应在去年 1 月 1 日到今天之间"),
        ("service", TODAY, 2, "  ", "请填写事由"),
        ("gift", TODAY, 2, "礼物", "记录类型应是志愿服务或贡献"),
    ):
        with pytest.raises(DomainError, match=message):
            assessment.add_record(session, secretary, member_id=own.id, kind=kind, day=day, amount=amount, note=note,
                                  today=TODAY)
    assert session.scalar(select(func.count(AssessmentRecord.id))) == 1
    assessment.delete_record(session, secretary, entry.id)
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("assessment.%"))))
    assert actions == ["assessment.record_added", "assessment.record_deleted"]
