"""Formal tests (测评): set up by an admin or a branch secretary, taken by members at a terminal or on a phone.

A test opens between two times; each attempt has a time limit that the server's clock decides (the
deadline is stored when the attempt starts, never later than the test's close). An answer is stored the
moment it is given, keyed by the client's id so a resend after a lost connection changes nothing; the
attempt can be resumed with its remaining time and given answers. An attempt past its deadline is closed
by the server, on the next request that touches it and by the ``close_expired`` job, and scored on what
was answered. Correct answers never leave the server before the attempt is closed. Passing earns the
``exam_pass`` points rule, once per test. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from content.models import Question, QuestionKind, ReviewStatus
from content.questions import is_correct
from screen_server.audit.services import record
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.exams.models import Exam, ExamAttempt
from screen_server.i18n import _
from screen_server.org.models import Branch, Member, Role, User
from screen_server.org.services import branch_scope
from screen_server.points import services as points

MAX_QUESTIONS = 200
MAX_ATTEMPTS = 10
MAX_MINUTES = 600


def now() -> dt.datetime:
    """The server's clock (tests move it by replacing this function)."""
    return dt.datetime.now(dt.UTC)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------- setting a test up (admin, secretary)

def _check_scope(user: User, exam: Exam) -> None:
    scope = branch_scope(user)
    if scope is not None and (exam.all_branches or set(exam.branch_ids or []) != {scope}):
        raise NotFound(_("测评不存在或不在您的管理范围内。"))


def visible_exams(session: Session, user: User) -> list[Exam]:
    """The tests a user manages: all for an admin, their branch's own for a secretary."""
    exams = list(session.scalars(select(Exam).order_by(Exam.opens_at.desc(), Exam.id.desc())))
    scope = branch_scope(user)
    return [e for e in exams if scope is None or (not e.all_branches and set(e.branch_ids or []) == {scope})]


def get_for_user(session: Session, user: User, exam_id: int) -> Exam:
    exam = session.get(Exam, exam_id)
    if exam is None:
        raise NotFound(_("测评不存在。"))
    _check_scope(user, exam)
    return exam


def _parse_rules(session: Session, rules: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rules:
        count = int(r.get("count") or 0)
        if count <= 0:
            continue
        difficulty = int(r["difficulty"]) if r.get("difficulty") else None
        category_id = int(r["category_id"]) if r.get("category_id") else None
        if difficulty is not None and not 1 <= difficulty <= 5:
            raise Invalid(_("难度应在 1 到 5 之间。"))
        available = len(_pool(session, category_id, difficulty))
        if available < count:
            raise Invalid(_("题库中符合条件的已发布题目只有 {n} 道，不够抽 {c} 道。").format(n=available, c=count))
        out.append({"category_id": category_id, "difficulty": difficulty, "count": count})
    if not out:
        raise Invalid(_("请至少设置一条抽题规则（题数大于 0）。"))
    return out


def _pool(session: Session, category_id: int | None, difficulty: int | None) -> list[int]:
    """Published questions answerable by a tap (no fill-in-the-blank: terminals have no Chinese input)."""
    query = (select(Question.id).where(Question.status == ReviewStatus.PUBLISHED, Question.kind != QuestionKind.FILL_BLANK)
             .order_by(Question.id))
    if category_id:
        query = query.where(Question.category_id == category_id)
    if difficulty:
        query = query.where(Question.difficulty == difficulty)
    return list(session.scalars(query))


def save_exam(session: Session, user: User, *, exam_id: int | None = None, title: str, description: str = "",
              mode: str = "fixed", question_ids: Sequence[int] = (), rules: Sequence[dict[str, Any]] = (),
              opens_at: dt.datetime | None, closes_at: dt.datetime | None, time_limit_minutes: int,
              pass_percent: int, max_attempts: int, branch_ids: Sequence[int] = ()) -> Exam:
    """Create a test or change one; refused (changing nothing) on bad input. A secretary's test is for their
    branch only; a test that has attempts keeps its paper and rules."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("请填写测评名称（不超过 200 字）。"))
    if mode not in ("fixed", "rule"):
        raise Invalid(_("组卷方式应是固定试卷或按规则抽题。"))
    if opens_at is None or closes_at is None:
        raise Invalid(_("请填写开始时间和结束时间。"))
    if closes_at <= opens_at:
        raise Invalid(_("结束时间必须晚于开始时间。"))
    if not 1 <= time_limit_minutes <= MAX_MINUTES:
        raise Invalid(_("答题时限应在 1 到 {n} 分钟之间。").format(n=MAX_MINUTES))
    if not 1 <= pass_percent <= 100:
        raise Invalid(_("及格线应在 1% 到 100% 之间。"))
    if not 1 <= max_attempts <= MAX_ATTEMPTS:
        raise Invalid(_("答题次数应在 1 到 {n} 次之间。").format(n=MAX_ATTEMPTS))
    scope = branch_scope(user)
    branches = sorted(set(int(b) for b in branch_ids))
    if scope is not None:
        branches = [scope]
    if branches and len(session.scalars(select(Branch.id).where(Branch.id.in_(branches))).all()) != len(branches):
        raise Invalid(_("所选支部不存在。"))
    exam = session.get(Exam, exam_id) if exam_id else None
    if exam_id and exam is None:
        raise NotFound(_("测评不存在。"))
    if exam is not None:
        _check_scope(user, exam)
    started = exam is not None and bool(session.scalar(select(func.count()).where(ExamAttempt.exam_id == exam.id)))
    paper: dict[str, Any] = {}
    if not started:
        if mode == "fixed":
            ids = list(dict.fromkeys(int(q) for q in question_ids))
            found = {qid: kind for qid, kind in session.execute(select(Question.id, Question.kind).where(
                Question.id.in_(ids), Question.status == ReviewStatus.PUBLISHED))}
            if not ids:
                raise Invalid(_("固定试卷请至少选择一道题。"))
            if missing := [q for q in ids if q not in found]:
                raise Invalid(_("这些题号不存在或未发布：{ids}").format(ids="、".join(map(str, missing))))
            if blanks := [q for q in ids if found[q] == QuestionKind.FILL_BLANK]:
                # a terminal has no Chinese input method: a test must be answerable by taps everywhere
                raise Invalid(_("填空题无法在触摸终端作答，请换成选择题或判断题：{ids}").format(
                    ids="、".join(map(str, blanks))))
            if len(ids) > MAX_QUESTIONS:
                raise Invalid(_("一份试卷最多 {n} 道题。").format(n=MAX_QUESTIONS))
            paper = {"mode": mode, "question_ids": ids, "rules": []}
        else:
            parsed = _parse_rules(session, rules)
            if sum(r["count"] for r in parsed) > MAX_QUESTIONS:
                raise Invalid(_("一份试卷最多 {n} 道题。").format(n=MAX_QUESTIONS))
            paper = {"mode": mode, "question_ids": [], "rules": parsed}
    fields = {"title": title, "description": (description or "").strip()[:2000], "opens_at": opens_at,
              "closes_at": closes_at, "time_limit_minutes": time_limit_minutes, "pass_percent": pass_percent,
              "max_attempts": max_attempts, "all_branches": not branches, "branch_ids": branches, **paper}
    if exam is None:
        exam = Exam(created_by_user_id=user.id, **fields)
        session.add(exam)
        session.flush()
        action = "exams.created"
    else:
        for key, value in fields.items():
            setattr(exam, key, value)
        action = "exams.updated"
    session.flush()
    record(session, actor_user_id=user.id, action=action, target_type="exam", target_id=exam.id,
           details={"title": title, "mode": exam.mode, "questions": question_count(exam),
                    "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
                    "time_limit_minutes": time_limit_minutes, "pass_percent": pass_percent,
                    "max_attempts": max_attempts, "branch_ids": branches, "paper_kept": started})
    return exam


def set_published(session: Session, user: User, exam_id: int, published: bool) -> Exam:
    """Open a test to its members (in its window) or take it back."""
    exam = get_for_user(session, user, exam_id)
    exam.published = published
    record(session, actor_user_id=user.id, action="exams.published" if published else "exams.withdrawn",
           target_type="exam", target_id=exam.id, details={"title": exam.title})
    session.flush()
    return exam


def question_count(exam: Exam) -> int:
    return len(exam.question_ids or []) if exam.mode == "fixed" else sum(int(r["count"]) for r in exam.rules or [])


def pass_mark(exam: Exam, total: int) -> int:
    """How many right answers pass: ``pass_percent`` of the questions, rounded up."""
    return -(-total * exam.pass_percent // 100)


# ---------------------------------------------------------------- taking a test (members)

def is_for(exam: Exam, member: Member) -> bool:
    return exam.all_branches or member.branch_id in (exam.branch_ids or [])


def window_state(exam: Exam, at: dt.datetime) -> str:
    if at < _aware(exam.opens_at):
        return "upcoming"
    return "open" if at < _aware(exam.closes_at) else "closed"


def member_exams(session: Session, member: Member, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The published tests for the member, with their state and the member's attempts and best result."""
    at = at or now()
    close_expired(session, at, member_id=member.id)
    out = []
    for exam in session.scalars(select(Exam).where(Exam.published.is_(True)).order_by(Exam.opens_at.desc())):
        if not is_for(exam, member):
            continue
        attempts = list(session.scalars(select(ExamAttempt).where(ExamAttempt.exam_id == exam.id,
                                                                  ExamAttempt.member_id == member.id)
                                        .order_by(ExamAttempt.number)))
        current = next((a for a in attempts if a.closed_at is None), None)
        done = [a for a in attempts if a.closed_at is not None]
        out.append({"id": exam.id, "title": exam.title, "description": exam.description,
                    "state": window_state(exam, at), "opens_at": _aware(exam.opens_at).isoformat(),
                    "closes_at": _aware(exam.closes_at).isoformat(), "opens_local": _local(exam.opens_at),
                    "closes_local": _local(exam.closes_at), "time_limit_minutes": exam.time_limit_minutes,
                    "questions": question_count(exam), "pass_percent": exam.pass_percent,
                    "max_attempts": exam.max_attempts, "attempts_used": len(attempts),
                    "current_attempt": current.id if current else None,
                    "passed": any(a.passed for a in done),
                    "best": max((a.correct for a in done), default=None)})
    return out


def _draw(session: Session, exam: Exam, seed: str) -> list[int]:
    if exam.mode == "fixed":
        return list(exam.question_ids)
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))
    chosen: list[int] = []
    for rule in exam.rules:
        pool = [q for q in _pool(session, rule.get("category_id"), rule.get("difficulty")) if q not in chosen]
        if len(pool) < int(rule["count"]):
            raise Conflict(_("题库中符合条件的题目不够了，请联系管理员。"), code="pool")
        chosen += rng.sample(pool, int(rule["count"]))
    return chosen


def start(session: Session, member: Member, exam_id: int, at: dt.datetime | None = None) -> ExamAttempt:
    """The member's open attempt at the test (resumed), or a new one; refused outside the window, for a
    member the test is not for, and for a member out of attempts."""
    at = at or now()
    exam = session.get(Exam, exam_id)
    if exam is None or not exam.published or not is_for(exam, member):
        raise NotFound(_("测评不存在，或不面向您所在的支部。"))
    close_expired(session, at, member_id=member.id)
    current = session.scalar(select(ExamAttempt).where(ExamAttempt.exam_id == exam.id,
                                                       ExamAttempt.member_id == member.id,
                                                       ExamAttempt.closed_at.is_(None)))
    if current is not None:
        return current
    state = window_state(exam, at)
    if state == "upcoming":
        raise Conflict(_("测评还没有开始，请在 {t} 以后再来。").format(t=_local(exam.opens_at)), code="upcoming")
    if state == "closed":
        raise Conflict(_("测评已经结束，不能再答题。"), code="closed")
    used = int(session.scalar(select(func.count()).where(ExamAttempt.exam_id == exam.id,
                                                         ExamAttempt.member_id == member.id)) or 0)
    if used >= exam.max_attempts:
        raise Conflict(_("您已用完本次测评的 {n} 次答题机会，不能再答题。").format(n=exam.max_attempts),
                       code="no_attempts")
    ids = _draw(session, exam, f"exam:{exam.id}:{member.id}:{used + 1}")
    deadline = min(at + dt.timedelta(minutes=exam.time_limit_minutes), _aware(exam.closes_at))
    attempt = ExamAttempt(exam_id=exam.id, member_id=member.id, number=used + 1, question_ids=ids, answers={},
                          started_at=at, deadline=deadline, total=len(ids))
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # the same start raced in from another tap or device: resume the winner's attempt
        winner = session.scalar(select(ExamAttempt).where(ExamAttempt.exam_id == exam.id,
                                                          ExamAttempt.member_id == member.id,
                                                          ExamAttempt.number == used + 1))
        if winner is None:
            raise
        return winner
    return attempt


def _local(at: dt.datetime) -> str:
    from screen_server.xlsx import LOCAL_TZ

    return _aware(at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def own_attempt(session: Session, member: Member, attempt_id: int, at: dt.datetime | None = None) -> ExamAttempt:
    """The member's own attempt (someone else's is not found), closed first if its time is up."""
    attempt = session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.member_id != member.id:
        raise NotFound(_("答卷不存在。"))
    if attempt.closed_at is None and (at or now()) >= _aware(attempt.deadline):
        close(session, attempt, by="timeout", at=_aware(attempt.deadline))
    return attempt


def answer(session: Session, member: Member, attempt_id: int, position: int, given: str, client_id: str = "",
           at: dt.datetime | None = None) -> ExamAttempt:
    """Store one answer as given (a changed answer replaces the earlier one; a resend with the same client
    id is a no-op). Nothing about right or wrong is returned before the attempt closes."""
    at = at or now()
    attempt = own_attempt(session, member, attempt_id, at)
    if attempt.closed_at is not None:
        reason = _("答题时间已到，答卷已自动交卷。") if attempt.closed_by == "timeout" else _("答卷已经交卷。")
        raise Conflict(reason, code="closed")
    if not 1 <= position <= len(attempt.question_ids):
        raise Invalid(_("这道题不在本次答卷中。"))
    given = "".join(sorted(set((given or "").strip().upper()))) if _kind(session, attempt, position) == \
        QuestionKind.MULTIPLE else (given or "").strip()
    if not given:
        raise Invalid(_("请选择答案。"))
    answers = dict(attempt.answers or {})
    previous = answers.get(str(position))
    client_id = (client_id or "")[:64]
    if previous and client_id and previous.get("client_id") == client_id:
        return attempt
    answers[str(position)] = {"answer": given[:200], "client_id": client_id}
    attempt.answers = answers
    session.flush()
    return attempt


def _kind(session: Session, attempt: ExamAttempt, position: int) -> QuestionKind | None:
    return session.scalar(select(Question.kind).where(Question.id == attempt.question_ids[position - 1]))


def submit(session: Session, member: Member, attempt_id: int, at: dt.datetime | None = None) -> ExamAttempt:
    """Hand the attempt in (a second submit, or one after the time ran out, returns it as it was closed)."""
    attempt = own_attempt(session, member, attempt_id, at)
    if attempt.closed_at is None:
        close(session, attempt, by="member", at=at or now())
    return attempt


def close(session: Session, attempt: ExamAttempt, *, by: str, at: dt.datetime) -> None:
    """Score the attempt on what was answered, close it, and award the pass points once per test."""
    questions = {q.id: q for q in session.scalars(select(Question).options(selectinload(Question.options))
                                                   .where(Question.id.in_(attempt.question_ids)))}
    correct = 0
    for pos, qid in enumerate(attempt.question_ids, 1):
        given = (attempt.answers or {}).get(str(pos))
        if given and qid in questions and is_correct(questions[qid], given["answer"]):
            correct += 1
    exam = session.get(Exam, attempt.exam_id)
    assert exam is not None
    attempt.correct, attempt.total = correct, len(attempt.question_ids)
    attempt.passed = attempt.total > 0 and correct >= pass_mark(exam, attempt.total)
    attempt.closed_at, attempt.closed_by = at, by
    if attempt.passed:
        points.award(session, attempt.member_id, points.EXAM_PASS, ref=f"exam:{exam.id}", day=points.local_day(at),
                     reason=_("通过测评“{t}”").format(t=exam.title[:60]))
    session.flush()


def close_expired(session: Session, at: dt.datetime | None = None, *, member_id: int | None = None) -> int:
    """Close every open attempt whose time is up (the job runs this under its lease); return how many."""
    at = at or now()
    query = select(ExamAttempt).where(ExamAttempt.closed_at.is_(None), ExamAttempt.deadline <= at)
    if member_id is not None:
        query = query.where(ExamAttempt.member_id == member_id)
    closed = 0
    for attempt in session.scalars(query.with_for_update(skip_locked=True)).all():
        close(session, attempt, by="timeout", at=_aware(attempt.deadline))
        closed += 1
    return closed


def attempt_data(session: Session, attempt: ExamAttempt, at: dt.datetime | None = None) -> dict[str, Any]:
    """What the taker sees: the questions without their answers, the given answers and the seconds left;
    once closed, the score and (only then) each question's correct answer and explanation."""
    at = at or now()
    exam = session.get(Exam, attempt.exam_id)
    assert exam is not None
    by_id = {q.id: q for q in session.scalars(select(Question).options(selectinload(Question.options),
                                                                         selectinload(Question.category))
                                               .where(Question.id.in_(attempt.question_ids)))}
    closed = attempt.closed_at is not None
    questions = []
    for pos, qid in enumerate(attempt.question_ids, 1):
        q = by_id.get(qid)
        if q is None:
            continue
        options = ([{"label": "正确", "text": "正确"}, {"label": "错误", "text": "错误"}]
                   if q.kind == QuestionKind.TRUE_FALSE else [{"label": o.label, "text": o.text} for o in q.options])
        item: dict[str, Any] = {"position": pos, "stem": q.stem, "kind": str(q.kind), "options": options,
                                "given": ((attempt.answers or {}).get(str(pos)) or {}).get("answer")}
        if closed:
            item |= {"answer": q.answer, "explanation": q.explanation,
                     "correct": bool(item["given"]) and is_correct(q, item["given"])}
        questions.append(item)
    left = 0 if closed else max(0, int((_aware(attempt.deadline) - at).total_seconds()))
    return {"id": attempt.id, "exam_id": exam.id, "title": exam.title, "number": attempt.number,
            "max_attempts": exam.max_attempts, "closed": closed, "closed_by": attempt.closed_by,
            "seconds_left": left, "deadline": _aware(attempt.deadline).isoformat(),
            "deadline_local": _local(attempt.deadline)[11:], "questions": questions,
            "answered": len(attempt.answers or {}), "total": len(attempt.question_ids),
            "pass_mark": pass_mark(exam, len(attempt.question_ids)),
            "correct": attempt.correct if closed else None, "passed": attempt.passed if closed else None}


def require_manager(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以管理测评。"))
