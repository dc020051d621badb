"""量化考核: the year's scores of branches and members on four weighted dimensions, the admin's weights
and targets, and the service hours and contributions secretaries record. A branch secretary sees and
records for their own branch. Every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any, BinaryIO, cast

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin.web import form_number, guard, me
from screen_server.assessment import honour
from screen_server.assessment import publication as publishing
from screen_server.assessment import services as assessment
from screen_server.errors import Invalid, NotFound
from screen_server.http.common import db, require_recent_auth, run, runtime
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
    pub = publishing.latest(db())
    return render_template(
        "admin/assessment/show.html", pub=pub, pub_open=bool(pub and publishing.is_open(pub)),
        objections=publishing.objections(s, user, pub.id) if pub else [], status_of=publishing.status_of,
        status_names=publishing.STATUS_NAMES, local=lambda t: t.astimezone(assessment.LOCAL_TZ).strftime("%Y-%m-%d %H:%M"), year=year, config=assessment.get_config(s, year), branches=branches,
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


# --- 公示与异议 ------------------------------------------------------------------------------------------


@bp.post("/publish")
def publish() -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    year = _year()
    pub = run(publishing.publish, db(), me(), year, days=int(form_number("days", _("公示天数"))))
    flash(_("{y} 年度考核结果已公示，公示期至 {e}。").format(
        y=year, e=pub.ends_at.astimezone(assessment.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")), "ok")
    return redirect(url_for(".show", year=year))


@bp.post("/publications/<int:publication_id>/end")
def end_publication(publication_id: int) -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    run(publishing.end_now, db(), me(), publication_id)
    flash(_("公示已结束，结果已确定。"), "ok")
    return redirect(url_for(".show"))


@bp.post("/objections/<int:objection_id>/answer")
def answer_objection(objection_id: int) -> Any:
    kind = request.form.get("kind", "")
    amount = form_number("amount", _("更正数量")) if kind else 0.0
    obj = run(publishing.answer_objection, db(), me(), objection_id, answer=request.form.get("answer", ""),
              correction_kind=kind, correction_amount=amount, correction_note=request.form.get("note", ""))
    if obj.total_after != obj.total_before:
        flash(_("已答复并更正，综合得分由 {a:g} 改为 {b:g}。").format(a=obj.total_before or 0, b=obj.total_after or 0), "ok")
    else:
        flash(_("已答复。"), "ok")
    return redirect(url_for(".show"))


# --- 光荣榜 ---------------------------------------------------------------------------------------------


@bp.get("/honour")
def honour_page() -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    today = honour.today_local()
    return render_template("admin/assessment/honour.html", entries=honour.all_entries(db()), today=today,
                           titles=honour.TITLES, settings=runtime().settings, photo_url=honour.photo_url,
                           default_end=(today + dt.timedelta(days=90)).isoformat())


def _date(field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.form.get(field, ""))
    except ValueError:
        raise Invalid(_("请填写正确的日期。")) from None


@bp.post("/honour")
def add_honour() -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    upload = request.files.get("photo")
    if upload is not None and not upload.filename:
        upload = None
    entry = run(honour.add, db(), runtime().settings, me(), title=request.form.get("title", ""),
                name=request.form.get("name", ""), citation=request.form.get("citation", ""),
                member_number=request.form.get("number", ""), starts_on=_date("starts_on"), ends_on=_date("ends_on"),
                photo=cast("BinaryIO | None", upload.stream if upload else None),
                filename=(upload.filename or "") if upload else "")
    flash(_("已将 {n} 列入光荣榜（{t}）。").format(n=entry.name, t=entry.title), "ok")
    return redirect(url_for(".honour_page"))


@bp.post("/honour/<int:entry_id>/delete")
def delete_honour(entry_id: int) -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    run(honour.remove, db(), me(), entry_id)
    flash(_("已从光荣榜移除。"), "ok")
    return redirect(url_for(".honour_page"))
