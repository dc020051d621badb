"""每日答题 on a phone, plain forms: identify once (the phone is remembered), answer the day's five
questions one by one with the explanation after each, points once at the end; a repeated answer is
refused with a clear message and changes nothing. A screenshot at phone size in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Question
from screen_server.config import Settings
from screen_server.demo import MEMBER_PIN
from screen_server.org.models import Member
from screen_server.points.models import PointsEntry
from screen_server.practice.models import PracticeSet
from screen_server.runner import RoomServer
from tests.helpers.browser import PHONE, chromium


def _position_and_question(html: str, session: Session) -> tuple[str, Question]:
    position = re.search(r'name="position" value="(\d+)"', html)
    assert position, html
    stem = re.search(r'<h2 class="stem">(.*?)</h2>', html, re.S)
    assert stem
    practice = session.scalar(select(PracticeSet).order_by(PracticeSet.id.desc()))
    assert practice is not None
    question = session.get(Question, practice.question_ids[int(position.group(1)) - 1])
    assert question is not None
    return position.group(1), question


@pytest.mark.usefixtures("demo_db")
def test_daily_practice_on_a_phone(client: FlaskClient, session: Session, settings: Settings) -> None:
    first = client.get("/m/practice").get_data(as_text=True)
    assert "党员编号" in first and "开始答题" in first
    wrong_pin = client.post("/m/practice", data={"number": "D0005", "pin": "000000"})
    assert wrong_pin.status_code == 401 and "党员编号或密码不正确" in wrong_pin.get_data(as_text=True)
    page = client.post("/m/practice", data={"number": "D0005", "pin": MEMBER_PIN}).get_data(as_text=True)
    member = session.scalar(select(Member).where(Member.number == "D0005"))
    assert member is not None and f"{member.name} 同志" in page and "第 1 / 5 题" in page
    for n in range(5):
        position, question = _position_and_question(page, session)
        right = n != 1  # the second one wrong
        given = list(question.answer) if right else [next(o.label for o in question.options if o.label not in question.answer)
                                                      ] if question.options else (["错误"] if question.answer == "正确" else ["正确"])
        page = client.post("/m/practice", data={"position": position, "answer": given}).get_data(as_text=True)
        assert ("回答正确" if right else "回答错误") in page
        if not right:
            assert "正确答案" in page
            again = client.post("/m/practice", data={"position": position, "answer": given})
            assert again.status_code == 409 and "这道题已经答过了" in again.get_data(as_text=True)
        session.expire_all()
    assert "今日答题完成：答对 4 / 5 题" in page and "获得 5 积分" in page
    assert "今天的题已经答完了" in client.get("/m/practice").get_data(as_text=True)
    entries = session.scalars(select(PointsEntry).where(PointsEntry.member_id == member.id,
                                                        PointsEntry.rule_key == "daily_practice")).all()
    assert [e.points for e in entries] == [5]


@pytest.mark.usefixtures("demo_db")
def test_the_practice_page_at_phone_size(settings: Settings, artifacts_dir: Path, server: RoomServer) -> None:
    with chromium() as browser:
        page = browser.new_context(**PHONE).new_page()
        page.goto(f"{server.http_url}/m/practice")
        page.fill("#number", "D0006")
        page.fill("#pin", MEMBER_PIN)
        page.click("button[type=submit]")
        page.wait_for_selector("#question")
        page.locator("#question input[name=answer]").first.check()
        page.click("#question button[type=submit]")
        page.wait_for_selector("#result")
        shots = artifacts_dir / "phone"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / "practice.png"), full_page=True)
        assert "第 2 / 5 题" in page.content()
