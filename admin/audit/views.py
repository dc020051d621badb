"""The audit log for admins: the latest entries, newest first, optionally of one kind. Read-only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from admin.labels import action_label, describe_details, target_label
from admin.web import guard
from screen_server.audit import services as audit
from screen_server.http.common import db
from screen_server.org.models import Role

bp = Blueprint("audit", __name__, url_prefix="/audit")
guard(bp, Role.ADMIN)
LIMIT = 300


@bp.get("")
def list_entries() -> Any:
    kind = request.args.get("kind", "").strip()
    items = audit.recent(db(), limit=LIMIT, action_prefix=kind)
    return render_template(
        "admin/audit/list.html",
        items=items,
        kind=kind,
        limit=LIMIT,
        action_label=action_label,
        describe=describe_details,
        target_label=target_label,
    )
