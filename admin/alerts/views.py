"""健康预警: each branch's health indicators against their thresholds, the open alerts with the figures
behind them, and their history. The admin sets thresholds (a default and any branch's own); a branch
secretary sees their own branch. Threshold changes are audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from admin.web import form_number, guard, me
from screen_server.alerts import services as alerts
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Role

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("")
def list_alerts() -> Any:
    s, user = db(), me()
    branches = org.visible_branches(s, user)
    ids = [b.id for b in branches]
    names = {b.id: b.short_name or b.name for b in branches}
    return render_template(
        "admin/alerts/list.html", branches=branches, names=names,
        open_alerts=alerts.list_alerts(s, branch_ids=ids),
        history=[a for a in alerts.list_alerts(s, branch_ids=ids, open_only=False, limit=50) if a.cleared_at],
        defaults=alerts.thresholds_for(s, None), per_branch={b.id: alerts.thresholds_for(s, b.id) for b in branches},
        indicators=alerts.INDICATORS, describe=alerts.describe, indicator_name=alerts.indicator_name,
        can_edit=user.role is Role.ADMIN)


@bp.post("/check")
def check_now() -> Any:
    changes = run(alerts.evaluate, db())
    flash(_("已重新检查：新增预警 {r} 条，解除 {c} 条。").format(r=len(changes.raised), c=len(changes.cleared)), "ok")
    return redirect(url_for(".list_alerts"))


@bp.post("/thresholds")
def set_threshold() -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    indicator = request.form.get("indicator", "")
    ind = alerts.INDICATORS.get(indicator)
    threshold = form_number("threshold", _("阈值"))
    if ind is not None and ind.unit == "percent":
        threshold = threshold / 100
    days = int(form_number("days", _("统计天数"))) if ind is not None and ind.unit != "days" else int(threshold)
    branch_id = request.form.get("branch_id", type=int) or None
    run(alerts.set_threshold, db(), indicator, branch_id=branch_id, threshold=threshold, days=days,
        enabled=request.form.get("enabled") == "on", actor_user_id=me().id)
    run(alerts.evaluate, db())
    flash(_("预警阈值已保存，并已按新阈值重新检查。"), "ok")
    return redirect(url_for(".list_alerts"))


@bp.post("/thresholds/reset")
def reset_threshold() -> Any:
    if me().role is not Role.ADMIN:
        abort(403)
    run(alerts.reset_threshold, db(), request.form.get("indicator", ""), request.form.get("branch_id", type=int) or 0,
        actor_user_id=me().id)
    run(alerts.evaluate, db())
    flash(_("该支部已恢复使用默认阈值。"), "ok")
    return redirect(url_for(".list_alerts"))
