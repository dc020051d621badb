"""Study integrity: the inflated-study request (one request, 25 items complete, 7,500 s of overlapping
study in five minutes) is refused, a legitimate offline batch is accepted, completion needs the item's
time, and every refusal is on the admin's list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, MediaAsset, ReviewStatus
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.org.models import Role
from screen_server.study import integrity
from screen_server.study import services as study
from screen_server.study.models import StudyRecord, StudyRefusal
from tests.admin.forms import login
from tests.helpers.factories import PASSWORD, log_in_at, make_device, make_member, make_user

LONG_TEXT = "学" * 6000  # about eight minutes of reading


def _article(session: Session, n: int, body: str = LONG_TEXT) -> Item:
    item = Item(kind=ItemKind.ARTICLE, title=f"学习材料{n}", body_markdown=body, status=ReviewStatus.PUBLISHED,
                published_at=dt.datetime.now(dt.UTC))
    session.add(item)
    session.flush()
    return item


def _span(item: Item, start: dt.datetime, seconds: int, **kw: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "item_id": item.id, "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(seconds=seconds)).isoformat(), "active_seconds": seconds, **kw}


def test_the_inflated_study_request_is_refused(client: FlaskClient, session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    member = make_member(session)
    admin = make_user(session, Role.ADMIN)
    items = [_article(session, n) for n in range(25)]
    session.commit()
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    inflated = [_span(i, start, 300, completed=True, progress=1) for i in items]  # 25 × 300 s in 5 minutes
    answer = client.post("/api/study/spans", json={"spans": inflated}).get_json()
    assert answer["seconds"] <= 300 and len(answer["accepted"]) == 1
    assert len(answer["rejected"]) == 24 and {r["reason"] for r in answer["rejected"]} == {"overlap"}
    completed = session.scalar(select(func.count()).select_from(StudyRecord)
                               .where(StudyRecord.member_id == member.id, StudyRecord.completed.is_(True)))
    assert completed == 0  # 300 s do not read eight minutes of text
    reasons = set(session.scalars(select(StudyRefusal.reason).where(StudyRefusal.member_id == member.id)))
    assert reasons == {"overlap", "too_fast"}
    login(client, admin.username, PASSWORD)
    page = client.get("/admin/study/refusals").get_data(as_text=True)
    assert "时间重叠" in page and "完成过快" in page and member.name in page


def test_a_legitimate_offline_batch_is_accepted(client: FlaskClient, session: Session) -> None:
    member = make_member(session)
    device, token = make_device(session)
    short = _article(session, 1, body="入党誓词" * 20)  # 80 characters: the 20-second floor
    long = _article(session, 2)
    now = dt.datetime.now(dt.UTC)
    login_at = now - dt.timedelta(hours=3)
    from screen_server.devices import logins

    logins.start(session, device, member, now=login_at)
    session.commit()
    # Three hours offline: the outbox sends what the member studied, one adjoining span after another.
    t = login_at + dt.timedelta(minutes=1)
    spans = [_span(short, t, 60, member_id=member.id, completed=True, progress=1)]
    for k in range(10):
        spans.append(_span(long, t + dt.timedelta(seconds=60 * (k + 1)), 60, member_id=member.id, progress=0.1 * k))
    spans.append(_span(long, t + dt.timedelta(seconds=660), 60, member_id=member.id, completed=True, progress=1))
    answer = client.post("/api/study/spans", json={"spans": spans}, headers={"Authorization": f"Bearer {token}"})
    body = answer.get_json()
    assert answer.status_code == 200 and body["rejected"] == [] and len(body["accepted"]) == 12
    records = {r.item_id: r for r in session.scalars(select(StudyRecord).where(StudyRecord.member_id == member.id))}
    assert records[short.id].completed and records[long.id].completed  # 660 s ≥ the long text's 500 s
    assert session.scalar(select(func.count()).select_from(StudyRefusal)) == 0


def test_spans_for_a_member_not_logged_in_there_or_from_the_future_are_refused(session: Session) -> None:
    member, other = make_member(session), make_member(session)
    device, _token = make_device(session)
    item = _article(session, 3)
    now = dt.datetime.now(dt.UTC)
    log_in_at(session, device, member)
    spans = [_span(item, now - dt.timedelta(minutes=1), 30) | {"member_id": other.id},
             _span(item, now + dt.timedelta(hours=2), 30) | {"member_id": member.id},
             _span(item, now - dt.timedelta(days=45), 30) | {"member_id": member.id}]
    result = study.record_spans(session, spans, source="terminal", device_id=device.id, now=now)
    assert result.accepted == []
    assert sorted(r["reason"] for r in result.rejected) == ["not_logged_in", "out_of_window", "out_of_window"]


def test_the_time_an_item_needs(session: Session) -> None:
    assert integrity.required_seconds(_article(session, 4, body="短")) == integrity.MIN_SECONDS[ItemKind.ARTICLE]
    assert integrity.required_seconds(_article(session, 5)) == 500
    media = MediaAsset(sha256="a" * 64, original_filename="v.mp4", mime="video/mp4", size=1, path="x",
                       duration_seconds=600.0)
    video = Item(kind=ItemKind.VIDEO, title="微党课", status=ReviewStatus.PUBLISHED, main_media=media)
    session.add(video)
    session.flush()
    assert integrity.required_seconds(video) == 480
