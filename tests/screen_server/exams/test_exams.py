"""Formal tests: an attempt past its time limit is closed by the server and scored on what was answered;
a member out of attempts is refused; answers are idempotent and never reveal the key before closing;
a rule-drawn paper is stable for its attempt; setup refuses bad input and is audited; pass points once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Category, Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server.audit.models import AuditEntry
from screen_server.errors import Conflict, Invalid, NotFound
from screen_server.exams import results
from screen_server.exams import services as exams
from screen_server.exams.models import ExamAttempt
from screen_server.org.models import Role
from screen_server.points.models import PointsEntry
from tests.helpers.factories import make_branch, make_member, make_user

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def _bank(session: Session, n: int = 10, category: Category | None = None, difficulty: int = 2) -> list[Question]:
    qs = [Question(kind=QuestionKind.SINGLE, stem=f"测评题{i}-{difficulty}", answer="A", status=ReviewStatus.PUBLISHED,
                   difficulty=difficulty, category=category, explanation="解析",
                   options=[QuestionOption(label="A", text="对"), QuestionOption(label="B", text="错")])
          for i in range(n)]
    session.add_all(qs)
    session.flush()
    return qs


def _exam(session: Session, qs: list[Question], **kw: Any) -> Any:
    admin = make_user(session)
    fields: dict[str, Any] = {"title": "党风廉政教育测评", "mode": "fixed", "question_ids": [q.id for q in qs],
                              "opens_at": T0, "closes_at": T0 + dt.timedelta(days=7), "time_limit_minutes": 30,
                              "pass_percent": 60, "max_attempts": 2} | kw
    exam = exams.save_exam(session, admin, **fields)
    exams.set_published(session, admin, exam.id, True)
    return exam


def test_attempt_past_its_time_limit_is_closed_by_the_server_and_scored_on_what_was_answered(session: Session) -> None:
    member = make_member(session)
    qs = _bank(session, 10)
    exam = _exam(session, qs)
    attempt = exams.start(session, member, exam.id, at=T0 + dt.timedelta(hours=1))
    start = T0 + dt.timedelta(hours=1)
    for pos in range(1, 8):  # 7 answered: 6 right, 1 wrong; 3 never answered
        exams.answer(session, member, attempt.id, pos, "A" if pos < 7 else "B", client_id=f"c{pos}",
                     at=start + dt.timedelta(minutes=pos))
    data = exams.attempt_data(session, attempt, at=start + dt.timedelta(minutes=10))
    assert data["seconds_left"] == 20 * 60 and data["answered"] == 7
    assert all("answer" not in q and "correct" not in q for q in data["questions"])  # the key stays on the server
    # the job, run with the clock moved past the deadline, closes it: scored on the 7 answered
    assert exams.close_expired(session, start + dt.timedelta(minutes=31)) == 1
    session.refresh(attempt)
    assert attempt.closed_by == "timeout" and attempt.closed_at == start + dt.timedelta(minutes=30)
    assert (attempt.correct, attempt.total, attempt.passed) == (6, 10, True)
    with pytest.raises(Conflict, match="答题时间已到"):
        exams.answer(session, member, attempt.id, 8, "A", at=start + dt.timedelta(minutes=32))
    closed = exams.attempt_data(session, attempt, at=start + dt.timedelta(minutes=32))
    assert closed["correct"] == 6 and closed["questions"][0]["answer"] == "A"
    points = session.scalars(select(PointsEntry).where(PointsEntry.member_id == member.id)).all()
    assert [(p.rule_key, p.ref) for p in points] == [("exam_pass", f"exam:{exam.id}")]


def test_next_request_closes_a_timed_out_attempt_without_the_job(session: Session) -> None:
    member = make_member(session)
    exam = _exam(session, _bank(session, 5), time_limit_minutes=10, pass_percent=80)
    attempt = exams.start(session, member, exam.id, at=T0)
    exams.answer(session, member, attempt.id, 1, "A", at=T0 + dt.timedelta(minutes=1))
    late = T0 + dt.timedelta(minutes=11)
    with pytest.raises(Conflict, match="自动交卷"):
        exams.answer(session, member, attempt.id, 2, "A", at=late)
    session.refresh(attempt)
    assert (attempt.closed_by, attempt.correct, attempt.passed) == ("timeout", 1, False)
    assert not session.scalars(select(PointsEntry)).all()


def test_member_out_of_attempts_is_refused(session: Session) -> None:
    member = make_member(session)
    exam = _exam(session, _bank(session, 3), max_attempts=2, pass_percent=100)
    for n in range(2):
        a = exams.start(session, member, exam.id, at=T0 + dt.timedelta(hours=n))
        assert a.number == n + 1
        exams.submit(session, member, a.id, at=T0 + dt.timedelta(hours=n, minutes=1))
    before = session.scalars(select(ExamAttempt)).all()
    with pytest.raises(Conflict, match="已用完本次测评的 2 次答题机会") as refused:
        exams.start(session, member, exam.id, at=T0 + dt.timedelta(hours=3))
    assert refused.value.code == "no_attempts"
    assert session.scalars(select(ExamAttempt)).all() == before


def test_resume_returns_the_same_attempt_and_resends_are_idempotent(session: Session) -> None:
    member = make_member(session)
    exam = _exam(session, _bank(session, 4))
    first = exams.start(session, member, exam.id, at=T0)
    assert exams.start(session, member, exam.id, at=T0 + dt.timedelta(minutes=5)).id == first.id
    exams.answer(session, member, first.id, 1, "B", client_id="x1", at=T0)
    exams.answer(session, member, first.id, 1, "B", client_id="x1", at=T0)
    exams.answer(session, member, first.id, 1, "A", client_id="x2", at=T0)  # changed their mind
    data = exams.attempt_data(session, first, at=T0 + dt.timedelta(minutes=5))
    assert data["questions"][0]["given"] == "A" and data["seconds_left"] == 25 * 60
    with pytest.raises(Invalid):
        exams.answer(session, member, first.id, 9, "A", at=T0)
    with pytest.raises(NotFound):
        exams.answer(session, make_member(session), first.id, 1, "A", at=T0)


def test_window_and_audience(session: Session) -> None:
    other = make_branch(session)
    member = make_member(session)
    exam = _exam(session, _bank(session, 3), branch_ids=[other.id])
    with pytest.raises(NotFound):
        exams.start(session, member, exam.id, at=T0)
    insider = make_member(session, branch_id=other.id)
    with pytest.raises(Conflict, match="还没有开始"):
        exams.start(session, insider, exam.id, at=T0 - dt.timedelta(minutes=1))
    with pytest.raises(Conflict, match="已经结束"):
        exams.start(session, insider, exam.id, at=T0 + dt.timedelta(days=8))
    late = exams.start(session, insider, exam.id, at=T0 + dt.timedelta(days=7) - dt.timedelta(minutes=5))
    assert late.deadline == T0 + dt.timedelta(days=7)  # never past the test's close


def test_rule_draw_is_per_category_and_difficulty_and_stable(session: Session) -> None:
    law, history = Category(name="党纪法规"), Category(name="党史")
    session.add_all([law, history])
    _bank(session, 6, law, 2)
    _bank(session, 6, history, 3)
    member = make_member(session)
    exam = _exam(session, [], mode="rule", question_ids=[],
                 rules=[{"category_id": law.id, "difficulty": 2, "count": 3}, {"category_id": history.id, "count": 2}])
    attempt = exams.start(session, member, exam.id, at=T0)
    drawn = session.scalars(select(Question).where(Question.id.in_(attempt.question_ids))).all()
    assert sorted(q.category_id for q in drawn) == sorted([law.id] * 3 + [history.id] * 2)
    assert exams.start(session, member, exam.id, at=T0).question_ids == attempt.question_ids
    with pytest.raises(Invalid, match="不够抽"):
        exams.save_exam(session, make_user(session), title="x", mode="rule", rules=[{"category_id": law.id, "count": 9}],
                        opens_at=T0, closes_at=T0 + dt.timedelta(days=1), time_limit_minutes=10, pass_percent=60,
                        max_attempts=1)


def test_setup_refuses_bad_input_is_audited_and_scoped(session: Session) -> None:
    qs = _bank(session, 3)
    admin = make_user(session)
    base: dict[str, Any] = {"title": "测评", "question_ids": [q.id for q in qs], "opens_at": T0,
                            "closes_at": T0 + dt.timedelta(days=1), "time_limit_minutes": 10, "pass_percent": 60,
                            "max_attempts": 1}
    for bad, message in (({"closes_at": T0}, "晚于"), ({"time_limit_minutes": 0}, "时限"),
                         ({"pass_percent": 0}, "及格线"), ({"question_ids": [99999]}, "不存在"), ({"title": " "}, "名称")):
        with pytest.raises(Invalid, match=message):
            exams.save_exam(session, admin, **(base | bad))
    blank = Question(kind=QuestionKind.FILL_BLANK, stem="填空", answer="党章", status=ReviewStatus.PUBLISHED)
    session.add(blank)
    session.flush()
    with pytest.raises(Invalid, match="填空题无法在触摸终端作答"):
        exams.save_exam(session, admin, **(base | {"question_ids": [qs[0].id, blank.id]}))
    exam = exams.save_exam(session, admin, **base)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "exam")).all()
    assert actions == ["exams.created"]
    secretary = make_user(session, role=Role.SECRETARY)
    with pytest.raises(NotFound):
        exams.get_for_user(session, secretary, exam.id)
    own = exams.save_exam(session, secretary, **(base | {"branch_ids": []}))
    assert own.branch_ids == [secretary.branch_id] and not own.all_branches
    assert [e.id for e in exams.visible_exams(session, secretary)] == [own.id]


def test_results_per_member_and_branch(session: Session) -> None:
    branch = make_branch(session)
    passer, failer, absent = (make_member(session, branch_id=branch.id) for _ in range(3))
    exam = _exam(session, _bank(session, 2), branch_ids=[branch.id])
    a = exams.start(session, passer, exam.id, at=T0)
    exams.answer(session, passer, a.id, 1, "A", at=T0)
    exams.answer(session, passer, a.id, 2, "A", at=T0)
    exams.submit(session, passer, a.id, at=T0)
    b = exams.start(session, failer, exam.id, at=T0)
    exams.submit(session, failer, b.id, at=T0)
    admin = make_user(session)
    table = results.exam_results(session, admin, exam.id, at=T0 + dt.timedelta(days=8))
    status = {r["number"]: r["status"] for r in table["members"]}
    assert status == {passer.number: "passed", failer.number: "failed", absent.number: "absent"}
    assert [(r["expected"], r["taken"], r["passed"]) for r in table["branches"]] == [(3, 2, 1)]
    data = results.export_xlsx(session, admin, exam.id)
    assert data[:2] == b"PK"


def test_the_jobs_thread_closes_attempts_past_their_time(runtime: Any, settings: Any) -> None:
    from screen_server.jobs import default_jobs

    now = dt.datetime.now(dt.UTC)
    with runtime.session_factory() as session:
        member = make_member(session)
        exam = _exam(session, _bank(session, 2), opens_at=now - dt.timedelta(days=1), time_limit_minutes=5)
        attempt = exams.start(session, member, exam.id, at=now - dt.timedelta(minutes=6))
        exams.answer(session, member, attempt.id, 1, "A", at=now - dt.timedelta(minutes=5, seconds=30))
        session.commit()
        attempt_id = attempt.id
    jobs = default_jobs(settings, runtime.session_factory)
    assert "exams" in [name for name, _job in jobs._jobs]  # noqa: SLF001 - the registration is what is checked
    jobs.run_once()
    with runtime.session_factory() as session:
        closed = session.get(ExamAttempt, attempt_id)
        assert closed is not None and closed.closed_by == "timeout" and (closed.correct, closed.passed) == (1, False)
