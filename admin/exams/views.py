"""测评, for admins and branch secretaries: set a test up (fixed paper or drawn by rule), open it to the
members, follow the results per member and per branch, export them (.xlsx, after a recent sign-in).
Audited; a secretary's tests are for their own branch, and they see their own branch's results."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from admin.web import guard, me, parse_local
from content.categories import list_categories
from screen_server.errors import Invalid
from screen_server.exams import results
from screen_server.exams import services as exams
from screen_server.http.common import db, require_recent_auth, run
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Role

bp = Blueprint("exams", __name__, url_prefix="/exams")
guard(bp, Role.ADMIN, Role.SECRETARY)
RULE_ROWS = 4


def _form_page(exam: Any = None) -> str:
    return render_template("admin/exams/form.html", exam=exam, branches=org.visible_branches(db(), me()),
                           categories=list_categories(db()), rule_rows=RULE_ROWS,
                           count=exams.question_count(exam) if exam else 0)


def _whole(name: str, label: str) -> int:
    raw = (request.form.get(name) or "").strip()
    if not raw.isdigit():
        raise Invalid(_("“{label}”必须是整数。").format(label=label))
    return int(raw)


def _save(exam_id: int | None) -> Any:
    f = request.form
    rules = [{"category_id": f.get(f"rule_category_{i}", type=int), "difficulty": f.get(f"rule_difficulty_{i}", type=int),
              "count": f.get(f"rule_count_{i}", type=int) or 0} for i in range(RULE_ROWS)]
    exam = run(exams.save_exam, db(), me(), exam_id=exam_id, title=f.get("title", ""),
               description=f.get("description", ""), mode=f.get("mode", "fixed"),
               question_ids=[int(x) for x in re.findall(r"\d+", f.get("question_ids", ""))], rules=rules,
               opens_at=parse_local(f.get("opens_at"), _("开始时间")), closes_at=parse_local(f.get("closes_at"), _("结束时间")),
               time_limit_minutes=_whole("time_limit_minutes", _("答题时限")),
               pass_percent=_whole("pass_percent", _("及格线")), max_attempts=_whole("max_attempts", _("答题次数")),
               branch_ids=[int(b) for b in f.getlist("branch_ids") if b.isdigit()])
    flash(_("测评“{t}”已保存。").format(t=exam.title), "ok")
    return redirect(url_for(".show_results", exam_id=exam.id))


@bp.get("")
def list_exams() -> Any:
    return render_template("admin/exams/list.html", items=exams.visible_exams(db(), me()),
                           count=exams.question_count, now=dt.datetime.now(dt.UTC), state=exams.window_state)


@bp.get("/new")
def new_exam() -> Any:
    return _form_page()


@bp.post("")
def create_exam() -> Any:
    return _save(None)


@bp.get("/<int:exam_id>/edit")
def edit_exam(exam_id: int) -> Any:
    return _form_page(run(exams.get_for_user, db(), me(), exam_id))


@bp.post("/<int:exam_id>")
def update_exam(exam_id: int) -> Any:
    return _save(exam_id)


@bp.post("/<int:exam_id>/publish")
def publish_exam(exam_id: int) -> Any:
    published = request.form.get("published") == "1"
    exam = run(exams.set_published, db(), me(), exam_id, published)
    flash(_("测评“{t}”已发布，党员在开放时间内可以答题。").format(t=exam.title) if published
          else _("测评“{t}”已撤回。").format(t=exam.title), "ok")
    return redirect(url_for(".show_results", exam_id=exam_id))


@bp.get("/<int:exam_id>")
def show_results(exam_id: int) -> Any:
    table = run(results.exam_results, db(), me(), exam_id)
    status = request.args.get("status", "")
    members = [m for m in table["members"] if not status or m["status"] == status]
    return render_template("admin/exams/results.html", **table, shown=members, status=status,
                           statuses=results.STATUS, state=exams.window_state(table["exam"], dt.datetime.now(dt.UTC)))


@bp.get("/<int:exam_id>/results.xlsx")
def export_results(exam_id: int) -> Response:
    require_recent_auth()
    data = run(results.export_xlsx, db(), me(), exam_id)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=exam-{exam_id}-results.xlsx"})
