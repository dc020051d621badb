"""每日答题 at a terminal on the demo server: a member logs in, opens 知识竞赛, answers the day's five
questions on the big keys (right or wrong shown at once, with the explanation), and the day's
practice points are in the ledger. Screenshots: test-artifacts/e2e/practice-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from content.models import Question
from screen_server.org.models import Member
from screen_server.points.models import PointsEntry
from screen_server.runner import RoomServer
from tests.helpers.terminal import type_number_and_pin

pytestmark = [pytest.mark.kiosk]


def test_daily_practice_at_the_terminal(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    t = kiosk(mode="terminal", server=demo_server.http_url, offline=False, size=(1280, 800))
    t.until(lambda: t.app.sm.current == "home" and t.app.state.paired, timeout=20)
    t.app.study.open_login()
    t.until(lambda: t.app.sm.current == "study_login")
    type_number_and_pin(t, "D0006")
    t.app.arena.open_hub()
    t.until(lambda: t.app.sm.current == "contests" and t.app.arena.level_note, timeout=10)
    t.tap(t.screen().ids.daily)
    t.until(lambda: t.app.sm.current == "practice" and t.app.arena.p_options, timeout=10)
    with demo_server.runtime.session_factory() as s:
        answers = {q.stem: q.answer for q in s.scalars(select(Question))}
    arena = t.app.arena

    def key_for(label: str) -> Any:
        return t.until(lambda: next((k for k in t.screen().ids.answer_keys.children[0].children
                                     if k.label == label), None))

    for n in range(5):
        t.until(lambda: arena.p_options and not arena.p_done, timeout=10)
        right = answers[arena.p_stem]
        if arena.p_options[0]["kind"] == "multiple":
            for label in right:
                t.tap(key_for(label))
            t.tap(t.screen().ids.submit)
        else:
            t.tap(key_for(right))
        t.until(lambda: arena.p_verdict.startswith("回答"), timeout=10)
        assert arena.p_verdict == "回答正确"
        if n == 0:
            t.frames(3)
            t.app.save_screenshot(shots / "practice-1-answered.png")
        t.tap(t.screen().ids.next)
    t.until(lambda: "获得积分 5" in t.app.arena.p_stem, timeout=10)
    t.frames(3)
    t.app.save_screenshot(shots / "practice-2-done.png")
    with demo_server.runtime.session_factory() as s:
        member_id = s.scalar(select(Member.id).where(Member.number == "D0006"))
        assert s.scalar(select(PointsEntry.points).where(PointsEntry.member_id == member_id,
                                                         PointsEntry.rule_key == "daily_practice")) == 5
