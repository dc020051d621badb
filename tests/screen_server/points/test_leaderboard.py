"""Leaderboards: the right order for each period, ties sharing a rank, branches by average, a member's
own rank outside the top ten, masked names in public."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.points import leaderboard
from screen_server.points import services as points
from tests.helpers.factories import log_in_at, make_branch, make_device, make_member

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def give(session: Session, member_id: int, amount: int, day: dt.date, ref: str) -> None:
    entry = points.award(session, member_id, points.MEETING_SIGNIN, ref=ref, day=day, reason="测试", points=amount)
    assert entry is not None


@pytest.fixture
def org(session: Session) -> dict[str, object]:
    small, large = make_branch(session, short_name="小支部"), make_branch(session, short_name="大支部")
    a = make_member(session, branch_id=small.id, name="张三明")
    b = make_member(session, branch_id=large.id, name="李四")
    c = make_member(session, branch_id=large.id, name="王五")
    d = make_member(session, branch_id=large.id, name="赵六")
    points.ensure_rules(session)
    give(session, a.id, 10, TODAY, "1")  # this week
    give(session, b.id, 10, TODAY - dt.timedelta(days=1), "2")  # this week too: ties with a
    give(session, c.id, 30, TODAY - dt.timedelta(days=20), "3")  # this month (earlier week)
    give(session, d.id, 50, dt.date(2025, 12, 1), "4")  # last year
    session.flush()
    return {"small": small, "large": large, "a": a, "b": b, "c": c, "d": d}


def test_members_board_by_period_with_shared_ranks(session: Session, org: dict) -> None:  # type: ignore[type-arg]
    week = leaderboard.members(session, "week", today=TODAY, masked=False)
    assert [(r.rank, r.name, r.points) for r in week] == [(1, "张三明", 10), (1, "李四", 10)]
    month = leaderboard.members(session, "month", today=TODAY, masked=False)
    assert [r.name for r in month] == ["王五", "张三明", "李四"] and [r.rank for r in month] == [1, 2, 2]
    everything = leaderboard.members(session, "all", today=TODAY)
    assert [r.name for r in everything][:2] == ["赵*", "王*"]  # masked for public screens
    assert everything[2].name == "张*明"


def test_branches_rank_by_average(session: Session, org: dict) -> None:  # type: ignore[type-arg]
    rows = leaderboard.branches(session, "month", today=TODAY)
    assert [(r.name, r.points, r.members) for r in rows] == [("大支部", 13.3, 3), ("小支部", 10.0, 1)]
    week = leaderboard.branches(session, "week", today=TODAY)
    assert [(r.name, r.points) for r in week] == [("小支部", 10.0), ("大支部", 3.3)]


def test_own_rank_outside_the_top(session: Session, org: dict) -> None:  # type: ignore[type-arg]
    others = [make_member(session, branch_id=org["large"].id) for _ in range(12)]  # type: ignore[attr-defined]
    for i, m in enumerate(others):
        give(session, m.id, 100 + i, TODAY, f"x{i}")
    mine = leaderboard.member_rank(session, org["a"].id, "week", today=TODAY)  # type: ignore[attr-defined]
    assert mine["rank"] == 13 and mine["points"] == 10 and mine["of"] >= 16
    assert len(leaderboard.members(session, "week", today=TODAY)) == 10


def test_bad_period_is_refused(client: FlaskClient) -> None:
    r = client.get("/api/leaderboard?period=decade")
    assert r.status_code == 400 and "统计周期" in r.get_json()["error"]["message"]


def test_http_boards(client: FlaskClient, session: Session, settings, org: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    device, token = make_device(session)
    log_in_at(session, device, org["b"])
    session.commit()
    board = client.get("/api/leaderboard?period=all").get_json()
    assert board["label"] == "累计" and board["members"][0]["name"] == "赵*"
    rank = client.get(f"/api/device/members/{org['b'].id}/rank?period=all",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert rank["points"] == 10
    assert client.get("/api/leaderboard/me").status_code == 404
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, org["c"]))
    me = client.get("/api/leaderboard/me").get_json()
    assert me["all"]["points"] == 30 and set(me) == {"week", "month", "year", "all"}


def test_phone_leaderboard_page(client: FlaskClient, session: Session, settings, org: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    session.commit()
    page = client.get("/m/leaderboard?period=all").get_data(as_text=True)
    assert "积分排行 · 累计" in page and "赵*" in page and "大支部" in page
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, org["c"]))
    mine = client.get("/m/leaderboard?period=all").get_data(as_text=True)
    assert "王五：30 分，第 2 名" in mine
    assert client.get("/m/leaderboard?period=bogus").status_code == 200
