"""The admin's shell: one ``admin`` blueprint under /admin that owns the templates, the static files and
the shared page context, with each area's blueprint nested inside it (endpoints ``admin.<area>.<verb>``).

The nesting happens once, at import; ``install`` only hands the shell to an app, so a second app (tests
build one per test) registers the same blueprints again without duplicates.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, redirect, url_for

from admin.account.views import bp as account_bp
from admin.alerts.views import bp as alerts_bp
from admin.announcements.views import bp as announcements_bp
from admin.assessment.views import bp as assessment_bp
from admin.audit.views import bp as audit_bp
from admin.auth.views import bp as auth_bp
from admin.content.views import bp as content_bp
from admin.contests.views import bp as contests_bp
from admin.dashboard.views import bp as dashboard_bp
from admin.devices.views import bp as devices_bp
from admin.exams.views import bp as exams_bp
from admin.meetings.views import bp as meetings_bp
from admin.members.views import bp as members_bp
from admin.messages.views import bp as messages_bp
from admin.org.views import bp as org_bp
from admin.plans.views import bp as plans_bp
from admin.points.views import bp as points_bp
from admin.polls.views import bp as polls_bp
from admin.questions.views import bp as questions_bp
from admin.screens.views import bp as screens_bp
from admin.services.views import bp as services_bp
from admin.setup.views import bp as setup_bp
from admin.stats.views import bp as stats_bp
from admin.study.views import bp as study_bp
from admin.users.views import bp as users_bp
from admin.web import html_error, local_time, mask_phone, role_label
from screen_server.errors import Invalid
from screen_server.i18n import _
from screen_server.org.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
for _area in (auth_bp, dashboard_bp, members_bp, devices_bp, announcements_bp, meetings_bp, audit_bp,
              points_bp, screens_bp, contests_bp, content_bp, questions_bp, polls_bp, messages_bp,
              alerts_bp, assessment_bp, stats_bp, setup_bp, account_bp, org_bp, users_bp, study_bp, services_bp,
              exams_bp, plans_bp):
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
    app.register_error_handler(413, _too_large)
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["mask_phone"] = mask_phone


def _too_large(exc: Any) -> Any:
    """An upload over the limit: the admin's own page, in Chinese, saying what the limit is."""
    from flask import current_app, request

    if not request.path.startswith("/admin"):
        return exc
    limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024
    message = _("上传的文件过大（上限 {n:g} MB），未保存任何内容。").format(n=round(limit_mb, 2))
    return html_error(Invalid(message, status=413))
