"""Daily practice, challenge levels and the streak mode; answers checked here, never on the client.

Daily practice (每日答题): ``DAILY_QUESTIONS`` questions a day per member, the same set if they come
back that day. Drawn fairly: no question again until the member has seen the whole published bank,
and categories they got wrong are drawn more often. Finishing earns the 每日答题 points once a day.

Challenge (答题闯关): level n draws ``LEVEL_QUESTIONS`` questions of difficulty ≤ n; ``PASS_MARK`` of
them right passes it and unlocks level n+1. Streak (挑战连对): one question after another until the
first wrong answer; the best run is kept. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session, selectinload

from content.models import Question, QuestionKind, ReviewStatus
from content.questions import is_correct
from screen_server.errors import Conflict, Invalid, NotFound
from screen_server.i18n import _
from screen_server.points import services as points
from screen_server.practice.models import PracticeSet

DAILY_QUESTIONS = 5
LEVEL_QUESTIONS = 10
PASS_MARK = 8
LEVELS = 5
STREAK_BATCH = 50


def _today() -> dt.date:
    return points.local_day(dt.datetime.now(dt.UTC))


def _published(session: Session, max_difficulty: int | None = None) -> list[Question]:
    """The questions practice draws from: published, and answerable by a tap (a terminal has no Chinese
    input method, so fill-in-the-blank questions are left to live contests on phones)."""
    query = (select(Question).where(Question.status == ReviewStatus.PUBLISHED, Question.kind != QuestionKind.FILL_BLANK)
             .order_by(Question.id))
    if max_difficulty:
        query = query.where(Question.difficulty <= max_difficulty)
    return list(session.scalars(query.options(selectinload(Question.options), selectinload(Question.category))))


def _seen_and_missed(session: Session, member_id: int) -> tuple[set[int], Counter[int]]:
    seen: set[int] = set()
    missed: Counter[int] = Counter()
    sets = session.scalars(select(PracticeSet).where(PracticeSet.member_id == member_id)).all()
    wrong_ids: list[int] = []
    for s in sets:
        seen.update(s.question_ids)
        wrong_ids += [s.question_ids[int(p) - 1] for p, a in (s.answers or {}).items() if not a.get("correct")]
    if wrong_ids:
        for category_id in session.scalars(select(Question.category_id).where(Question.id.in_(wrong_ids))):
            if category_id:
                missed[category_id] += 1
    return seen, missed


def draw(pool: list[Question], count: int, seen: set[int], missed: Counter[int], seed: str) -> list[int]:
    """``count`` questions: unseen ones first (all of the bank before any repeat), weighted toward the
    categories the member got wrong; the same seed draws the same set."""
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))
    unseen = [q for q in pool if q.id not in seen]
    chosen: list[Question] = []
    for group in (unseen, [q for q in pool if q.id in seen]):
        candidates = list(group)
        while candidates and len(chosen) < count:
            weights = [1 + 2 * missed.get(q.category_id or -1, 0) for q in candidates]
            pick = rng.choices(range(len(candidates)), weights=weights)[0]
            chosen.append(candidates.pop(pick))
    return [q.id for q in chosen]


def question_data(q: Question, position: int) -> dict[str, Any]:
    options = ([{"label": "正确", "text": "正确"}, {"label": "错误", "text": "错误"}]
               if q.kind == QuestionKind.TRUE_FALSE else [{"label": o.label, "text": o.text} for o in q.options])
    return {"position": position, "id": q.id, "stem": q.stem, "kind": str(q.kind), "options": options,
            "category": q.category.name if q.category else "", "difficulty": q.difficulty}


def set_data(session: Session, practice: PracticeSet) -> dict[str, Any]:
    by_id = {q.id: q for q in session.scalars(select(Question).options(selectinload(Question.options),
                                                                         selectinload(Question.category))
                                               .where(Question.id.in_(practice.question_ids)))}
    questions = [question_data(by_id[qid], n) for n, qid in enumerate(practice.question_ids, 1) if qid in by_id]
    return {"id": practice.id, "kind": practice.kind, "level": practice.level, "day": practice.day.isoformat(),
            "questions": questions, "answered": practice.answers or {}, "correct": practice.correct,
            "finished": practice.finished, "passed": practice.passed,
            "next": next((q["position"] for q in questions if str(q["position"]) not in (practice.answers or {})), None)}


def daily(session: Session, member_id: int, *, day: dt.date | None = None) -> PracticeSet:
    """Today's set for the member (drawn once, then the same all day)."""
    day = day or _today()
    existing = session.scalar(select(PracticeSet).where(PracticeSet.member_id == member_id,
                                                        PracticeSet.kind == "daily", PracticeSet.day == day))
    if existing is not None:
        return existing
    pool = _published(session)
    if not pool:
        raise Invalid(_("题库里还没有已发布的题目。"))
    seen, missed = _seen_and_missed(session, member_id)
    if len(seen & {q.id for q in pool}) >= len(pool):
        seen = set()  # the whole bank has been seen: start again
    ids = draw(pool, DAILY_QUESTIONS, seen, missed, f"daily:{member_id}:{day.isoformat()}")
    practice = PracticeSet(member_id=member_id, kind="daily", day=day, question_ids=ids, answers={})
    session.add(practice)
    session.flush()
    return practice


def levels(session: Session, member_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(PracticeSet.level, func.max(PracticeSet.correct),
                                  func.max(cast(PracticeSet.passed, Integer)))  # no max(boolean) on PostgreSQL
                           .where(PracticeSet.member_id == member_id, PracticeSet.kind == "level")
                           .group_by(PracticeSet.level)).all()
    best = {lvl: (int(c or 0), bool(p)) for lvl, c, p in rows}
    out, unlocked = [], True
    for level in range(1, LEVELS + 1):
        score, passed = best.get(level, (0, False))
        out.append({"level": level, "unlocked": unlocked, "passed": passed, "best": score,
                    "questions": LEVEL_QUESTIONS, "pass_mark": PASS_MARK})
        unlocked = unlocked and passed
    return out


def start_level(session: Session, member_id: int, level: int) -> PracticeSet:
    table = levels(session, member_id)
    if not 1 <= level <= LEVELS:
        raise Invalid(_("关卡应在 1 到 {n} 之间。").format(n=LEVELS))
    if not table[level - 1]["unlocked"]:
        raise Conflict(_("请先通过第 {n} 关。").format(n=level - 1), code="locked")
    pool = _published(session, max_difficulty=level)
    if not pool:
        raise Invalid(_("这一关还没有题目。"))
    seen, missed = _seen_and_missed(session, member_id)
    started = dt.datetime.now(dt.UTC)
    ids = draw(pool, min(LEVEL_QUESTIONS, len(pool)), seen, missed, f"level:{member_id}:{level}:{started.isoformat()}")
    practice = PracticeSet(member_id=member_id, kind="level", day=_today(), level=level, question_ids=ids, answers={})
    session.add(practice)
    session.flush()
    return practice


def start_streak(session: Session, member_id: int) -> PracticeSet:
    pool = _published(session)
    if not pool:
        raise Invalid(_("题库里还没有已发布的题目。"))
    seen, missed = _seen_and_missed(session, member_id)
    ids = draw(pool, min(STREAK_BATCH, len(pool)), seen, missed,
               f"streak:{member_id}:{dt.datetime.now(dt.UTC).isoformat()}")
    practice = PracticeSet(member_id=member_id, kind="streak", day=_today(), question_ids=ids, answers={})
    session.add(practice)
    session.flush()
    return practice


def best_streak(session: Session, member_id: int, *, excluding: int | None = None) -> int:
    """The member's longest streak (``excluding`` one set: the best before the one being played)."""
    stmt = select(func.max(PracticeSet.correct)).where(PracticeSet.member_id == member_id, PracticeSet.kind == "streak")
    if excluding is not None:
        stmt = stmt.where(PracticeSet.id != excluding)
    return int(session.scalar(stmt) or 0)


def answer(session: Session, member_id: int, set_id: int, position: int, given: str) -> dict[str, Any]:
    """Check one answer; refused when the set is someone else's or finished, the question is not in it,
    or it was answered already."""
    practice = session.get(PracticeSet, set_id)
    if practice is None or practice.member_id != member_id:
        raise NotFound(_("练习不存在。"))
    if practice.finished:
        raise Conflict(_("本组练习已经结束。"), code="finished")
    if not 1 <= position <= len(practice.question_ids):
        raise Invalid(_("这道题不在本组练习中。"))
    answers = dict(practice.answers or {})
    if str(position) in answers:
        raise Conflict(_("这道题已经答过了。"), code="repeat")
    question = session.scalar(select(Question).options(selectinload(Question.options))
                              .where(Question.id == practice.question_ids[position - 1]))
    if question is None:
        raise NotFound(_("题目已不存在。"))
    if not (given or "").strip():
        raise Invalid(_("请选择答案。"))
    right = is_correct(question, given)
    answers[str(position)] = {"answer": given.strip()[:200], "correct": right}
    practice.answers = answers
    practice.correct += int(right)
    awarded = 0
    if practice.kind == "streak" and not right or len(answers) == len(practice.question_ids):
        practice.finished = True
    if practice.finished:
        practice.finished_at = dt.datetime.now(dt.UTC)
        practice.passed = practice.kind == "level" and practice.correct >= min(PASS_MARK, len(practice.question_ids))
        if practice.kind == "daily":
            entry = points.award(session, member_id, points.DAILY_PRACTICE, ref=f"practice:{practice.day.isoformat()}",
                                 day=practice.day, reason=_("完成 {d} 的每日答题").format(d=practice.day.isoformat()))
            awarded = entry.points if entry else 0
    session.flush()
    return {"correct": right, "answer": question.answer, "explanation": question.explanation,
            "finished": practice.finished, "score": practice.correct, "total": len(practice.question_ids),
            "passed": practice.passed, "points": awarded,
            "best_streak": best_streak(session, member_id) if practice.kind == "streak" else None}
