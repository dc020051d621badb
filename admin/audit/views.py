"""The audit log for admins: every entry, newest first, paged and searchable by user, action, object and
date range, and exportable (.xlsx, after re-authentication). Read-only: no route here or anywhere
deletes an entry (only the retention job does, past the retention setting)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template, request

from admin.labels import action_label, describe_details, target_label
from admin.web import LOCAL, PAGE_SIZE, guard, local_time, me
from screen_server.audit import services as audit
from screen_server.errors import Invalid
from screen_server.http.common import client_ip, db, require_recent_auth, run
from screen_server.i18n import _
from screen_server.org.models import Role

bp = Blueprint("audit", __name__, url_prefix="/audit")
guard(bp, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("{f}格式不正确，应为 年-月-日。").format(f=field)) from None


def _filters() -> tuple[audit.Filters, dict[str, str]]:
    """The search form's fields; dates are whole Beijing days, ``to`` included."""
    args = {k: request.args.get(k, "").strip() for k in ("user", "action", "target", "from", "to")}
    args["action"] = args["action"] or request.args.get("kind", "").strip()  # the old tab links
    first, last = _day(args["from"], _("开始日期")), _day(args["to"], _("结束日期"))
    since = dt.datetime.combine(first, dt.time(), LOCAL).astimezone(dt.UTC) if first else None
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL).astimezone(dt.UTC) if last else None
    return audit.Filters(user=args["user"], action=args["action"], target=args["target"], since=since,
                         until=until), args


@bp.get("")
def list_entries() -> Any:
    filters, args = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    items, total = audit.search(db(), filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template(
        "admin/audit/list.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        args=args,
        kind=args["action"],
        action_label=action_label,
        describe=describe_details,
        target_label=target_label,
    )


@bp.get("/export.xlsx")
def export_entries() -> Response:
    require_recent_auth()
    filters, _args = _filters()
    data = run(audit.export_xlsx, db(), filters, actor_user_id=me().id, actor_name=me().display_name,
               ip=client_ip(), describe=describe_details, local=local_time)
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": 'attachment; filename="audit.xlsx"',
                                                  "Cache-Control": "no-store"})
