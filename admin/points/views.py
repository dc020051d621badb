"""积分规则: the admin edits how study, meetings and contests earn points (points, threshold, daily cap,
on/off). Changes apply to what is earned from then on; each is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me
from screen_server.errors import Invalid
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org.models import Role
from screen_server.points import services as points
from screen_server.points.models import RuleMode

bp = Blueprint("points", __name__, url_prefix="/points")
guard(bp, Role.ADMIN)


@bp.get("")
def list_rules() -> Any:
    rules = run(points.ensure_rules, db())
    return render_template("admin/points/rules.html", rules=rules, RuleMode=RuleMode)


def _int(name: str, label: str) -> int:
    raw = (request.form.get(name) or "").strip()
    try:
        return int(raw or 0)
    except ValueError:
        raise Invalid(_("“{label}”必须是整数。").format(label=label)) from None


@bp.post("/<key>")
def update_rule(key: str) -> Any:
    minutes = request.form.get("threshold_minutes")
    threshold = round(float(minutes) * 60) if minutes and minutes.replace(".", "", 1).isdigit() else _int(
        "threshold_seconds", _("学习时长门槛"))
    rule = run(points.update_rule, db(), key, points=_int("points", _("分值")), threshold_seconds=threshold,
               daily_cap=_int("daily_cap", _("每日上限")), enabled=request.form.get("enabled") == "on",
               actor_user_id=me().id)
    flash(_("积分规则“{name}”已保存，从现在起按新规则计分。").format(name=rule.name), "ok")
    return redirect(url_for(".list_rules"))
