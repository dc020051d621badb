"""The statistics page and its .xlsx export: parse the filters, ask ``stats.report`` for the figures,
draw them. A bad period or range is shown on the page itself, above the filters, so it can be fixed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template, request

from admin.stats import charts
from admin.web import guard, me
from screen_server.errors import Invalid
from screen_server.http.common import db, require_recent_auth, run
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Role
from screen_server.stats import report as reports

bp = Blueprint("stats", __name__)
guard(bp, Role.ADMIN, Role.SECRETARY)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/stats")
def show_stats() -> Any:
    page = {"branches": org.visible_branches(db(), me()), "periods": reports.PERIOD_LABELS, "args": request.args,
            "branch_id": org.branch_scope(me()) or request.args.get("branch_id", type=int)}
    try:
        report = reports.build(db(), me(), **_filters())
    except Invalid as exc:
        return render_template("admin/stats/show.html", report=None, error=exc.message, **page), exc.status
    page["branch_id"] = report.branch_id
    return render_template("admin/stats/show.html", report=report, error="", **page, **_charts(report))


@bp.get("/stats/export.xlsx")
def export_stats() -> Response:
    require_recent_auth()
    report = reports.build(db(), me(), **_filters())
    data = run(reports.export_xlsx, db(), me(), report)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{reports.filename(report)}"', "Cache-Control": "no-store"})


def _filters() -> dict[str, Any]:
    a = request.args
    return {"period": a.get("period") or "month", "first": _date(a.get("from")), "last": _date(a.get("to")),
            "branch_id": a.get("branch_id", type=int)}


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("日期“{v}”格式不正确，请按“年-月-日”填写，例如 2026-11-01。").format(v=value[:20])) from None


def _charts(report: reports.Report) -> dict[str, Any]:
    attendance = [{"name": r["name"], "value": r["rate"] or 0,
                   "text": f"{r['rate'] * 100:.1f}%" if r["rate"] is not None else _("无会议")}
                  for r in report.attendance]
    points = [{"name": r["name"], "value": r["average"], "text": _("{n:g} 分/人").format(n=r["average"])}
              for r in report.points_by_branch]
    return {"trend_chart": charts.trend_chart(report.trend),
            "attendance_chart": charts.branch_bars(attendance, peak=1.0),
            "points_chart": charts.branch_bars(points)}
