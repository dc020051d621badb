"""The one-time setup page: ``/admin/setup/<token>`` creates the first system admin and names the Party
committee, then signs that admin in. No one is signed in here; the token is the only key, and the
services refuse it once used, once expired, or once the installation has any user.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from admin.auth.views import set_session_cookie
from screen_server.errors import DomainError, Invalid
from screen_server.http.common import client_ip, db, run, runtime
from screen_server.i18n import _
from screen_server.identity import sessions
from screen_server.org.passwords import MIN_LENGTH
from screen_server.setup import services as setup

bp = Blueprint("setup", __name__, url_prefix="/setup")


@bp.get("/<token>")
def show_setup(token: str) -> Any:
    try:
        setup.check_setup_token(db(), token)
    except DomainError as exc:
        return _dead_link(exc)
    return render_template("admin/setup/show.html", min_length=MIN_LENGTH, form={})


@bp.post("/<token>")
def complete_setup(token: str) -> Any:
    f = request.form
    try:
        user = run(setup.complete_setup, db(), token, username=f.get("username", ""), password=f.get("password", ""),
                   password_again=f.get("password_again", ""), display_name=f.get("display_name", ""),
                   committee_name=f.get("committee_name", ""), ip=client_ip())
    except Invalid as exc:
        return render_template("admin/setup/show.html", min_length=MIN_LENGTH, error=exc.message,
                               form={k: f.get(k, "") for k in ("username", "display_name", "committee_name")}), 400
    except DomainError as exc:
        return _dead_link(exc)
    session.clear()
    _row, session_token = run(sessions.start, db(), user, now=runtime().clock(), ip=client_ip(),
                              user_agent=request.headers.get("User-Agent", ""))
    flash(_("初始设置已完成。请按下面的清单继续：先建立支部和党小组。"), "ok")
    resp = redirect(url_for("admin.dashboard.show_dashboard"))
    set_session_cookie(resp, session_token)
    return resp


def _dead_link(exc: DomainError) -> Any:
    done = exc.code == setup.SetupDone.code
    return render_template("admin/setup/dead.html", message=exc.message, done=done), (410 if done else exc.status)
