"""答题闯关 and 挑战连对 on a phone, plain forms: a level played through (passed, the next one unlocks),
a locked level refused with nothing created, a streak that ends at the first miss and keeps the best,
another member's set refused, a repeated answer refused; screenshots at phone size in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Question
from screen_server.config import Settings
from screen_server.demo import MEMBER_PIN
from screen_server.org.models import Member
from screen_server.practice import services as practice
from screen_server.practice.models import PracticeSet
from screen_server.runner import RoomServer
from tests.helpers.browser import PHONE, chromium

pytestmark = pytest.mark.usefixtures("demo_db")  # every test starts from the demo organisation

def _identified(client: FlaskClient, session: Session, settings: Settings, number: str = "D0005") -> Member:
    page = client.post("/m/challenge", data={"number": number, "pin": MEMBER_PIN}).get_data(as_text=True)
    member = session.scalar(select(Member).where(Member.number == number))
    assert member is not None and f"{member.name} 同志" in page
    return member


def _shown(html: str, session: Session) -> tuple[int, str, Question]:
    """The set id, position and question on a question page."""
    action = re.search(r'action="/m/challenge/(\d+)/answer"', html)
    position = re.search(r'name="position" value="(\d+)"', html)
    assert action and position, html
    found = session.get(PracticeSet, int(action.group(1)))
    assert found is not None
    question = session.get(Question, found.question_ids[int(position.group(1)) - 1])
    assert question is not None
    return found.id, position.group(1), question


def _given(question: Question, right: bool) -> list[str]:
    if right:
        return list(question.answer) if question.options else [question.answer]
    if question.options:
        return [next(o.label for o in question.options if o.label not in question.answer)]
    return ["错误"] if question.answer == "正确" else ["正确"]


def _sets(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PracticeSet)) or 0


def test_a_level_played_through_unlocks_the_next(client: FlaskClient, session: Session, settings: Settings) -> None:
    assert "党员编号" in client.get("/m/challenge").get_data(as_text=True)
    member = _identified(client, session, settings)
    overview = client.get("/m/challenge").get_data(as_text=True)
    assert "第 1 关" in overview and "可挑战" in overview and "未解锁" in overview
    assert 'action="/m/challenge/levels/2"' not in overview
    start = client.post("/m/challenge/levels/1")
    assert start.status_code == 303
    page = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "答题闯关 · 第 1 关" in page and "第 1 / 10 题" in page
    for n in range(10):
        set_id, position, question = _shown(page, session)
        page = client.post(f"/m/challenge/{set_id}/answer",
                           data={"position": position, "answer": _given(question, True)}).get_data(as_text=True)
        assert "回答正确" in page
        if n < 9:
            assert "下一题" in page and "闯关成功" not in page
            page = client.get(f"/m/challenge/{set_id}").get_data(as_text=True)
        session.expire_all()
    assert "闯关成功！" in page and "答对 10 / 10 题" in page and "第 2 关已解锁" in page
    assert practice.levels(session, member.id)[1]["unlocked"]
    overview = client.get("/m/challenge").get_data(as_text=True)
    assert "已通过" in overview and "最好成绩 10 题" in overview and 'action="/m/challenge/levels/2"' in overview


def test_a_locked_level_is_refused_and_creates_nothing(client: FlaskClient, session: Session,
                                                        settings: Settings) -> None:
    _identified(client, session, settings)
    before = _sets(session)
    refused = client.post("/m/challenge/levels/3")
    assert refused.status_code == 409 and "请先通过第 2 关" in refused.get_data(as_text=True)
    out_of_range = client.post("/m/challenge/levels/99")
    assert out_of_range.status_code == 400 and "关卡应在 1 到 5 之间" in out_of_range.get_data(as_text=True)
    assert _sets(session) == before
    stranger = client.application.test_client()
    unknown = stranger.post("/m/challenge/levels/1")
    assert unknown.status_code == 401 and "党员编号" in unknown.get_data(as_text=True)
    assert _sets(session) == before


def test_a_streak_ends_at_the_first_miss_and_keeps_the_best(client: FlaskClient, session: Session,
                                                            settings: Settings) -> None:
    member = _identified(client, session, settings)
    assert "您还没有挑战过" in client.get("/m/challenge").get_data(as_text=True)
    page = client.post("/m/challenge/streak", follow_redirects=True).get_data(as_text=True)
    assert "挑战连对" in page and "第 1 题" in page
    for right in (True, True, False):
        set_id, position, question = _shown(page, session)
        page = client.post(f"/m/challenge/{set_id}/answer",
                           data={"position": position, "answer": _given(question, right)}).get_data(as_text=True)
        if right:
            page = client.get(f"/m/challenge/{set_id}").get_data(as_text=True)
        session.expire_all()
    assert "回答错误" in page and "正确答案" in page and "挑战结束" in page and "连对 2 题" in page
    assert "新的个人纪录！" in page and 'id="question"' not in page
    assert practice.best_streak(session, member.id) == 2
    again = client.post(f"/m/challenge/{set_id}/answer", data={"position": int(position) + 1, "answer": "A"})
    assert again.status_code == 409 and "本组练习已经结束" in again.get_data(as_text=True)
    page = client.post("/m/challenge/streak", follow_redirects=True).get_data(as_text=True)
    set_id, position, question = _shown(page, session)
    page = client.post(f"/m/challenge/{set_id}/answer",
                       data={"position": position, "answer": _given(question, False)}).get_data(as_text=True)
    assert "连对 0 题" in page and "新的个人纪录" not in page and "个人最好：连对 2 题" in page
    assert "个人最好：连对 2 题" in client.get("/m/challenge").get_data(as_text=True)


def test_only_the_sets_member_may_answer_and_only_once(app: Flask, client: FlaskClient, session: Session,
                                                       settings: Settings) -> None:
    _identified(client, session, settings)
    page = client.post("/m/challenge/levels/1", follow_redirects=True).get_data(as_text=True)
    set_id, position, question = _shown(page, session)
    first = client.post(f"/m/challenge/{set_id}/answer", data={"position": position, "answer": _given(question, False)})
    assert first.status_code == 200 and "回答错误" in first.get_data(as_text=True)
    right = [f"{o.label}. {o.text}" for o in question.options if o.label in question.answer] or [question.answer]
    assert all(r in first.get_data(as_text=True) for r in right) and question.stem in first.get_data(as_text=True)
    again = client.post(f"/m/challenge/{set_id}/answer", data={"position": position, "answer": _given(question, True)})
    assert again.status_code == 409 and "这道题已经答过了" in again.get_data(as_text=True)
    assert "第 2 / 10 题" in again.get_data(as_text=True)
    empty = client.post(f"/m/challenge/{set_id}/answer", data={"position": int(position) + 1})
    assert empty.status_code == 400 and "请选择答案" in empty.get_data(as_text=True)
    other = app.test_client()
    other.post("/m/challenge", data={"number": "D0006", "pin": MEMBER_PIN})
    for resp in (other.post(f"/m/challenge/{set_id}/answer", data={"position": int(position) + 1, "answer": "A"}),
                 other.get(f"/m/challenge/{set_id}")):
        assert resp.status_code == 404 and "练习不存在" in resp.get_data(as_text=True)
    session.expire_all()
    found = session.get(PracticeSet, set_id)
    assert found is not None and found.correct == 0
    assert list(found.answers) == [position] and found.answers[position]["correct"] is False


def test_the_challenge_pages_at_phone_size(settings: Settings, artifacts_dir: Path, server: RoomServer) -> None:
    shots = artifacts_dir / "phone"
    shots.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_context(**PHONE).new_page()
        page.goto(f"{server.http_url}/m/challenge")
        page.fill("#number", "D0007")
        page.fill("#pin", MEMBER_PIN)
        page.click("button[type=submit]")
        page.wait_for_selector("#levels")
        page.screenshot(path=str(shots / "challenge.png"), full_page=True)
        page.click("#level-1")
        page.wait_for_selector("#question")
        page.screenshot(path=str(shots / "challenge_question.png"), full_page=True)
        with server.runtime.session_factory() as s:
            _set_id, _position, question = _shown(page.content(), s)
            wrong = _given(question, False)[0]
        page.locator(f'#question input[name=answer][value="{wrong}"]').check()  # the answer page explains
        page.click("#question button[type=submit]")
        page.wait_for_selector("#result")
        page.screenshot(path=str(shots / "challenge_answer.png"), full_page=True)
        page.click("#next")
        page.wait_for_selector("#question")
        assert "第 2 / 10 题" in page.content()
        for _n in range(9):
            page.locator("#question input[name=answer]").first.check()
            page.click("#question button[type=submit]")
            page.wait_for_selector("#result")
            if page.locator("#next").count():
                page.click("#next")
                page.wait_for_selector("#question")
        page.wait_for_selector("#outcome")
        page.screenshot(path=str(shots / "challenge_outcome.png"), full_page=True)
