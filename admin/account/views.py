"""My account: my password (a user holding a temporary password is sent here by ``guard`` before any
other page, and stays until they have chosen their own), the sessions I am signed in with (ending any
of them), and two-factor sign-in (enrol with a QR, see the recovery codes once, turn it off).

A new password ends the user's other sessions.

Every signed-in user reaches these pages, including a system admin who must enrol first.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from admin.web import me
from screen_server.errors import DomainError, Invalid
from screen_server.http.common import (
    client_ip,
    current_session,
    current_user,
    db,
    require_recent_auth,
    run,
    runtime,
    session_limits,
)
from screen_server.i18n import _
from screen_server.identity import sessions, totp
from screen_server.org import users
from screen_server.org.models import Role, User
from screen_server.org.passwords import MIN_LENGTH

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
def _signed_in() -> Any:
    user = current_user(required=False, enrolling=True)
    if user is None:
        return redirect(url_for("admin.auth.login", next=request.full_path.rstrip("?")))
    g.user = user
    return None


def _me() -> User:
    user: User = g.user
    return user


@bp.get("")
def show_account() -> Any:
    rt = runtime()
    rows = sessions.live_sessions(db(), _me(), now=rt.clock(), limits=session_limits())
    here = current_session()
    return render_template("admin/account/show.html", sessions=rows, current_id=here.id if here else None,
                           enrolled=totp.is_enrolled(_me()), remaining=totp.remaining_codes(db(), _me()),
                           required=totp.must_enrol(rt.settings, _me()), limits=session_limits())


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id: int) -> Any:
    rt = runtime()
    run(sessions.end_own, db(), _me(), session_id, now=rt.clock(), ip=client_ip())
    here = current_session()
    if here is not None and here.id == session_id:
        return redirect(url_for("admin.auth.login"))
    flash(_("已结束该会话，那台设备需要重新登录。"), "success")
    return redirect(url_for("admin.account.show_account"))


@bp.route("/totp", methods=["GET", "POST"])
def enrol_totp() -> Any:
    """Set up two-factor sign-in: scan the QR, type the first code, keep the recovery codes."""
    user = db().get(User, _me().id)
    assert user is not None
    if totp.is_enrolled(user):
        return redirect(url_for("admin.account.show_account"))
    secret = run(totp.begin_enrolment, db(), user)
    uri = totp.provisioning_uri(user)
    required = totp.must_enrol(runtime().settings, user)
    if request.method == "GET":
        return render_template("admin/account/totp.html", secret=secret, qr=totp.qr_svg(uri), required=required)
    rt = runtime()
    try:
        codes = run(totp.confirm, db(), user, request.form.get("code", ""), now=rt.clock(), ip=client_ip())
    except DomainError as exc:
        return render_template("admin/account/totp.html", secret=secret, qr=totp.qr_svg(uri), required=required,
                               error=exc.message), exc.status
    g.user = user
    return render_template("admin/account/recovery.html", codes=codes)


@bp.post("/totp/off")
def disable_totp() -> Any:
    user = db().get(User, _me().id)
    assert user is not None
    if runtime().settings.admin_totp == "required" and user.role is Role.ADMIN:
        flash(_("系统管理员必须使用两步验证，不能关闭。"), "error")
        return redirect(url_for("admin.account.show_account"))
    require_recent_auth()
    run(totp.disable, db(), user, ip=client_ip())
    flash(_("已关闭两步验证。"), "success")
    return redirect(url_for("admin.account.show_account"))


@bp.post("/totp/codes")
def new_codes() -> Any:
    """Ten new recovery codes (the old ones stop working); asks for the password first."""
    require_recent_auth()
    user = db().get(User, _me().id)
    assert user is not None
    codes = run(totp.new_recovery_codes, db(), user)
    return render_template("admin/account/recovery.html", codes=codes)


@bp.get("/password")
def password_form() -> Any:
    return render_template("admin/account/password.html", min_length=MIN_LENGTH)


@bp.post("/password")
def change_password() -> Any:
    f = request.form
    try:
        run(users.change_own_password, db(), me(), current=f.get("current", ""), new=f.get("new", ""),
            again=f.get("again", ""))
    except Invalid as exc:
        return render_template("admin/account/password.html", min_length=MIN_LENGTH, error=exc.message), 400
    here = current_session()  # this session stays signed in; the user's others end
    run(sessions.end_all, db(), me().id, now=runtime().clock(), reason="password_changed",
        keep=here.id if here is not None else None)
    flash(_("密码已修改。"), "ok")
    return redirect(url_for("admin.dashboard.show_dashboard"))
