"""服务窗口, for admins and branch secretaries: the members' suggestions and requests (open first,
overdue marked), answered and closed here — a 志愿服务报名 with its hours, which then count in the
assessment; each category's owner and deadline (admins); and members' requests to correct their own
record, accepted (the record changes) or declined with a reason.

A secretary sees and answers their own branch's only (``screen_server.service_window`` holds the
rule). Every action is audited by the services.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org.models import Role
from screen_server.service_window import corrections
from screen_server.service_window import services as window
from screen_server.service_window.models import Category

bp = Blueprint("services", __name__, url_prefix="/services")
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("")
def list_requests() -> Any:
    show_all = request.args.get("all") == "1"
    today = window.today()
    return render_template(
        "admin/services/list.html", requests=window.list_for(db(), me(), open_only=not show_all), show_all=show_all,
        counts=window.counts_for(db(), me(), today), today=today, window=window, volunteer=Category.VOLUNTEER,
        settings=window.settings(db()), owners=window.admin_owners(db()),
        corrections=corrections.list_for(db(), me()), correction=corrections)


@bp.post("/<int:request_id>/answer")
def answer_request(request_id: int) -> Any:
    f = request.form
    hours = f.get("hours", type=float) if f.get("hours", "").strip() else None
    if f.get("hours", "").strip() and hours is None:
        flash(_("服务时长请填写数字，例如 2 或 1.5。"), "error")
        return redirect(url_for(".list_requests", _anchor=f"request-{request_id}"))
    req = run(window.answer, db(), me(), request_id, text=f.get("answer", ""), hours=hours)
    flash(_("已答复并办结。") if not req.hours else
          _("已办结，志愿服务 {h:g} 小时已计入该党员的考核。").format(h=req.hours), "ok")
    return redirect(url_for(".list_requests"))


@bp.post("/categories")
def set_category() -> Any:
    f = request.form
    run(window.set_category, db(), me(), f.get("category", ""), owner_user_id=f.get("owner_user_id", type=int) or None,
        deadline_days=f.get("deadline_days", type=int))
    flash(_("办理人和期限已保存，对此后提交的诉求生效。"), "ok")
    return redirect(url_for(".list_requests", _anchor="settings"))


@bp.post("/corrections/<int:correction_id>/accept")
def accept_correction(correction_id: int) -> Any:
    f = request.form
    run(corrections.accept, db(), me(), correction_id, value=f.get("value", ""), note=f.get("note", ""))
    flash(_("已更正该党员的信息。"), "ok")
    return redirect(url_for(".list_requests", _anchor="corrections"))


@bp.post("/corrections/<int:correction_id>/decline")
def decline_correction(correction_id: int) -> Any:
    run(corrections.decline, db(), me(), correction_id, reason=request.form.get("reason", ""))
    flash(_("已答复：不予更正。"), "ok")
    return redirect(url_for(".list_requests", _anchor="corrections"))
