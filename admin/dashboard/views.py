"""The landing page: the first day's setup checklist for admins until every step is done, health alerts, members and meetings for those who look after members, screens and
announcements for admins; content roles see what waits for them in the content admin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from admin.web import LOCAL, guard, me
from screen_server.alerts import services as alerts
from screen_server.announcements import services as announcements
from screen_server.db import utcnow
from screen_server.devices import services as devices
from screen_server.http.common import db, runtime
from screen_server.meetings import cadence, supervision
from screen_server.meetings import services as meetings
from screen_server.ops.backup import last_backup
from screen_server.ops.disk import disk_space
from screen_server.org import services as org
from screen_server.org.models import Role
from screen_server.service_window import corrections as record_corrections
from screen_server.service_window import services as service_window
from screen_server.setup.checklist import setup_checklist

bp = Blueprint("dashboard", __name__)
guard(bp)


@bp.get("/")
def show_dashboard() -> Any:
    return render_template("admin/dashboard/show.html", **_figures())


def _figures() -> dict[str, Any]:
    """Read-only figures for the cards, each from its own service (presentation, not a rule)."""
    s, user = db(), me()
    figures: dict[str, Any] = {"branches": org.visible_branches(s, user)}
    if user.role in (Role.ADMIN, Role.SECRETARY):
        figures["member_total"] = org.list_members(s, user, limit=1)[1]
        figures["meetings"] = meetings.list_meetings(s, user)[:5]
        figures["alerts"] = alerts.list_alerts(s, branch_ids=[b.id for b in figures["branches"]])
        figures["alert_names"] = {b.id: b.short_name or b.name for b in figures["branches"]}
        figures["indicator_name"] = alerts.indicator_name
        today = utcnow().astimezone(LOCAL).date()
        figures["rectifications"] = [(r, supervision.is_overdue(r, today)) for r in supervision.open_items(
            s, [b.id for b in figures["branches"]])]
        figures["service_counts"] = service_window.counts_for(s, user, today)
        figures["service_requests"] = service_window.list_for(s, user, open_only=True, limit=8)
        figures["service_window"] = service_window
        figures["corrections_waiting"] = record_corrections.pending_count(s, user)
        figures["today"] = today
        figures["due_meetings"] = [d for d in cadence.due_meetings(s, figures["branches"], now=utcnow())
                                   if d.status != "ok"]
    if user.role is Role.ADMIN:
        devs = [d for d in devices.list_devices(s) if d.status.value == "approved"]
        figures["devices_online"] = sum(devices.is_online(d, runtime().settings) for d in devs)
        figures["devices_total"] = len(devs)
        figures["announcements"] = announcements.active_for_room(s, None)[:5]
        steps = setup_checklist(s)
        figures["checklist"] = steps if not all(step.done for step in steps) else []
        figures["backup"] = last_backup(runtime().settings.data_dir)
        figures["disk"] = disk_space(runtime().settings.data_dir)
    return figures
