"""题库, for editors, reviewers and admins: the bank with its review state, the .xlsx import (every bad
row reported; all or nothing; imported questions wait for review), the export in the same template,
and the review of submitted questions (never one's own)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from admin.web import guard, me
from content import question_xlsx as qx
from content import services as cs
from content.models import Question, ReviewStatus
from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org.models import Role

bp = Blueprint("questions", __name__, url_prefix="/questions")
guard(bp, Role.ADMIN, Role.EDITOR, Role.REVIEWER)
STATUS = {"draft": "草稿", "submitted": "待审核", "approved": "待发布", "published": "已发布", "returned": "已退回",
          "withdrawn": "已撤回", "archived": "已归档"}


def _page(report: qx.SheetReport | None = None, status: int = 200) -> Any:
    state = request.args.get("status")
    query = select(Question).options(selectinload(Question.category)).order_by(Question.id.desc())
    if state in STATUS:
        query = query.where(Question.status == ReviewStatus(state))
    counts = dict(db().execute(select(Question.status, func.count(Question.id)).group_by(Question.status)).all())
    return render_template("admin/questions/list.html", questions=db().scalars(query.limit(300)).all(),
                           statuses=STATUS, counts={str(k): v for k, v in counts.items()}, report=report,
                           kinds=qx.KIND_LABELS, current=state), status


@bp.get("")
def list_questions() -> Any:
    return _page()


@bp.post("/import")
def import_questions() -> Any:
    user = me()
    if user.role not in (Role.ADMIN, Role.EDITOR):
        raise Forbidden(_("您没有进行此操作的权限。"))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(_("请选择题库文件（.xlsx）。"))
    data = upload.stream
    if request.form.get("mode") != "import":
        return _page(qx.check_sheet(db(), data))
    try:
        def apply() -> qx.SheetReport:
            report = qx.import_sheet(db(), data, actor_user_id=user.id, source_name=upload.filename or "")
            record(db(), actor_user_id=user.id, action="questions.imported", target_type="question",
                   details={"file": upload.filename, "count": len(report.questions)})
            return report

        report = run(apply)
    except qx.SheetRejected as refused:
        return _page(refused.report, 400)
    flash(_("已导入 {n} 道题，均为“待审核”，审核通过后进入题库。").format(n=len(report.questions)), "ok")
    return redirect(url_for(".list_questions"))


@bp.get("/export.xlsx")
def export_questions() -> Response:
    resp = make_response(qx.export_sheet(db()))
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = "attachment; filename=questions.xlsx"
    return resp


@bp.post("/review")
def review() -> Any:
    """Approve (or return) the checked submitted questions."""
    user = me()
    if user.role not in (Role.ADMIN, Role.REVIEWER):
        raise Forbidden(_("您没有进行此操作的权限。"))
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    approve = request.form.get("action") != "return"
    comment = request.form.get("comment", "")

    def apply() -> int:
        done = 0
        for question in db().scalars(select(Question).where(Question.id.in_(ids),
                                                             Question.status == ReviewStatus.SUBMITTED)):
            if approve:
                cs.approve(db(), question, reviewer_user_id=user.id, comment=comment)
            else:
                cs.return_to_author(db(), question, reviewer_user_id=user.id, comment=comment)
            done += 1
        record(db(), actor_user_id=user.id, action="questions.approved" if approve else "questions.returned",
               target_type="question", details={"ids": ids})
        return done

    count = run(apply)
    flash((_("已通过 {n} 道题。") if approve else _("已退回 {n} 道题。")).format(n=count), "ok")
    return redirect(url_for(".list_questions", status="submitted"))


def _form() -> dict[str, Any]:
    f = request.form
    try:
        difficulty = int(f.get("difficulty") or 2)
        category_id = int(f["category_id"]) if f.get("category_id") else None
    except ValueError:
        raise Invalid(_("难度和分类必须从列表中选择。")) from None
    options = {c: f.get(f"option_{c}", "").strip() for c in "ABCDEF" if f.get(f"option_{c}", "").strip()}
    return {"stem": f.get("stem", ""), "answer": f.get("answer", ""), "options": options,
            "explanation": f.get("explanation", ""), "category_id": category_id, "difficulty": difficulty}


def _editor(question: Question | None, status: int = 200) -> Any:
    from content.categories import list_categories

    return render_template("admin/questions/edit.html", q=question, categories=list_categories(db()),
                           kinds=qx.KIND_LABELS, statuses=STATUS, form=request.form), status


@bp.get("/new")
def new_question() -> Any:
    return _editor(None)


@bp.post("/new")
def create_question() -> Any:
    from content.models import QuestionKind
    from content.questions import create_question as create

    user = me()
    if user.role not in (Role.ADMIN, Role.EDITOR):
        raise Forbidden(_("您没有进行此操作的权限。"))
    try:
        kind = QuestionKind(request.form.get("kind", ""))
    except ValueError:
        raise Invalid(_("请选择题型。")) from None

    def apply() -> Question:
        question = create(db(), kind=kind, author_user_id=user.id, **_form())
        if request.form.get("submit"):
            cs.submit(db(), question, actor_user_id=user.id)
        record(db(), actor_user_id=user.id, action="question.created", target_type="question", target_id=question.id)
        return question

    question = run(apply)
    flash(_("题目已保存。"), "ok")
    return redirect(url_for(".edit_question", question_id=question.id))


@bp.get("/<int:question_id>")
def edit_question(question_id: int) -> Any:
    from content.questions import get_question

    return _editor(get_question(db(), question_id))


@bp.post("/<int:question_id>")
def update_question(question_id: int) -> Any:
    from content.questions import get_question
    from content.questions import update_question as update

    user = me()
    if user.role not in (Role.ADMIN, Role.EDITOR):
        raise Forbidden(_("您没有进行此操作的权限。"))
    question = get_question(db(), question_id)

    def apply() -> None:
        update(db(), question, **_form())
        if request.form.get("submit"):
            cs.submit(db(), question, actor_user_id=user.id)
        record(db(), actor_user_id=user.id, action="question.updated", target_type="question", target_id=question.id)

    run(apply)
    flash(_("题目已保存。") + (_("已提交审核。") if request.form.get("submit") else ""), "ok")
    return redirect(url_for(".edit_question", question_id=question_id))
