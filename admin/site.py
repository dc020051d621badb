"""The admin's shell: one ``admin`` blueprint under /admin that owns the templates, the static files and
the shared page context, with each area's blueprint nested inside it (endpoints ``admin.<area>.<verb>``).

The nesting happens once, at import; ``install`` only hands the shell to an app, so a second app (tests
build one per test) registers the same blueprints again without duplicates.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, redirect, url_for

from admin.announcements.views import bp as announcements_bp
from admin.audit.views import bp as audit_bp
from admin.auth.views import bp as auth_bp
from admin.dashboard.views import bp as dashboard_bp
from admin.devices.views import bp as devices_bp
from admin.meetings.views import bp as meetings_bp
from admin.members.views import bp as members_bp
from admin.web import html_error, local_time, mask_phone, role_label
from screen_server.org.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
for _area in (auth_bp, dashboard_bp, members_bp, devices_bp, announcements_bp, meetings_bp, audit_bp):
    bp.register_blueprint(_area)


@bp.context_processor
def _page_context() -> dict[str, Any]:
    user = g.get("user")
    return {"user": user, "role_label": role_label(user.role) if user else "", "Role": Role}


def install(app: Flask) -> None:
    """Register the admin's pages, its filters and its HTML error pages on the server's app.

    CSRF protection and the i18n Jinja extension are set up by the server's ``create_app`` for every
    blueprint (the session-cookie JSON API needs them too); the admin relies on both.
    """
    app.register_blueprint(bp)
    app.add_url_rule("/", "root", lambda: redirect(url_for("admin.dashboard.show_dashboard")))
    app.extensions["activity_room.html_errors"] = html_error
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["mask_phone"] = mask_phone
