"""A member without a phone plays the live contest at a terminal: logs in with number and PIN, opens
知识竞赛, joins, answers on the big keys, and sees right or wrong at the close; the score is saved.
Screenshots: test-artifacts/e2e/terminal-contest-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from content.models import Question, QuestionKind, ReviewStatus
from screen_server.contests import services as contests
from screen_server.devices.models import Room
from screen_server.runner import RoomServer
from tests.helpers.terminal import type_number_and_pin

pytestmark = [pytest.mark.kiosk]


def test_a_member_plays_at_the_terminal(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    engine = demo_server.runtime.contests
    with demo_server.runtime.session_factory() as s:
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
        q = s.scalars(select(Question).where(Question.status == ReviewStatus.PUBLISHED,
                                             Question.kind == QuestionKind.SINGLE).order_by(Question.id)).first()
        assert q is not None
        right = q.answer
        contest = contests.create_contest(s, title="终端竞赛", room_id=room_id, questions=1, seconds=60,
                                          question_ids=[q.id])
        s.commit()
        contest_id = contest.id
    t = kiosk(mode="terminal", server=demo_server.http_url, offline=False, size=(1280, 800))
    t.until(lambda: t.app.sm.current == "home" and t.app.contest.get("id") == contest_id, timeout=20)
    home = t.screen()
    assert "已加入 0 人" in t.find(home, "Tile", key="contests").note
    t.tap(t.find(home, "Tile", key="contests"))
    t.tap(t.screen().ids.join)  # not logged in yet: the login screen first
    t.until(lambda: t.app.sm.current == "study_login")
    type_number_and_pin(t, "D0004")
    t.app.arena.open_hub()
    t.until(lambda: t.app.sm.current == "contests")
    t.tap(t.screen().ids.join)
    t.until(lambda: t.app.sm.current == "contest_play" and t.app.arena.player, timeout=10)

    engine.start(contest_id)
    t.until(lambda: t.app.arena.options, timeout=10)
    t.frames(3)
    t.app.save_screenshot(shots / "terminal-contest-question.png")
    key = t.until(lambda: next((w for w in t.screen().ids.answer_keys.children[0].children
                                if getattr(w, "label", "") == right), None))
    t.tap(key)
    t.until(lambda: t.app.arena.sent)
    engine.close_now(contest_id)
    t.until(lambda: t.app.arena.verdict.startswith("回答正确"), timeout=10)
    t.frames(3)
    t.app.save_screenshot(shots / "terminal-contest-reveal.png")
    with demo_server.runtime.session_factory() as s:
        [row] = contests.results(s, contest_id)
    assert row["correct"] == 1 and row["score"] >= 500 and str(row["score"]) in t.app.arena.mine
