"""A live contest end to end: the wall kiosk (under Xvfb) on the demo server, three players at phone size
in headless Chromium who join by the wall's code, answer differently, and see their verdicts; the wall's
screenshots show the lobby, a question with its countdown, the distribution and the board in the right
order, and the podium; the saved results match. Screenshots: test-artifacts/e2e/contest-*.png."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from content.models import Question, QuestionKind, ReviewStatus
from screen_server.contests import services as contests
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import Room
from screen_server.runner import RoomServer
from tests.helpers.browser import PHONE, chromium

pytestmark = [pytest.mark.kiosk, pytest.mark.browser]
NUMBERS = ("D0001", "D0002", "D0003")
WAIT_MS = 20_000


def test_a_live_contest_with_three_phones(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    engine = demo_server.runtime.contests
    with demo_server.runtime.session_factory() as s:
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
        qs = s.scalars(select(Question).where(Question.status == ReviewStatus.PUBLISHED,
                                              Question.kind == QuestionKind.SINGLE).order_by(Question.id).limit(2)).all()
        answers = [q.answer for q in qs]
        contest = contests.create_contest(s, title="党章党规知识竞赛", room_id=room_id, questions=2, seconds=60,
                                          question_ids=[q.id for q in qs])
        s.commit()
        contest_id, code = contest.id, contest.code
    wrong = [next(lb for lb in "ABCD" if lb != a) for a in answers]

    wall = kiosk(mode="wall", server=demo_server.http_url, offline=False, size=(1920, 1080))
    wall.until(lambda: wall.app.sm.current == "wall_contest", timeout=20)

    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="phones") as pool:
        def phone(fn: Any) -> Any:
            future = pool.submit(fn)
            wall.until(future.done, timeout=90)  # the wall keeps drawing and receiving meanwhile
            return future.result()

        holder: dict[str, Any] = {}

        def open_phones() -> None:
            holder["cm"] = chromium()
            browser = holder["cm"].__enter__()
            holder["pages"] = []
            for number in NUMBERS:
                page = browser.new_context(**PHONE, locale="zh-CN").new_page()
                page.goto(f"{demo_server.http_url}/c/{code}")
                page.locator("#number").fill(number)
                page.locator("#pin").fill(MEMBER_PIN)
                page.get_by_role("button", name="加入竞赛").click()
                page.get_by_text("已加入，请等待主持人开始").wait_for(timeout=WAIT_MS)
                holder["pages"].append(page)
            holder["pages"][0].screenshot(path=str(shots / "contest-phone-lobby.png"))

        try:
            phone(open_phones)
            wall.until(lambda: wall.app.contest.get("players") == 3, timeout=10)
            wall.frames(5)
            wall.app.save_screenshot(shots / "contest-1-lobby.png")

            engine.start(contest_id)
            wall.until(lambda: wall.app.contest.get("status") == "question", timeout=10)
            wall.until(lambda: wall.screen().countdown not in ("", "0"), timeout=5)
            wall.frames(5)
            wall.app.save_screenshot(shots / "contest-2-question.png")

            def answer_q1() -> None:  # right, wrong, and right a moment later
                for page, label in zip(holder["pages"], [answers[0], wrong[0], answers[0]], strict=True):
                    page.locator("#stem").wait_for(timeout=WAIT_MS)
                    page.locator(f"button.option[data-label='{label}']").click()
                    page.get_by_text("已提交，等待公布答案").wait_for(timeout=WAIT_MS)
                holder["pages"][0].screenshot(path=str(shots / "contest-phone-answered.png"))

            phone(answer_q1)
            engine.close_now(contest_id)
            wall.until(lambda: wall.app.contest.get("status") == "reveal", timeout=10)
            reveal = wall.app.contest
            counts = {d["label"]: d["count"] for d in reveal["distribution"]}
            assert counts[answers[0]] == 2 and counts[wrong[0]] == 1
            names = [r["name"] for r in reveal["board"]]
            assert len(names) == 3 and reveal["board"][2]["score"] == 0
            wall.frames(40)
            wall.app.save_screenshot(shots / "contest-3-reveal.png")

            def verdicts() -> list[str]:
                out = []
                for page in holder["pages"]:
                    page.locator("#reveal:not([hidden])").wait_for(timeout=WAIT_MS)
                    page.wait_for_function("document.getElementById('verdict').textContent.includes('回答')",
                                           timeout=WAIT_MS)
                    out.append(page.inner_text("#verdict"))
                holder["pages"][1].screenshot(path=str(shots / "contest-phone-reveal.png"))
                return out

            said = phone(verdicts)
            assert said[0].startswith("回答正确") and said[1] == "回答错误" and said[2].startswith("回答正确")

            engine.next(contest_id)
            wall.until(lambda: wall.app.contest.get("status") == "question" and wall.app.contest["index"] == 2,
                       timeout=10)

            def answer_q2() -> None:  # only the second player answers, rightly
                page = holder["pages"][1]
                page.wait_for_function("document.getElementById('progress').textContent.includes('2 / 2')",
                                       timeout=WAIT_MS)
                page.locator(f"button.option[data-label='{answers[1]}']").click()
                page.get_by_text("已提交，等待公布答案").wait_for(timeout=WAIT_MS)

            phone(answer_q2)
            engine.close_now(contest_id)
            engine.next(contest_id)
            wall.until(lambda: wall.app.contest.get("status") == "finished", timeout=10)
            wall.frames(40)
            wall.app.save_screenshot(shots / "contest-4-podium.png")
        finally:
            if "cm" in holder:
                pool.submit(holder["cm"].__exit__, None, None, None).result(60)

    with demo_server.runtime.session_factory() as s:
        saved = contests.results(s, contest_id)
    board = wall.app.contest["board"]
    assert [r["player_id"] for r in saved] == [r["player_id"] for r in board]
    assert [r["score"] for r in saved] == [r["score"] for r in board]
    assert [r["correct"] for r in saved] == sorted([r["correct"] for r in saved], reverse=True)
    assert {r["correct"] for r in saved} == {1} or saved[0]["correct"] >= 1
