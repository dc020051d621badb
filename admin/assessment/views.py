"""量化考核: the year's scores of branches and members on four weighted dimensions, the admin's weights
and targets, and the service hours and contributions secretaries record. A branch secretary sees and
records for their own branch. Every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin.web import form_number, guard, me
from screen_server.assessment import services as assessment
from screen_server.errors import Invalid, NotFound
from screen_server.http.common import db, require_recent_auth, run
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Member, Role

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
guard(bp, Role.ADMIN, Role.SECRETARY)


def _year() -> int:
    year = request.values.get("year", type=int) or assessment.this_year()
    return year if 2000 <= year <= 2100 else assessment.this_year()


@bp.get("")
def show() -> Any:
    s, user, year = db(), me(), _year()
    scope = org.branch_scope(user)
    members = assessment.member_scores(s, year)
    branches = assessment.branch_scores(s, year, members=members)
    if scope is not None:
        members = [m for m in members if m.branch_id == scope]
    elif request.args.get("branch_id", type=int):
        members = [m for m in members if m.branch_id == request.args.get("branch_id", type=int)]
    return render_template(
        "admin/assessment/show.html", year=year, config=assessment.get_config(s, year), branches=branches,
        members=members[:300], member_count=len(members), names=assessment.dimension_names(),
        dimensions=assessment.DIMENSIONS, target_names=assessment.TARGET_NAMES, kinds=assessment.KINDS,
        records=assessment.list_records(s, user, year, limit=30), visible=org.visible_branches(s, user),
        branch_id=request.args.get("branch_id", type=int), can_configure=user.role is Role.ADMIN,
        today=dt.date.today().isoformat())


@bp.get("/export.xlsx")
def export() -> Response:
    require_recent_auth()
    year = _year()
    data = run(assessment.export_xlsx, db(), me(), year, branch_id=request.args.get("branch_id", type=int))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=assessment-{year}.xlsx"})


@bp.post("/config")
def set_config() -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    year = _year()
    names = assessment.dimension_names()
    weights = {d: int(form_number(f"w_{d}", _("{n}权重").format(n=names[d]))) for d in assessment.DIMENSIONS}
    targets = {k: form_number(f"t_{k}", _(label)) for k, label in assessment.TARGET_NAMES.items()}
    run(assessment.set_config, db(), year, weights=weights, targets=targets, actor_user_id=me().id)
    flash(_("{y} 年度考核权重和目标已保存，得分已按新设置计算。").format(y=year), "ok")
    return redirect(url_for(".show", year=year))


@bp.post("/records")
def add_record() -> Any:
    number = (request.form.get("number") or "").strip()
    member = db().scalar(select(Member).where(Member.number == number))
    if member is None:
        raise NotFound(_("找不到党员编号“{n}”。").format(n=number))
    try:
        day = dt.date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        raise Invalid(_("请填写正确的日期。")) from None
    run(assessment.add_record, db(), me(), member_id=member.id, kind=request.form.get("kind", ""), day=day,
        amount=form_number("amount", _("数量")), note=request.form.get("note", ""))
    flash(_("已为 {name} 登记{kind}。").format(name=member.name, kind=_(assessment.KINDS[request.form["kind"]])), "ok")
    return redirect(url_for(".show", year=day.year))


@bp.post("/records/<int:record_id>/delete")
def delete_record(record_id: int) -> Any:
    run(assessment.delete_record, db(), me(), record_id)
    flash(_("记录已删除。"), "ok")
    return redirect(url_for(".show", year=_year()))
