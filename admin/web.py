"""What every admin page shares: who may enter an area, the signed-in user, Beijing time in and out,
masked phone numbers, and how a domain error becomes a page or a flash message instead of JSON.

Nothing here queries or changes data; services do that.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from screen_server.errors import DomainError, Invalid
from screen_server.http.common import current_session, current_user
from screen_server.i18n import _
from screen_server.org.models import Role, User

LOCAL = ZoneInfo("Asia/Shanghai")  # the room's clock: every time shown or typed in the admin is Beijing time
PAGE_SIZE = 50


def role_label(role: Role) -> str:
    labels = {
        Role.ADMIN: _("系统管理员"),
        Role.SECRETARY: _("支部书记"),
        Role.EDITOR: _("内容编辑"),
        Role.REVIEWER: _("内容审核"),
    }
    return labels.get(role, "")


def guard(bp: Blueprint, *roles: Role) -> None:
    """Let every view of ``bp`` run only for a signed-in user, of one of ``roles`` when given.

    One guard per area means a view added later cannot forget its check.
    """

    @bp.before_request
    def _signed_in() -> Any:
        user = current_user(required=False)
        if user is None:
            waiting = current_session()  # signed in with the password, the TOTP code still to come
            step = "admin.auth.second_factor" if waiting is not None and not waiting.verified else "admin.auth.login"
            return redirect(url_for(step, next=request.full_path.rstrip("?")))
        g.user = user  # before the role check, so that the 403 page still shows the user's menu
        if user.must_change_password and not (request.endpoint or "").startswith("admin.account."):
            # A temporary password opens one page: the one that replaces it.
            return redirect(url_for("admin.account.password_form"))
        current_user(roles=roles)
        return None


def me() -> User:
    """The signed-in user (set by ``guard``)."""
    user: User = g.user
    return user


def local_time(at: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a stored UTC time as Beijing time (naive values from SQLite are UTC)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(LOCAL).strftime(fmt)


def mask_phone(phone: str | None) -> str:
    """138****1234: enough to tell people apart in a list without exposing the number."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def parse_local(value: str | None, field: str) -> dt.datetime:
    """Read a required ``datetime-local`` field typed in Beijing time as an aware UTC datetime."""
    parsed = parse_optional_local(value, field)
    if parsed is None:
        raise Invalid(_("请填写{f}。").format(f=field))
    return parsed


def parse_optional_local(value: str | None, field: str) -> dt.datetime | None:
    """Like ``parse_local``; an empty field is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(_("{f}格式不正确。").format(f=field)) from None
    return parsed.replace(tzinfo=LOCAL).astimezone(dt.UTC)


def form_number(name: str, label: str) -> float:
    """The form field ``name`` as a finite number, or Invalid naming the field by its ``label``."""
    raw = (request.form.get(name) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Invalid(_("“{label}”必须是数字。").format(label=label))
    return value


def parse_ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of ours, never another site."""
    target = target or ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/admin") or "\\" in target:
        return url_for("admin.dashboard.show_dashboard")
    return target


def html_error(exc: DomainError) -> Any:
    """Show a domain error on an admin page: a flash on the form's page, or an error page."""
    if exc.status == 401:
        return redirect(url_for("admin.auth.login", next=request.path))
    if exc.code == "totp_enrolment_required":
        return redirect(url_for("admin.account.enrol_totp"))
    if exc.code == "reauth_required":
        back = request.full_path.rstrip("?") if request.method == "GET" else urlsplit(request.referrer or "").path
        return redirect(url_for("admin.auth.reauth", next=back or None))
    back = request.referrer or ""
    if request.method == "POST" and back and urlsplit(back).netloc == request.host and exc.status != 403:
        flash(exc.message, "error")
        return redirect(back)
    return render_template("admin/error.html", message=exc.message, status=exc.status), exc.status
