"""Formal tests over HTTP: a terminal takes a test for its logged-in member (the key never in a JSON
answer before closing; a resend with the same client id stored once); with the server's clock moved past
the time limit, the next request closes the attempt and scores what was answered; a phone out of
attempts is refused with a clear message and nothing is created."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.exams import services as exams
from screen_server.exams.models import ExamAttempt
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from tests.helpers.factories import log_in_at, make_device, make_member, make_user
from tests.screen_server.exams.test_exams import _bank


def _published(session: Session, n: int = 4, **kw: object) -> int:
    qs = _bank(session, n)
    admin = make_user(session)
    now = dt.datetime.now(dt.UTC)
    fields = {"title": "廉政测评", "question_ids": [q.id for q in qs], "opens_at": now - dt.timedelta(hours=1),
              "closes_at": now + dt.timedelta(days=1), "time_limit_minutes": 10, "pass_percent": 50,
              "max_attempts": 1} | kw
    exam = exams.save_exam(session, admin, **fields)  # type: ignore[arg-type]
    exams.set_published(session, admin, exam.id, True)
    session.commit()
    return exam.id


def test_a_terminal_past_the_time_limit_gets_the_attempt_closed_and_scored(
        client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    member = make_member(session)
    device, token = make_device(session)
    log_in_at(session, device, member)
    exam_id = _published(session)
    clock = [dt.datetime.now(dt.UTC)]
    monkeypatch.setattr(exams, "now", lambda: clock[0])  # the server's clock, held still until moved
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get(f"/api/exams?member_id={member.id}", headers=auth).get_json()["exams"]
    assert [(e["id"], e["state"], e["attempts_used"]) for e in listed] == [(exam_id, "open", 0)]
    started = client.post(f"/api/exams/{exam_id}/attempts", json={"member_id": member.id}, headers=auth)
    assert started.status_code == 201
    attempt = started.get_json()
    assert "answer" not in json.dumps(attempt["questions"])  # no key before the attempt closes
    body = {"member_id": member.id, "position": 1, "answer": "A", "client_id": "k1"}
    for _ in range(2):  # a resend after a lost connection
        saved = client.post(f"/api/exams/attempts/{attempt['id']}/answers", json=body, headers=auth)
        assert saved.status_code == 200 and saved.get_json()["answered"] == 1 and "correct" not in saved.get_json()
    client.post(f"/api/exams/attempts/{attempt['id']}/answers", headers=auth,
                json={"member_id": member.id, "position": 2, "answer": "B", "client_id": "k2"})
    resumed = client.post(f"/api/exams/{exam_id}/attempts", json={"member_id": member.id}, headers=auth).get_json()
    assert resumed["id"] == attempt["id"] and [q["given"] for q in resumed["questions"]][:3] == ["A", "B", None]
    clock[0] += dt.timedelta(minutes=11)  # the server's clock moves past the 10-minute limit
    late = client.post(f"/api/exams/attempts/{attempt['id']}/answers", headers=auth,
                       json={"member_id": member.id, "position": 3, "answer": "A", "client_id": "k3"})
    assert late.status_code == 409 and "答题时间已到" in late.get_json()["error"]["message"]
    session.expire_all()
    stored = session.get(ExamAttempt, attempt["id"])
    assert stored is not None and stored.closed_by == "timeout" and stored.answers.keys() == {"1", "2"}  # kept
    closed = client.get(f"/api/exams/attempts/{attempt['id']}?member_id={member.id}", headers=auth).get_json()
    assert closed["closed"] and closed["closed_by"] == "timeout"
    assert (closed["correct"], closed["total"], closed["passed"]) == (1, 4, False)
    assert closed["questions"][0]["answer"] == "A"  # now the key may be shown


def test_a_phone_out_of_attempts_is_refused(client: FlaskClient, session: Session, settings: Settings) -> None:
    member = make_member(session)
    exam_id = _published(session, 2)
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    assert "廉政测评" in client.get("/m/exams").get_data(as_text=True)
    go = client.post(f"/m/exams/{exam_id}/start")
    assert go.status_code == 303
    attempt_url = go.headers["Location"]
    page = client.get(attempt_url).get_data(as_text=True)
    assert "第 1 / 2 题" in page and "正确答案" not in page
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    assert client.post(f"/m/exams/attempts/{attempt_id}/answer",
                       data={"position": "1", "answer": "A", "client_id": "p1"}).status_code == 303
    done = client.post(f"/m/exams/attempts/{attempt_id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "测评通过" in done and "答对 1 / 2 题" in done
    before = session.scalar(select(func.count()).select_from(ExamAttempt))
    refused = client.post(f"/m/exams/{exam_id}/start")
    assert refused.status_code == 409
    assert "您已用完本次测评的 1 次答题机会，不能再答题。" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ExamAttempt)) == before
    other = make_member(session)
    session.commit()
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, other))
    assert client.get(attempt_url).status_code == 404  # someone else's attempt
