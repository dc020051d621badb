"""题库, for editors, reviewers and admins: the bank with its review state, the .xlsx import (every bad
row reported; all or nothing; imported questions wait for review), the export in the same template,
and the review of submitted questions (never one's own)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for

from admin.web import guard, me
from content import question_xlsx as qx
from content.categories import list_categories
from content.questions import get_question
from screen_server.errors import Invalid
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.library import reads
from screen_server.library import services as library
from screen_server.library.services import WRITERS, require
from screen_server.org.models import Role

bp = Blueprint("questions", __name__, url_prefix="/questions")
guard(bp, Role.ADMIN, Role.EDITOR, Role.REVIEWER)
STATUS = {"draft": "草稿", "submitted": "待审核", "approved": "待发布", "published": "已发布", "returned": "已退回",
          "withdrawn": "已撤回", "archived": "已归档"}


def _page(report: qx.SheetReport | None = None, status: int = 200) -> Any:
    state = request.args.get("status")
    bank = reads.question_bank(db(), status=state)
    return render_template("admin/questions/list.html", questions=bank.questions, statuses=STATUS,
                           counts=bank.counts, report=report, kinds=qx.KIND_LABELS, current=state), status


@bp.get("")
def list_questions() -> Any:
    return _page()


@bp.post("/import")
def import_questions() -> Any:
    user = me()
    require(user, WRITERS)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(_("请选择题库文件（.xlsx）。"))
    if request.form.get("mode") != "import":
        return _page(library.check_questions(db(), user, upload.stream))
    try:
        report = run(library.import_questions, db(), user, upload.stream, filename=upload.filename or "")
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
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    approve = request.form.get("action") != "return"
    count = run(library.review_questions, db(), me(), ids, approve=approve, comment=request.form.get("comment", ""))
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


def _editor(question: Any, status: int = 200) -> Any:
    return render_template("admin/questions/edit.html", q=question, categories=list_categories(db()),
                           kinds=qx.KIND_LABELS, statuses=STATUS, form=request.form), status


@bp.get("/new")
def new_question() -> Any:
    return _editor(None)


@bp.post("/new")
def create_question() -> Any:
    user = me()
    require(user, WRITERS)
    question = run(library.create_question, db(), user, kind=request.form.get("kind", ""), fields=_form(),
                   submit=bool(request.form.get("submit")))
    flash(_("题目已保存。"), "ok")
    return redirect(url_for(".edit_question", question_id=question.id))


@bp.get("/<int:question_id>")
def edit_question(question_id: int) -> Any:
    return _editor(get_question(db(), question_id))


@bp.post("/<int:question_id>")
def update_question(question_id: int) -> Any:
    user = me()
    require(user, WRITERS)
    run(library.update_question, db(), user, question_id, fields=_form(), submit=bool(request.form.get("submit")))
    flash(_("题目已保存。") + (_("已提交审核。") if request.form.get("submit") else ""), "ok")
    return redirect(url_for(".edit_question", question_id=question_id))
