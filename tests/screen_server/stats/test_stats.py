"""The stats panels: figures per period, the trend, attendance by branch, top learners; the publisher
recomputes on events, coalesces bursts and pushes one ``stats.updated``."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server import protocol
from screen_server.meetings.models import Attendance, Meeting, MeetingType, SignInMethod
from screen_server.meetings.services import LOCAL_TZ
from screen_server.stats import services as stats
from screen_server.stats.publisher import StatsPublisher
from screen_server.study import services as study
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_member

TODAY = dt.date(2026, 11, 25)  # a Wednesday
NOON = dt.datetime.combine(TODAY, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


def _study(session: Session, member_id: int, item_id: int, at: dt.datetime, seconds: int) -> None:
    result = study.record_spans(session, [{"id": uuid.uuid4().hex, "member_id": member_id, "item_id": item_id,
                                           "started_at": at.isoformat(),
                                           "ended_at": (at + dt.timedelta(seconds=seconds)).isoformat(),
                                           "active_seconds": seconds}], source="terminal", now=NOON)
    assert result.accepted


def _meeting(session: Session, branch_id: int, members: list[int], present: list[int], days_ago: int) -> None:
    start = NOON - dt.timedelta(days=days_ago)
    meeting = Meeting(title="支部党员大会", type=MeetingType.BRANCH_GENERAL, starts_at=start,
                      ends_at=start + dt.timedelta(hours=2), signin_opens_at=start - dt.timedelta(minutes=30),
                      signin_closes_at=start + dt.timedelta(hours=2))
    session.add(meeting)
    session.flush()
    from screen_server.meetings.models import meeting_branches, meeting_expected
    session.execute(meeting_branches.insert().values(meeting_id=meeting.id, branch_id=branch_id))
    session.execute(meeting_expected.insert(), [{"meeting_id": meeting.id, "member_id": m} for m in members])
    for m in present:
        session.add(Attendance(meeting_id=meeting.id, member_id=m, signed_at=start, method=SignInMethod.QR))
    session.flush()


def test_figures_trend_attendance_and_top_learners(session: Session) -> None:
    one, two = make_branch(session, short_name="一支部"), make_branch(session, short_name="二支部")
    a, b = make_member(session, branch_id=one.id, name="张三明"), make_member(session, branch_id=one.id)
    c = make_member(session, branch_id=two.id, name="王五")
    item = Item(kind=ItemKind.ARTICLE, title="党章", status=ReviewStatus.PUBLISHED, published_at=NOON)
    session.add(item)
    session.flush()
    _study(session, a.id, item.id, NOON, 120)  # today
    _study(session, c.id, item.id, NOON - dt.timedelta(days=1), 300)  # this week
    _study(session, b.id, item.id, NOON - dt.timedelta(days=10), 240)  # this month, earlier week
    _meeting(session, one.id, [a.id, b.id], [a.id], days_ago=2)
    _meeting(session, two.id, [c.id], [c.id], days_ago=40)  # last month: not in this month's rates

    today = stats.figures(session, "today", today=TODAY)
    assert today == {"people": 1, "signins": 0, "study_minutes": 2, "learners": 1, "points": 1, "contest_players": 0}
    week = stats.figures(session, "week", today=TODAY)
    assert week["people"] == 2 and week["signins"] == 1 and week["study_minutes"] == 7 and week["learners"] == 2
    month = stats.figures(session, "month", today=TODAY)
    assert month["study_minutes"] == 11 and month["learners"] == 3
    assert stats.figures(session, "week", today=TODAY, branch_id=two.id)["study_minutes"] == 5

    trend = stats.trend(session, today=TODAY)
    assert len(trend) == 14 and trend[-1] == {"day": "2026-11-25", "label": "11/25", "minutes": 2, "learners": 1}
    assert trend[-2]["minutes"] == 5 and trend[0]["minutes"] == 0

    rates = {r["name"]: r for r in stats.attendance_by_branch(session, first=dt.date(2026, 11, 1), last=TODAY, now=NOON)}
    assert rates["一支部"]["rate"] == 0.5 and rates["一支部"]["meetings"] == 1
    assert rates["二支部"]["rate"] is None  # no meeting this month

    top = stats.top_learners(session, first=dt.date(2026, 11, 23), last=TODAY)
    assert [(t["name"], t["minutes"]) for t in top] == [("王*", 5), ("张*明", 2)]

    data = stats.panels(session, today=TODAY)
    assert set(data) >= {"figures", "trend", "attendance", "top_learners", "points_by_branch"}


def test_any_days_contest_players_and_points_by_branch(session: Session) -> None:
    from screen_server.contests.models import Contest, ContestPlayer, ContestStatus

    one, two = make_branch(session, short_name="一支部"), make_branch(session, short_name="二支部")
    a, b = make_member(session, branch_id=one.id), make_member(session, branch_id=one.id)
    c = make_member(session, branch_id=two.id)
    item = Item(kind=ItemKind.ARTICLE, title="党章", status=ReviewStatus.PUBLISHED, published_at=NOON)
    session.add(item)
    session.flush()
    _study(session, a.id, item.id, NOON - dt.timedelta(days=3), 300)  # Sunday 22nd: last week
    _study(session, c.id, item.id, NOON, 240)
    for started, players in [(NOON - dt.timedelta(days=3), [a, c]), (NOON, [a, b]), (None, [c])]:
        contest = Contest(title="竞赛", code="123456", started_at=started,
                          status=ContestStatus.FINISHED if started else ContestStatus.LOBBY)
        session.add(contest)
        session.flush()
        session.add_all([ContestPlayer(contest_id=contest.id, member_id=p.id, name=p.name, secret="s") for p in players])
    session.flush()

    span = {"first": dt.date(2026, 11, 22), "last": TODAY}
    assert stats.figures(session, **span)["contest_players"] == 3  # a played twice, c's lobby never started
    assert stats.figures(session, **span, branch_id=two.id)["contest_players"] == 1
    assert stats.figures(session, "week", today=TODAY)["contest_players"] == 2
    assert stats.figures(session, **span)["study_minutes"] == 9
    assert [t["minutes"] for t in stats.trend(session, **span)] == [5, 0, 0, 4]
    week = stats.trend(session, first=dt.date(2026, 11, 23), last=TODAY, branch_id=one.id)
    assert [t["label"] for t in week] == ["11/23", "11/24", "11/25"] and sum(t["minutes"] for t in week) == 0

    board = stats.points_by_branch(session, **span)
    assert [(r["rank"], r["name"], r["members"], r["points"], r["average"]) for r in board] == [
        (1, "二支部", 1, 1, 1.0), (2, "一支部", 2, 1, 0.5)]  # one article read each (the default rule)
    assert [r["name"] for r in stats.points_by_branch(session, **span, branch_ids=[two.id])] == ["二支部"]


def test_publisher_coalesces_a_burst_into_few_pushes(runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    log = EventLog(runtime.bus)
    publisher = StatsPublisher(runtime.settings, runtime.session_factory, runtime.bus, min_interval=0.5).start()
    try:
        for n in range(50):
            runtime.bus.publish(protocol.Event(protocol.STUDY_RECORDED, {"member_id": n}))
        first = log.wait(protocol.STATS_UPDATED)
        assert "figures" in first.payload["stats"]
        runtime.bus.publish(protocol.Event(protocol.SIGNIN_RECORDED, {"meeting_id": 1}))
        log.wait(protocol.STATS_UPDATED, where=lambda e: e is not first)
        assert len(log.of(protocol.STATS_UPDATED)) <= 3  # 51 events, a couple of pushes
        runtime.bus.publish(protocol.Event(protocol.ANNOUNCEMENT_PUBLISHED, {}))  # not a trigger
        assert publisher.latest is not None
    finally:
        publisher.stop()


def test_snapshot_carries_the_panels(runtime) -> None:  # type: ignore[no-untyped-def]
    from screen_server.push.viewer import Viewer

    state = runtime.snapshots.build(Viewer("room", room_id=1))
    assert state["stats"]["figures"]["today"]["people"] == 0
