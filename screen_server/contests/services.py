"""Setting up contests and reading their results: pick the questions, make the join code, list, export.

The running part (the clock, answers, scoring, what the wall shows) is ``engine.ContestEngine``.
Services flush; the caller commits.
"""

from __future__ import annotations

import io
import random
import secrets
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Question, ReviewStatus
from content.orm import get_or_not_found
from screen_server.audit.services import record
from screen_server.contests.models import (
    Contest,
    ContestAnswer,
    ContestPlayer,
    ContestQuestion,
    ContestStatus,
)
from screen_server.devices.models import Room
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.identity.lockouts import Lockouts
from screen_server.org.models import Role, User
from screen_server.org.services import branch_scope
from screen_server.xlsx import stamp_workbook

MAX_QUESTIONS = 50


def _code(session: Session) -> str:
    for _attempt in range(50):
        code = f"{secrets.randbelow(900000) + 100000}"
        if session.scalar(select(Contest.id).where(Contest.code == code, Contest.status != ContestStatus.FINISHED)) is None:
            return code
    raise Invalid(_("暂时无法生成竞赛码，请重试。"))


def create_contest(
    session: Session, *, title: str, room_id: int | None, questions: int = 10, seconds: int = 20,
    category_id: int | None = None, max_difficulty: int | None = None, team_mode: bool = False,
    question_ids: list[int] | None = None, actor_user_id: int | None = None, seed: int | None = None,
) -> Contest:
    """A contest in its lobby, with ``questions`` published questions drawn at random (or the ones given)."""
    title = (title or "").strip()
    if not title:
        raise Invalid(_("请填写竞赛名称。"))
    if not 1 <= questions <= MAX_QUESTIONS:
        raise Invalid(_("题目数量应在 1 到 {n} 之间。").format(n=MAX_QUESTIONS))
    if not 5 <= seconds <= 120:
        raise Invalid(_("每题作答时间应在 5 到 120 秒之间。"))
    if room_id is not None and session.get(Room, room_id) is None:
        raise Invalid(_("活动室不存在。"))
    pool = select(Question.id).where(Question.status == ReviewStatus.PUBLISHED)
    if question_ids:
        pool = pool.where(Question.id.in_(question_ids))
    if category_id:
        pool = pool.where(Question.category_id == category_id)
    if max_difficulty:
        pool = pool.where(Question.difficulty <= max_difficulty)
    ids = list(session.scalars(pool.order_by(Question.id)))
    if question_ids:
        ids = [i for i in question_ids if i in set(ids)]
    if len(ids) < questions and not question_ids:
        raise Invalid(_("符合条件的已发布题目只有 {n} 道，少于所需的 {m} 道。").format(n=len(ids), m=questions))
    chosen = ids if question_ids else random.Random(seed).sample(ids, questions)
    contest = Contest(title=title, room_id=room_id, code=_code(session), question_seconds=seconds,
                      team_mode=team_mode, created_by_user_id=actor_user_id,
                      questions=[ContestQuestion(position=i, question_id=q) for i, q in enumerate(chosen, 1)])
    session.add(contest)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="contest.created", target_type="contest",
           target_id=contest.id, details={"title": title, "questions": len(chosen), "room_id": room_id})
    return contest


def get_contest(session: Session, contest_id: int) -> Contest:
    return get_or_not_found(session, Contest, contest_id, _("竞赛不存在。"))


def by_code(session: Session, code: str) -> Contest:
    contest = session.scalar(select(Contest).where(Contest.code == (code or "").strip())
                             .order_by(Contest.id.desc()).limit(1))
    if contest is None:
        raise NotFound(_("竞赛码不正确，请核对大屏上的六位数字。"))
    return contest


def by_typed_code(session: Session, code: str, *, lockouts: Lockouts, ip: str, joining: bool = False) -> Contest:
    """A contest code typed or scanned on a phone: wrong codes count per address in the lockout store
    (five, then fifteen minutes refused), and every wrong one is audited; a join (``joining``) too.

    Raises:
        NotFound: no contest has this code. LockedOut: too many wrong codes from this address.
    """
    code = (code or "").strip()
    audit: dict[str, Any] = {"action": "contest.code", "actor_user_id": None, "actor_name": "", "ip": ip,
                             "target_type": "contest", "details": {"code": code[:12]}}
    attempt = lockouts.begin("code", "", ip, audit=audit, reserve=False)  # a room's phones share an address
    try:
        contest = by_code(session, code)
    except NotFound:
        lockouts.failed(attempt, audit=audit)
        raise
    lockouts.succeeded(attempt, audit=audit | {"target_id": contest.id} if joining else None)
    return contest


def _scoped(stmt: Any, actor: User | None) -> Any:
    scope = branch_scope(actor) if actor is not None else None
    if scope is None:
        return stmt
    creators = select(User.id).where(User.branch_id == scope)
    return stmt.where(Contest.created_by_user_id.in_(creators))


def get_contest_for(session: Session, actor: User, contest_id: int) -> Contest:
    """A contest ``actor`` may host: any for an admin; for a secretary, one made by their branch's users
    (another branch's contest is NotFound to them)."""
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise NotFound(_("竞赛不存在或不在您的管理范围内。"))
    contest = session.scalar(_scoped(select(Contest).where(Contest.id == contest_id), actor))
    if contest is None:
        raise NotFound(_("竞赛不存在或不在您的管理范围内。"))
    return contest


def list_contests(session: Session, actor: User | None = None, limit: int = 50) -> list[Contest]:
    """The newest contests (those ``actor`` may host, when given)."""
    return list(session.scalars(_scoped(select(Contest), actor).order_by(Contest.id.desc()).limit(limit)))


def results(session: Session, contest_id: int) -> list[dict[str, Any]]:
    """Every player by final score (ties share a rank), with right answers and total answering time."""
    rows = session.execute(
        select(ContestPlayer, func.count(ContestAnswer.id), func.coalesce(func.sum(ContestAnswer.elapsed_ms), 0))
        .outerjoin(ContestAnswer, ContestAnswer.player_id == ContestPlayer.id)
        .where(ContestPlayer.contest_id == contest_id).group_by(ContestPlayer.id)
        .order_by(ContestPlayer.score.desc(), ContestPlayer.correct.desc(), ContestPlayer.id)).all()
    out: list[dict[str, Any]] = []
    for i, (p, answered, elapsed) in enumerate(rows):
        rank = out[-1]["rank"] if out and out[-1]["score"] == p.score else i + 1
        out.append({"rank": rank, "player_id": p.id, "member_id": p.member_id, "name": p.name, "branch": p.branch,
                    "score": p.score, "correct": p.correct, "answered": int(answered),
                    "seconds": round(int(elapsed) / 1000, 1)})
    return out


def export_xlsx(session: Session, contest_id: int, *, actor: User | None = None, ip: str = "") -> bytes:
    """The results as a sheet. With ``actor`` (every admin download) it says on the sheet who made it and
    when, and the export is audited."""
    contest = get_contest(session, contest_id) if actor is None else get_contest_for(session, actor, contest_id)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "竞赛成绩"
    ws.append([f"{contest.title}（共 {len(contest.questions)} 题）"])
    ws["A1"].font = Font(bold=True, size=14)
    headers = ["名次", "姓名", "支部", "得分", "答对题数", "作答题数", "用时（秒）"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="A8101A")
        cell.alignment = Alignment(horizontal="center")
    for r in results(session, contest_id):
        ws.append([r["rank"], r["name"], r["branch"], r["score"], r["correct"], r["answered"], r["seconds"]])
    for col, width in zip("ABCDEFG", (8, 14, 18, 10, 12, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    if actor is not None:
        stamp_workbook(wb, actor)
        record(session, actor_user_id=actor.id, action="contest.export", target_type="contest",
               target_id=contest.id, ip=ip)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
