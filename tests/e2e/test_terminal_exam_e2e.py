"""A formal test at a terminal on the demo server: a member logs in, opens 知识竞赛 → 正式测评, starts the
test, answers on the big keys (each tap saved on the server, no right or wrong shown), leaves and comes
back to the same attempt with the answer kept and the server's time left, answers the rest and hands it
in; the score shows, the attempt is closed and passed on the server. A second member's attempt, left
unanswered past its time limit, is closed by the server when the terminal asks. Screenshots:
test-artifacts/exams/terminal-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from content.models import Question, QuestionKind, ReviewStatus
from screen_server.exams import services as exams
from screen_server.exams.models import ExamAttempt
from screen_server.org.models import Member, User
from screen_server.runner import RoomServer
from tests.helpers.terminal import type_number_and_pin

pytestmark = [pytest.mark.kiosk]


def _log_in(t: Any, number: str) -> None:
    t.app.study.open_login()
    t.until(lambda: t.app.sm.current == "study_login")
    type_number_and_pin(t, number)


def test_a_member_takes_a_formal_test_at_the_terminal(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path,
                                                      tmp_path: Path) -> None:
    shots = artifacts_dir / "exams"
    shots.mkdir(exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    with demo_server.runtime.session_factory() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        paper = list(s.scalars(select(Question).where(Question.status == ReviewStatus.PUBLISHED,
                                                      Question.kind.in_([QuestionKind.SINGLE, QuestionKind.TRUE_FALSE]))
                               .order_by(Question.id).limit(4)))
        keys = {q.stem: q.answer for q in paper}
        exam = exams.save_exam(s, admin, title="党风廉政教育测评", question_ids=[q.id for q in paper],
                               opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1),
                               time_limit_minutes=15, pass_percent=75, max_attempts=2)
        exams.set_published(s, admin, exam.id, True)
        s.commit()
        exam_id = exam.id
    t = kiosk(mode="terminal", server=demo_server.http_url, offline=False, size=(1280, 800))
    t.until(lambda: t.app.sm.current == "home" and t.app.state.paired, timeout=20)
    _log_in(t, "D0007")
    t.app.arena.open_hub()
    t.until(lambda: t.app.sm.current == "contests")
    t.frames(3)
    t.app.save_screenshot(shots / "terminal-hub.png")
    t.tap(t.screen().ids.exams)
    t.until(lambda: t.app.sm.current == "exams" and t.app.exams.tests, timeout=10)
    t.frames(3)
    t.app.save_screenshot(shots / "terminal-exams.png")
    desk = t.app.exams

    def row() -> Any:
        return t.until(lambda: next((r for r in t.screen().ids.rows.children[0].children
                                     if r.exam_id == exam_id), None))

    def key_for(label: str) -> Any:
        return t.until(lambda: next((k for k in t.screen().ids.answer_keys.children[0].children
                                     if k.label == label), None))

    t.tap(row())
    t.until(lambda: t.app.sm.current == "exam" and desk.options, timeout=10)
    t.tap(key_for(keys[desk.stem]))
    t.until(lambda: desk.note == "已保存。", timeout=10)
    assert "回答" not in desk.note and all("answer" not in q for q in desk.attempt["questions"])
    assert desk.time_left.startswith("剩余 1") or desk.time_left.startswith("剩余 0")
    t.frames(3)
    t.app.save_screenshot(shots / "terminal-question.png")
    if t.app.narrator.available:  # 朗读: the question's stem and its options, in order
        from kiosk.narrator import FilePlayer

        player = t.app.narrator.player = FilePlayer(tmp_path / "heard")
        player.held = True
        t.tap(t.screen().ids.read_aloud.ids.read)
        t.until(lambda: len(player.played) == 1, timeout=10)
        assert t.app.narrator.source.startswith(desk.stem) and "A，" in t.app.narrator.source
    first_attempt = desk.attempt["id"]
    t.tap(t.find(t.screen(), "BigButton", text="‹ 返回"))  # the member walks away; the attempt stays open
    t.until(lambda: t.app.sm.current == "exams")
    desk.open_list()
    t.until(lambda: desk.tests and "继续答题" in desk.tests[0]["text"], timeout=10)
    t.tap(row())
    t.until(lambda: t.app.sm.current == "exam" and desk.options and desk.note.startswith("已恢复"), timeout=10)
    assert desk.attempt["id"] == first_attempt and desk.attempt["answered"] == 1
    for _n in range(3):
        t.until(lambda: desk.options, timeout=10)
        t.tap(key_for(keys[desk.stem]))
        t.until(lambda: desk.note == "已保存。", timeout=10)
        t.tap(t.screen().ids.next)
    t.tap(t.screen().ids.submit)
    t.until(lambda: desk.over, timeout=10)
    assert desk.stem.startswith("测评通过") and "答对 4 / 4" in desk.stem
    t.frames(3)
    t.app.save_screenshot(shots / "terminal-result.png")
    with demo_server.runtime.session_factory() as s:
        attempt = s.get(ExamAttempt, first_attempt)
        assert attempt is not None and attempt.passed and attempt.correct == 4 and attempt.closed_by == "member"
        # another member's attempt started 20 minutes ago (15 allowed), one answer given: the server closes it
        other = s.scalar(select(Member).where(Member.number == "D0011"))
        assert other is not None
        late = exams.start(s, other, exam_id, at=now - dt.timedelta(minutes=20))
        exams.answer(s, other, late.id, 1, keys[paper[0].stem], at=now - dt.timedelta(minutes=19))
        s.commit()
        late_id = late.id
    t.app.study.logout()
    _log_in(t, "D0011")
    desk.open_list()
    t.until(lambda: desk.tests and desk.tests[0]["exam_id"] == exam_id and "已答 1/2 次" in desk.tests[0]["note"],
            timeout=10)
    with demo_server.runtime.session_factory() as s:
        closed = s.get(ExamAttempt, late_id)
        assert closed is not None and closed.closed_by == "timeout" and (closed.correct, closed.passed) == (1, False)
