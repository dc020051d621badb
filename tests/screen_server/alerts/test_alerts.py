"""Health alerts: each indicator raises an alert with the figures behind it, re-checking updates it
rather than raising another, and fixing the data clears it; a branch's own threshold overrides the
default; bad thresholds are refused and change nothing; the job re-checks about once a minute."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.alerts import services as alerts
from screen_server.alerts.models import Alert, AlertRule
from screen_server.audit.models import AuditEntry
from screen_server.errors import Invalid
from screen_server.meetings.models import (
    Attendance,
    Meeting,
    MeetingType,
    SignInMethod,
    meeting_branches,
    meeting_expected,
)
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Branch, Member, PartyGroup
from screen_server.study import services as study
from tests.helpers.factories import make_branch, make_member

TODAY = dt.date(2026, 11, 25)
NOON = dt.datetime.combine(TODAY, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


def _meeting(session: Session, branch: Branch, kind: MeetingType, members: list[Member], present: list[Member],
             days_ago: int) -> Meeting:
    start = NOON - dt.timedelta(days=days_ago)
    meeting = Meeting(title=f"{kind.value}-{days_ago}", type=kind, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                      signin_opens_at=start - dt.timedelta(minutes=30), signin_closes_at=start + dt.timedelta(hours=2))
    session.add(meeting)
    session.flush()
    session.execute(meeting_branches.insert().values(meeting_id=meeting.id, branch_id=branch.id))
    if members:
        session.execute(meeting_expected.insert(), [{"meeting_id": meeting.id, "member_id": m.id} for m in members])
    for m in present:
        session.add(Attendance(meeting_id=meeting.id, member_id=m.id, signed_at=start, method=SignInMethod.QR))
    session.flush()
    return meeting


def _study(session: Session, member: Member, minutes: int) -> None:
    item = session.scalar(select(Item).limit(1))
    if item is None:
        item = Item(kind=ItemKind.ARTICLE, title="党章", status=ReviewStatus.PUBLISHED, published_at=NOON)
        session.add(item)
        session.flush()
    at = NOON - dt.timedelta(days=1)
    spans = [{"id": uuid.uuid4().hex, "member_id": member.id, "item_id": item.id,  # a span per minute
              "started_at": (at + dt.timedelta(minutes=i)).isoformat(),
              "ended_at": (at + dt.timedelta(minutes=i + 1)).isoformat(), "active_seconds": 60} for i in range(minutes)]
    result = study.record_spans(session, spans, source="terminal", now=NOON)
    assert len(result.accepted) == minutes


def _open(session: Session) -> dict[str, Alert]:
    return {a.indicator: a for a in alerts.list_alerts(session)}


def test_each_indicator_raises_with_its_figures_and_clears_when_fixed(session: Session) -> None:
    branch = make_branch(session, short_name="一支部")
    a, b, c, d = (make_member(session, branch_id=branch.id) for _ in range(4))
    general = _meeting(session, branch, MeetingType.BRANCH_GENERAL, [a, b, c, d], [a, b], days_ago=10)
    _meeting(session, branch, MeetingType.BRANCH_COMMITTEE, [], [], days_ago=10)  # held; nobody in the rate
    _study(session, a, 30)

    changes = alerts.evaluate(session, now=NOON)
    opened = _open(session)
    assert {x.indicator for x in changes.raised} == set(opened) == {alerts.ATTENDANCE, alerts.GAP_LECTURE, alerts.STUDY}
    attendance = opened[alerts.ATTENDANCE]
    assert attendance.value == 0.5 and attendance.figures == {"days": 90, "meetings": 2, "expected": 4, "present": 2,
                                                              "rate": 0.5}
    assert "出勤率 50%" in attendance.message and "应到 4 人次，实到 2 人次" in attendance.message
    assert "从未开展党课" in opened[alerts.GAP_LECTURE].message
    assert opened[alerts.STUDY].value == 7.5 and "4 名党员共 30 分钟" in opened[alerts.STUDY].message

    # checking again keeps the same alerts, with fresh figures
    session.add(Attendance(meeting_id=general.id, member_id=c.id, signed_at=NOON, method=SignInMethod.MAKEUP))
    session.flush()
    again = alerts.evaluate(session, now=NOON + dt.timedelta(minutes=1))
    assert not again.raised and len(again.updated) == 3
    assert session.scalar(select(func.count(Alert.id))) == 3 and _open(session)[alerts.ATTENDANCE].value == 0.75

    # the branch puts things right: everyone at the meeting, a 党课 held, enough study
    session.add(Attendance(meeting_id=general.id, member_id=d.id, signed_at=NOON, method=SignInMethod.MAKEUP))
    _meeting(session, branch, MeetingType.PARTY_LECTURE, [a, b, c, d], [a, b, c, d], days_ago=1)
    for m in (b, c, d):
        _study(session, m, 30)
    fixed = alerts.evaluate(session, now=NOON + dt.timedelta(minutes=2))
    assert {x.indicator for x in fixed.cleared} == {alerts.ATTENDANCE, alerts.GAP_LECTURE, alerts.STUDY}
    assert _open(session) == {}
    history = alerts.list_alerts(session, open_only=False)
    assert len(history) == 3 and all(x.cleared_at is not None for x in history)


def test_a_meeting_gap_counts_days_since_the_last_one(session: Session) -> None:
    branch = make_branch(session)
    members = [make_member(session, branch_id=branch.id) for _ in range(2)]
    _meeting(session, branch, MeetingType.PARTY_LECTURE, members, members, days_ago=95)
    _meeting(session, branch, MeetingType.BRANCH_GENERAL, members, members, days_ago=89)
    alerts.evaluate(session, now=NOON)
    opened = _open(session)
    assert alerts.GAP_GENERAL not in opened
    gap = opened[alerts.GAP_LECTURE]
    assert gap.value == 95 and gap.figures["last_held"] == (TODAY - dt.timedelta(days=95)).isoformat()
    assert "已 95 天未开展党课" in gap.message


def test_a_branch_without_a_committee_meeting_for_40_days_has_an_alert(session: Session) -> None:
    """支委会 and 党小组会 are monthly; a branch without party groups holds no 党小组会 and is not told to."""
    with_groups, without = make_branch(session), make_branch(session)
    session.add(PartyGroup(branch_id=with_groups.id, name="第一党小组", position=1))
    for branch in (with_groups, without):
        members = [make_member(session, branch_id=branch.id) for _ in range(2)]
        _meeting(session, branch, MeetingType.BRANCH_COMMITTEE, members, members, days_ago=40)
    _meeting(session, with_groups, MeetingType.GROUP, members, members, days_ago=20)
    alerts.evaluate(session, now=NOON)
    opened = {(a.indicator, a.branch_id): a for a in alerts.list_alerts(session)}
    committee = opened[(alerts.GAP_COMMITTEE, with_groups.id)]
    assert committee.value == 40 and "已 40 天未开展支部委员会" in committee.message
    assert (alerts.GAP_COMMITTEE, without.id) in opened
    assert (alerts.GAP_GROUP, with_groups.id) not in opened  # held 20 days ago
    assert (alerts.GAP_GROUP, without.id) not in opened  # no party groups


def test_a_branch_threshold_overrides_the_default_and_is_audited(session: Session) -> None:
    one, two = make_branch(session), make_branch(session)
    for branch in (one, two):
        members = [make_member(session, branch_id=branch.id) for _ in range(4)]
        _meeting(session, branch, MeetingType.BRANCH_GENERAL, members, members[:3], days_ago=5)  # 75%
        _meeting(session, branch, MeetingType.PARTY_LECTURE, members, members[:3], days_ago=6)
        _meeting(session, branch, MeetingType.BRANCH_COMMITTEE, [], [], days_ago=7)
        for m in members:
            _study(session, m, 25)
    alerts.evaluate(session, now=NOON)
    assert {(a.branch_id, a.indicator) for a in alerts.list_alerts(session)} == {
        (one.id, alerts.ATTENDANCE), (two.id, alerts.ATTENDANCE)}

    alerts.set_threshold(session, alerts.ATTENDANCE, branch_id=None, threshold=0.7, days=90, enabled=True,
                         actor_user_id=None)
    alerts.set_threshold(session, alerts.ATTENDANCE, branch_id=two.id, threshold=0.9, days=30, enabled=True)
    alerts.evaluate(session, now=NOON)
    assert {(a.branch_id, a.indicator) for a in alerts.list_alerts(session)} == {(two.id, alerts.ATTENDANCE)}
    assert alerts.thresholds_for(session, two.id)[alerts.ATTENDANCE].own
    assert alerts.describe(alerts.thresholds_for(session, two.id)[alerts.ATTENDANCE]) == "近 30 天低于 90%"
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "alerts.threshold_set")).all()
    assert len(entries) == 2 and entries[1].details["after"] == {"threshold": 0.9, "days": 30, "enabled": True}

    alerts.set_threshold(session, alerts.ATTENDANCE, branch_id=two.id, threshold=0.9, days=30, enabled=False)
    alerts.evaluate(session, now=NOON)
    assert alerts.list_alerts(session) == []  # switched off for that branch: its alert clears
    alerts.reset_threshold(session, alerts.ATTENDANCE, two.id)
    assert not alerts.thresholds_for(session, two.id)[alerts.ATTENDANCE].own


@pytest.mark.parametrize(("indicator", "threshold", "days", "message"), [
    (alerts.ATTENDANCE, 1.5, 90, "出勤率下限应在 1% 到 100% 之间"),
    (alerts.ATTENDANCE, 0.8, 3, "统计天数应在 7 到 400 天之间"),
    (alerts.GAP_LECTURE, 2, 2, "间隔天数应在 7 到 400 天之间"),
    (alerts.STUDY, -5, 30, "人均学习时长下限应在 1 到 10000 分钟之间"),
    ("nonsense", 1, 30, "预警指标不存在"),
])
def test_bad_thresholds_are_refused_and_change_nothing(session: Session, indicator: str, threshold: float,
                                                       days: int, message: str) -> None:
    with pytest.raises(Exception) as refused:
        alerts.set_threshold(session, indicator, branch_id=None, threshold=threshold, days=days, enabled=True)
    assert message in str(getattr(refused.value, "message", refused.value))
    assert isinstance(refused.value, Invalid) or indicator == "nonsense"
    assert session.scalar(select(func.count(AlertRule.id))) == 0


def test_the_job_checks_about_once_a_minute(session: Session) -> None:
    make_member(session)  # a branch with a member who never studied, never met
    now = [0.0]
    watcher = alerts.AlertWatcher(every=60, clock=lambda: now[0])
    assert watcher(session) == 4  # no 党课, 党员大会 or 支委会, no study (no meetings: no attendance rate)
    now[0] = 30
    assert watcher(session) == 0  # not yet
    now[0] = 61
    assert watcher(session) == 4  # checked again: the same four alerts, updated
    assert session.scalar(select(func.count(Alert.id))) == 4
