"""Member statistics page and its .xlsx export: parse the filters, ask ``org.statistics`` for the tallies,
draw each as horizontal bars with the stats page's chart geometry (``admin.stats.charts``)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from admin.members.views import bp
from admin.stats import charts
from admin.web import me
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org import statistics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "").strip()[:40] for k in statistics.DIMENSIONS if request.args.get(k)}


@bp.get("/stats")
def member_stats() -> Any:
    stats = statistics.member_stats(db(), me(), _filters())
    drawn = []
    for t in stats.tallies:
        rows = [{"name": r["label"], "value": r["count"], "text": _("{n} 人 · {p:.1f}%").format(n=r["count"], p=r["share"] * 100)}
                for r in t.rows]
        drawn.append({"tally": t, "chart": charts.branch_bars(rows, width=560, text_w=124) if rows else None})
    return render_template("admin/members/stats.html", stats=stats, drawn=drawn, dimensions=statistics.DIMENSIONS,
                           args=request.args)


@bp.get("/stats/export.xlsx")
def export_member_stats() -> Response:
    stats = statistics.member_stats(db(), me(), _filters())
    data = run(statistics.export_xlsx, db(), me(), stats)
    name = f"member-stats-{stats.on.isoformat()}.xlsx"
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                  "Cache-Control": "no-store"})
