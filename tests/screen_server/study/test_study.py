"""Study spans: idempotent by the client's id, active time bounded, points by the rules with daily caps,
and the HTTP side for terminals and phones."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.points import services as points
from screen_server.points.models import PointsEntry
from screen_server.study import services as study
from screen_server.study.models import StudyRecord, StudySpan
from tests.helpers.events import EventLog
from tests.helpers.factories import PIN, log_in_at, make_device, make_member

NOW = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)  # 10:00 in the room


def make_item(session: Session, kind: ItemKind = ItemKind.ARTICLE, title: str = "学习党章") -> Item:
    item = Item(kind=kind, title=title, status=ReviewStatus.PUBLISHED, published_at=NOW)
    session.add(item)
    session.flush()
    return item


def span(item: Item, member_id: int | None, seconds: int, *, start: dt.datetime = NOW, **kw: Any) -> dict[str, Any]:
    return {"id": kw.pop("id", uuid.uuid4().hex), "item_id": item.id, "member_id": member_id,
            "started_at": start.isoformat(), "ended_at": (start + dt.timedelta(seconds=seconds)).isoformat(),
            "active_seconds": seconds, **kw}


def test_a_span_sent_twice_counts_once(session: Session) -> None:
    member, item = make_member(session), make_item(session)
    s = span(item, member.id, 40, progress=0.5, position=0.5)
    first = study.record_spans(session, [s, s], source="terminal", now=NOW)
    again = study.record_spans(session, [s], source="terminal", now=NOW)
    assert first.accepted == [s["id"]] and first.duplicates == [s["id"]]
    assert again.accepted == [] and again.duplicates == [s["id"]]
    assert session.scalar(select(func.count()).select_from(StudySpan)) == 1
    record = session.scalar(select(StudyRecord))
    assert record is not None and record.active_seconds == 40 and record.progress == 0.5


def test_active_time_cannot_exceed_the_span_or_the_cap(session: Session) -> None:
    member, item = make_member(session), make_item(session)
    inflated = span(item, member.id, 30)
    inflated["active_seconds"] = 5000  # claims more than the 30 s the span lasted
    long = span(item, member.id, 3600, start=NOW - dt.timedelta(hours=2))
    result = study.record_spans(session, [inflated, long], source="terminal", now=NOW)
    assert result.seconds == 31 + study.MAX_SPAN_SECONDS


@pytest.mark.parametrize("change, message", [
    ({"id": "x"}, "编号"), ({"item_id": "abc"}, "数字"), ({"progress": 2}, "范围"),
    ({"started_at": "昨天"}, "时间"), ({"member_id": None}, "党员"),
])
def test_bad_spans_are_rejected_one_by_one(session: Session, change: dict[str, Any], message: str) -> None:
    member, item = make_member(session), make_item(session)
    good, bad = span(item, member.id, 20), {**span(item, member.id, 20), **change}
    result = study.record_spans(session, [good, bad], source="terminal", now=NOW)
    assert result.accepted == [good["id"]]
    assert len(result.rejected) == 1 and message in result.rejected[0]["error"]


def test_future_and_stale_spans_and_unknown_items_are_refused(session: Session) -> None:
    member, item = make_member(session), make_item(session)
    future = span(item, member.id, 20, start=NOW + dt.timedelta(hours=1))
    stale = span(item, member.id, 20, start=NOW - dt.timedelta(days=60))
    ghost = {**span(item, member.id, 20), "item_id": 999_999}
    result = study.record_spans(session, [future, stale, ghost], source="terminal", now=NOW)
    assert result.accepted == [] and len(result.rejected) == 3


def test_reading_a_minute_earns_one_point_once(session: Session) -> None:
    member, item = make_member(session), make_item(session)
    study.record_spans(session, [span(item, member.id, 30)], source="terminal", now=NOW)
    assert points.totals(session, member.id, today=NOW.date()).total == 0
    later = NOW + dt.timedelta(seconds=30)
    result = study.record_spans(session, [span(item, member.id, 30, start=later)], source="terminal", now=NOW)
    assert result.points == 1
    more = study.record_spans(session, [span(item, member.id, 60, start=later + dt.timedelta(seconds=30))],
                              source="terminal", now=NOW)
    assert more.points == 0  # the same article earns once
    entry = session.scalar(select(PointsEntry))
    assert entry is not None and entry.reason == "阅读《学习党章》" and entry.ref == f"item:{item.id}"


def test_reading_points_stop_at_the_daily_cap(session: Session) -> None:
    member = make_member(session)
    items = [make_item(session, title=f"文章{i}") for i in range(8)]
    spans = [span(item, member.id, 61, start=NOW - dt.timedelta(minutes=2 * n)) for n, item in enumerate(items)]
    result = study.record_spans(session, spans, source="terminal", now=NOW)
    assert result.points == 6
    assert points.totals(session, member.id, today=NOW.date()).today == 6


def test_video_earns_per_three_minutes_capped(session: Session) -> None:
    member, video = make_member(session), make_item(session, ItemKind.VIDEO, "微党课")
    spans = [span(video, member.id, 60, start=NOW + dt.timedelta(minutes=i)) for i in range(7)]
    assert study.record_spans(session, spans, source="terminal", now=NOW + dt.timedelta(hours=1)).points == 2
    spans = [span(video, member.id, 60, start=NOW + dt.timedelta(minutes=10 + i)) for i in range(60)]
    assert study.record_spans(session, spans, source="terminal", now=NOW + dt.timedelta(hours=2)).points == 4


def test_rules_the_admin_edits_apply_and_are_checked(session: Session) -> None:
    member, item = make_member(session), make_item(session)
    points.update_rule(session, points.ARTICLE_READ, points=3, threshold_seconds=10, daily_cap=0, enabled=True)
    assert study.record_spans(session, [span(item, member.id, 12)], source="terminal", now=NOW).points == 3
    with pytest.raises(Exception, match="分值"):
        points.update_rule(session, points.ARTICLE_READ, points=-1, threshold_seconds=10, daily_cap=0, enabled=True)
    points.update_rule(session, points.ARTICLE_READ, points=1, threshold_seconds=10, daily_cap=0, enabled=False)
    other = make_item(session, title="另一篇")
    assert study.record_spans(session, [span(other, member.id, 20)], source="terminal", now=NOW).points == 0


def test_summary_reports_minutes_points_and_recent(session: Session) -> None:
    member, item = make_member(session), make_item(session)
    study.record_spans(session, [span(item, member.id, 125, completed=True, progress=1)], source="terminal",
                       now=NOW)
    data = study.summary(session, member, today=points.local_day(NOW)).as_json()
    assert data["minutes"] == {"today": 2, "week": 2, "total": 2}
    assert data["points"]["today"] == 1 and data["items_completed"] == 1
    assert data["recent"][0]["title"] == "学习党章" and data["recent"][0]["completed"] is True
    assert data["recent_points"][0]["reason"] == "阅读《学习党章》"


# --- HTTP ----------------------------------------------------------------------------------------------


def test_terminal_posts_spans_with_its_token_and_events_follow(client: FlaskClient, session: Session,
                                                               runtime) -> None:  # type: ignore[no-untyped-def]
    member, item = make_member(session), make_item(session)
    device, token = make_device(session)
    log_in_at(session, device, member)
    session.commit()
    log = EventLog(runtime.bus)
    body = {"spans": [span(item, member.id, 61, start=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))]}
    r = client.post("/api/study/spans", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["points_awarded"] == 1
    again = client.post("/api/study/spans", json=body, headers={"Authorization": f"Bearer {token}"})
    assert again.get_json()["duplicates"] == [body["spans"][0]["id"]]
    event = log.wait("study.recorded")
    assert event.payload["member_id"] == member.id and event.payload["points"] == 1
    bad = client.post("/api/study/spans", json={"spans": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and "spans" in bad.get_json()["error"]["message"]
    forged = client.post("/api/study/spans", json=body, headers={"Authorization": "Bearer nope"})
    assert forged.status_code == 401


def test_phone_posts_for_its_own_member_only(client: FlaskClient, session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    member, other, item = make_member(session), make_member(session), make_item(session)
    session.commit()
    anonymous = client.post("/api/study/spans", json={"spans": []})
    assert anonymous.status_code == 401
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    s = span(item, other.id, 30, start=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    assert client.post("/api/study/spans", json={"spans": [s]}).status_code == 200
    stored = session.get(StudySpan, s["id"])
    assert stored is not None and stored.member_id == member.id and stored.source == "phone"
    cross = client.post("/api/study/spans", json={"spans": []}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    me = client.get("/api/study/me").get_json()
    assert me["member"]["name"] == member.name and me["minutes"]["total"] == 0


def test_member_logs_in_at_a_terminal_with_number_and_pin(client: FlaskClient, session: Session) -> None:
    member = make_member(session)
    _device, token = make_device(session)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    wrong = client.post("/api/device/members/login", json={"number": member.number, "pin": "000000"}, headers=auth)
    assert wrong.status_code == 401 and "密码不正确" in wrong.get_json()["error"]["message"]
    ok = client.post("/api/device/members/login", json={"number": member.number.lower(), "pin": PIN}, headers=auth)
    assert ok.status_code == 200 and ok.get_json()["member"]["id"] == member.id
    assert client.get(f"/api/device/members/{member.id}/summary", headers=auth).status_code == 200
    assert client.post("/api/device/members/login", json={"number": member.number, "pin": PIN}).status_code == 401


def test_terminal_login_qr_logs_the_phone_member_in_at_that_terminal(
    client: FlaskClient, session: Session, settings, runtime  # type: ignore[no-untyped-def]
) -> None:
    member = make_member(session)
    device, token = make_device(session)
    session.commit()
    url = client.post("/api/device/login-qr", headers={"Authorization": f"Bearer {token}"}).get_json()["url"]
    path = url.split("//", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "党员编号" in page.get_data(as_text=True)
    log = EventLog(runtime.bus)
    wrong = client.post("/" + path, data={"number": member.number, "pin": "1"})
    assert wrong.status_code == 401 and "密码不正确" in wrong.get_data(as_text=True)
    done = client.post("/" + path, data={"number": member.number, "pin": PIN})
    assert done.status_code == 200 and "已登录" in done.get_data(as_text=True)
    assert PHONE_COOKIE in done.headers.get("Set-Cookie", "")
    event = log.wait("member.login")
    assert event.device_id == device.id
    assert event.payload["summary"]["member"]["id"] == member.id
    # the remembered phone now needs one tap
    assert "确认登录" in client.get("/" + path).get_data(as_text=True)
    tampered = client.get("/" + path[:-3] + "abc")
    assert tampered.status_code == 403 and "无效" in tampered.get_data(as_text=True)


def test_a_batch_reads_the_records_once_and_flushes_once(session: Session) -> None:
    """A terminal's outbox (or the demo's four weeks) arrives as one batch: the per-item records are read
    in one statement and written in one flush, however many spans and items the batch holds, and the
    totals and points are those of sending the spans one at a time."""
    from sqlalchemy import event

    members = [make_member(session, number=f"B{i:04d}") for i in range(3)]
    article, video = make_item(session), make_item(session, ItemKind.VIDEO, "微党课")
    study.record_spans(session, [span(article, members[0].id, 20, start=NOW - dt.timedelta(hours=3))],
                       source="terminal", now=NOW)  # an existing record the batch adds to
    batch = [span(item, m.id, 30, start=NOW - dt.timedelta(minutes=5 * n + 1))
             for m in members for n, item in enumerate([article, video] * 5)]
    statements: list[str] = []
    flushes: list[int] = []
    engine = session.get_bind()
    listen = lambda conn, cursor, sql, *rest: statements.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    event.listen(session, "after_flush", lambda *a: flushes.append(1))
    try:
        result = study.record_spans(session, batch, source="terminal", now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    record_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "study_records" in s]
    assert len(record_reads) == 1
    # One flush for the spans and records; each points award then goes through its own savepoint.
    awards = session.scalar(select(func.count()).select_from(PointsEntry))
    assert len(flushes) <= 1 + awards
    assert len(result.accepted) == 30 and result.seconds == 900
    records = {(r.member_id, r.item_id): r for r in session.scalars(select(StudyRecord))}
    assert records[(members[0].id, article.id)].active_seconds == 20 + 150
    assert records[(members[1].id, video.id)].active_seconds == 150
    # 5 × 30 s of reading passes the 60 s threshold: one article point each; 150 s of video is under 180 s.
    given = {(e.member_id, e.rule_key) for e in session.scalars(select(PointsEntry))}
    assert given == {(m.id, points.ARTICLE_READ) for m in members}
