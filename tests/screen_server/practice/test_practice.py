"""Practice: the daily set is the same all day and never repeats a question until the bank is seen,
leans toward categories answered wrongly, earns points once a day; levels unlock in order; a streak
ends at the first wrong answer; refusals change nothing; the HTTP side for terminals and phones."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Category, Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server.errors import Conflict, Invalid, NotFound
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.points.models import PointsEntry
from screen_server.practice import services as practice
from tests.helpers.factories import log_in_at, make_device, make_member

DAY = dt.date(2026, 11, 22)


def _bank(session: Session, n: int = 12, category: Category | None = None, difficulty: int = 1) -> list[Question]:
    qs = [Question(kind=QuestionKind.SINGLE, stem=f"题目{category.name if category else ''}{i}-{difficulty}",
                   answer="A", status=ReviewStatus.PUBLISHED, difficulty=difficulty, category=category,
                   explanation="解析", options=[QuestionOption(label="A", text="对的"), QuestionOption(label="B", text="错的")])
          for i in range(n)]
    session.add_all(qs)
    session.flush()
    return qs


def _finish(session: Session, member_id: int, s: practice.PracticeSet, right: bool = True) -> None:
    for position in range(1, len(s.question_ids) + 1):
        practice.answer(session, member_id, s.id, position, "A" if right else "B")


def test_daily_set_is_stable_fair_and_earns_once(session: Session) -> None:
    member = make_member(session)
    _bank(session, 12)
    first = practice.daily(session, member.id, day=DAY)
    assert len(first.question_ids) == 5 and practice.daily(session, member.id, day=DAY).id == first.id
    _finish(session, member.id, first)
    second = practice.daily(session, member.id, day=DAY + dt.timedelta(days=1))
    third = practice.daily(session, member.id, day=DAY + dt.timedelta(days=2))
    assert not set(first.question_ids) & set(second.question_ids)  # nothing again before the bank is seen
    assert len(set(first.question_ids) | set(second.question_ids) | set(third.question_ids)) == 12
    entries = session.scalars(select(PointsEntry).where(PointsEntry.member_id == member.id)).all()
    assert [(e.rule_key, e.points) for e in entries] == [("daily_practice", 5)]
    with pytest.raises(Conflict, match="已经结束"):
        practice.answer(session, member.id, first.id, 1, "A")


def test_weighted_toward_categories_answered_wrongly(session: Session) -> None:
    weak, strong = Category(name="薄弱"), Category(name="擅长")
    session.add_all([weak, strong])
    _bank(session, 30, weak)
    _bank(session, 30, strong)
    member = make_member(session)
    s = practice.start_streak(session, member.id)
    wrong = next(p for p, qid in enumerate(s.question_ids, 1)
                 if session.get(Question, qid).category_id == weak.id)  # type: ignore[union-attr]
    practice.answer(session, member.id, s.id, wrong, "B")
    seen, missed = practice._seen_and_missed(session, member.id)
    pool = practice._published(session)
    picks = [practice.draw(pool, 5, set(), missed, f"seed{n}") for n in range(40)]
    weak_ids = {q.id for q in pool if q.category_id == weak.id}
    share = sum(q in weak_ids for pick in picks for q in pick) / (40 * 5)
    assert share > 0.6  # a fair draw would be about half


def test_levels_unlock_in_order_and_streak_ends_at_first_miss(session: Session) -> None:
    member = make_member(session)
    _bank(session, 10, difficulty=1)
    _bank(session, 10, difficulty=2)
    assert [lv["unlocked"] for lv in practice.levels(session, member.id)][:2] == [True, False]
    with pytest.raises(Conflict, match="先通过第 1 关"):
        practice.start_level(session, member.id, 2)
    failed = practice.start_level(session, member.id, 1)
    _finish(session, member.id, failed, right=False)
    assert not failed.passed and not practice.levels(session, member.id)[1]["unlocked"]
    passed = practice.start_level(session, member.id, 1)
    _finish(session, member.id, passed)
    assert passed.passed and practice.levels(session, member.id)[1]["unlocked"]
    streak = practice.start_streak(session, member.id)
    practice.answer(session, member.id, streak.id, 1, "A")
    practice.answer(session, member.id, streak.id, 2, "A")
    result = practice.answer(session, member.id, streak.id, 3, "B")
    assert result["finished"] and result["score"] == 2 and result["best_streak"] == 2


def test_refusals_change_nothing(session: Session) -> None:
    member, other = make_member(session), make_member(session)
    _bank(session, 6)
    s = practice.daily(session, member.id, day=DAY)
    practice.answer(session, member.id, s.id, 1, "A")
    with pytest.raises(Conflict, match="已经答过"):
        practice.answer(session, member.id, s.id, 1, "B")
    with pytest.raises(Invalid, match="不在本组"):
        practice.answer(session, member.id, s.id, 99, "A")
    with pytest.raises(NotFound):
        practice.answer(session, other.id, s.id, 2, "A")
    assert s.answers == {"1": {"answer": "A", "correct": True}} and s.correct == 1


def test_http_for_terminals_and_phones(client: FlaskClient, session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    member = make_member(session)
    _bank(session, 8)
    device, token = make_device(session)
    log_in_at(session, device, member)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    got = client.post("/api/practice/daily", json={"member_id": member.id}, headers=auth).get_json()
    assert len(got["questions"]) == 5 and "answer" not in got["questions"][0] and got["next"] == 1
    right = client.post(f"/api/practice/{got['id']}/answers", json={"member_id": member.id, "position": 1, "answer": "A"},
                        headers=auth).get_json()
    assert right["correct"] and right["explanation"] == "解析"
    again = client.post(f"/api/practice/{got['id']}/answers", json={"member_id": member.id, "position": 1, "answer": "A"},
                        headers=auth)
    assert again.status_code == 409
    assert client.post("/api/practice/daily", json={}).status_code == 401
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    same = client.post("/api/practice/daily", json={}).get_json()
    assert same["id"] == got["id"] and same["answered"]["1"]["correct"]
    table = client.get("/api/practice/levels").get_json()
    assert table["levels"][0]["unlocked"] and table["best_streak"] == 0
    assert client.post("/api/practice/levels/3", json={}).status_code == 409
