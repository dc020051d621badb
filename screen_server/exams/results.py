"""A formal test's results: per member (best attempt; passed, failed, in progress or not taken) and per
branch (expected, taken, passed), for the admin's page and the .xlsx export. A secretary sees their own
branch's members only. Reading closes any attempt whose time is up first, so the table is never stale."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.exams import services as exams
from screen_server.exams.models import ExamAttempt
from screen_server.i18n import _
from screen_server.org.models import Branch, Member, User
from screen_server.org.services import branch_scope

STATUS = {"passed": "通过", "failed": "未通过", "taking": "答题中", "absent": "未参加"}


def exam_results(session: Session, user: User, exam_id: int, at: dt.datetime | None = None) -> dict[str, Any]:
    exam = exams.get_for_user(session, user, exam_id)
    exams.close_expired(session, at)
    scope = branch_scope(user)
    query = select(Member, Branch.name).join(Branch, Branch.id == Member.branch_id).where(Member.active.is_(True))
    if not exam.all_branches:
        query = query.where(Member.branch_id.in_(exam.branch_ids or []))
    if scope is not None:
        query = query.where(Member.branch_id == scope)
    people = session.execute(query.order_by(Branch.name, Member.number)).all()
    attempts: dict[int, list[ExamAttempt]] = {}
    for a in session.scalars(select(ExamAttempt).where(ExamAttempt.exam_id == exam.id).order_by(ExamAttempt.number)):
        attempts.setdefault(a.member_id, []).append(a)
    members: list[dict[str, Any]] = []
    branches: dict[str, dict[str, Any]] = {}
    for member, branch in people:
        mine = attempts.get(member.id, [])
        done = [a for a in mine if a.closed_at is not None]
        best = max(done, key=lambda a: (a.passed, a.correct), default=None)
        status = ("passed" if best and best.passed else "failed" if best else "taking" if mine else "absent")
        members.append({"member_id": member.id, "number": member.number, "name": member.name, "branch": branch,
                        "attempts": len(mine), "correct": best.correct if best else None,
                        "total": best.total if best else None, "status": status, "status_label": STATUS[status]})
        row = branches.setdefault(branch, {"branch": branch, "expected": 0, "taken": 0, "passed": 0})
        row["expected"] += 1
        row["taken"] += int(bool(mine))
        row["passed"] += int(status == "passed")
    for row in branches.values():
        row["pass_rate"] = row["passed"] / row["expected"] if row["expected"] else 0.0
    return {"exam": exam, "members": members, "branches": list(branches.values()),
            "questions": exams.question_count(exam)}


def export_xlsx(session: Session, user: User, exam_id: int) -> bytes:
    """The results as an .xlsx (branches, then members), recorded in the audit log. The caller commits."""
    from openpyxl import Workbook

    from screen_server.xlsx import stamp_workbook, write_sheet

    table = exam_results(session, user, exam_id)
    exam = table["exam"]
    title = _("测评结果：{t}（共 {n} 题，及格线 {p}%）").format(t=exam.title, n=table["questions"], p=exam.pass_percent)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "支部汇总"
    write_sheet(ws, title, ["支部", "应考人数", "参加人数", "通过人数", "通过率"], [24, 10, 10, 10, 10],
                [[b["branch"], b["expected"], b["taken"], b["passed"], b["pass_rate"]] for b in table["branches"]],
                percent_col=5)
    write_sheet(wb.create_sheet("党员成绩"), title, ["党员编号", "姓名", "支部", "答题次数", "最好成绩（答对题数）", "题数", "结果"],
                [12, 12, 24, 10, 18, 8, 10],
                [[m["number"], m["name"], m["branch"], m["attempts"], m["correct"], m["total"], m["status_label"]]
                 for m in table["members"]])
    stamp_workbook(wb, user)
    record(session, actor_user_id=user.id, action="exams.exported", target_type="exam", target_id=exam.id,
           details={"members": len(table["members"])})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
