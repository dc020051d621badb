"""学习计划, for admins and secretaries: set the required items of a period for a branch (a secretary:
their own) or for all, see each branch's and member's completion, and export it. Every change is
audited by the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from admin.content.views import KINDS
from admin.web import guard, me
from screen_server.errors import Invalid
from screen_server.http.common import db, require_recent_auth, run
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Role
from screen_server.study import plans

bp = Blueprint("plans", __name__, url_prefix="/plans")
guard(bp, Role.ADMIN, Role.SECRETARY)


def _day(name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise Invalid(_("请填写正确的{what}。").format(what=label)) from None


def _form() -> dict[str, Any]:
    raw_branch = request.form.get("branch_id", "")
    if raw_branch and not raw_branch.isdigit():
        raise Invalid(_("请选择支部。"))
    ids = [int(v) for v in request.form.getlist("item_id") if v.isdigit()]
    return {"title": request.form.get("title", ""), "branch_id": int(raw_branch) if raw_branch else None,
            "starts_on": _day("starts_on", _("开始日期")), "due_on": _day("due_on", _("截止日期")), "item_ids": ids}


def _editor(**extra: Any) -> dict[str, Any]:
    s, user = db(), me()
    return {"branches": org.visible_branches(s, user), "items": plans.choosable_items(s),
            "may_set_all": user.role is Role.ADMIN, "kinds": KINDS, "today": plans.today_local(), **extra}


@bp.get("")
def list_plans() -> Any:
    s, user = db(), me()
    found = plans.visible_plans(s, user)
    scope = org.branch_scope(user)
    rows = [(p, plans.scope_name(s, p), plans.rates(s, p, branch_id=scope)) for p in found]
    return render_template("admin/plans/list.html", rows=rows, **_editor())


@bp.post("")
def create_plan() -> Any:
    plan = run(plans.save_plan, db(), me(), **_form())
    flash(_("学习计划“{t}”已创建。").format(t=plan.title), "ok")
    return redirect(url_for(".show_plan", plan_id=plan.id))


@bp.get("/<int:plan_id>")
def show_plan(plan_id: int) -> Any:
    s, user = db(), me()
    plan = plans.get_plan(s, user, plan_id)
    scope = org.branch_scope(user)
    editable = scope is None or plan.branch_id == scope
    return render_template("admin/plans/show.html", plan=plan, scope=plans.scope_name(s, plan),
                           data=plans.rates(s, plan, branch_id=scope), editable=editable,
                           chosen=plans.plan_item_ids(s, plan.id), **_editor())


@bp.post("/<int:plan_id>")
def edit_plan(plan_id: int) -> Any:
    plan = run(plans.save_plan, db(), me(), plan_id=plan_id, **_form())
    flash(_("学习计划“{t}”已保存。").format(t=plan.title), "ok")
    return redirect(url_for(".show_plan", plan_id=plan_id))


@bp.post("/<int:plan_id>/delete")
def delete_plan(plan_id: int) -> Any:
    run(plans.delete_plan, db(), me(), plan_id)
    flash(_("学习计划已删除。"), "ok")
    return redirect(url_for(".list_plans"))


@bp.get("/<int:plan_id>/export.xlsx")
def export(plan_id: int) -> Response:
    require_recent_auth()
    data = run(plans.export_xlsx, db(), me(), plan_id)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=study-plan-{plan_id}.xlsx"})
