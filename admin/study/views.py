"""学习异常, for admins: the newest study spans (or completions) the server refused, with who reported
them, from where and why, so an inflated or broken client shows up. Read-only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from admin.web import guard
from screen_server.http.common import db
from screen_server.i18n import _
from screen_server.org.models import Role
from screen_server.study import integrity

bp = Blueprint("study", __name__, url_prefix="/study")
guard(bp, Role.ADMIN)
REASONS = {
    "overlap": _("时间重叠"), "too_fast": _("完成过快"), "out_of_window": _("时间超出范围"),
    "not_logged_in": _("未在终端登录"), "invalid": _("格式错误"),
}


@bp.get("/refusals")
def list_refusals() -> Any:
    rows = integrity.refusals_with_names(db())
    return render_template("admin/study/refusals.html", rows=rows, reasons=REASONS, limit=integrity.LIST_LIMIT)
