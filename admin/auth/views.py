"""Sign in (password, then a TOTP code when the user has one), sign out, and type the password again
before a sensitive action.

A sign-in opens a new server-side session (``identity.sessions``): the ``ar_admin`` cookie holds only
a random token, ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` under HTTPS. Flask's own signed session
keeps only the CSRF token and flash messages and is cleared at every sign-in (no fixation). The
services count, lock and audit every try.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from admin.web import safe_next
from screen_server.errors import DomainError
from screen_server.http.common import client_ip, current_session, current_user, db, is_https, run, runtime
from screen_server.identity import services as identity
from screen_server.identity import sessions
from screen_server.org.models import User

bp = Blueprint("auth", __name__)


def set_session_cookie(resp: Response, token: str) -> None:
    """The admin session's cookie: no lifetime of its own (the server ends sessions), never readable by script."""
    resp.set_cookie(sessions.COOKIE, token, httponly=True, samesite="Lax", secure=is_https(), path="/")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("admin/auth/login.html")
    username = request.form.get("username", "")
    rt = runtime()
    try:
        done = run(identity.sign_in, db(), settings=rt.settings, lockouts=rt.lockouts, username=username,
                   password=request.form.get("password", ""), now=rt.clock(), ip=client_ip(),
                   user_agent=request.headers.get("User-Agent", ""),
                   old_token=request.cookies.get(sessions.COOKIE, ""))
    except DomainError as exc:
        return render_template("admin/auth/login.html", error=exc.message, username=username), exc.status
    session.clear()
    target = safe_next(request.args.get("next"))
    if done.next_step == "totp":
        resp = redirect(url_for("admin.auth.second_factor", next=target))
    elif done.next_step == "enrol":
        resp = redirect(url_for("admin.account.enrol_totp"))
    else:
        resp = redirect(target)
    set_session_cookie(resp, done.token)
    return resp


@bp.route("/login/totp", methods=["GET", "POST"])
def second_factor() -> Any:
    """The second step of a sign-in: a code from the authenticator app, or a recovery code."""
    row = current_session()
    if row is None:
        return redirect(url_for("admin.auth.login"))
    if row.verified:
        return redirect(safe_next(request.args.get("next")))
    if request.method == "GET":
        return render_template("admin/auth/totp.html")
    rt = runtime()
    try:
        run(identity.give_second_factor, db(), row, request.form.get("code", ""), lockouts=rt.lockouts,
            now=rt.clock(), ip=client_ip())
    except DomainError as exc:
        return render_template("admin/auth/totp.html", error=exc.message), exc.status
    return redirect(safe_next(request.args.get("next")))


@bp.route("/reauth", methods=["GET", "POST"])
def reauth() -> Any:
    """Type the password (or a TOTP code) again; the page asked for is then allowed for five minutes."""
    user = current_user(required=False, enrolling=True)
    row = current_session()
    if user is None or row is None:
        return redirect(url_for("admin.auth.login", next=request.full_path.rstrip("?")))
    target = _reauth_target(request.args.get("next"))
    if request.method == "GET":
        return render_template("admin/auth/reauth.html", user=user, target=target)
    rt = runtime()
    try:
        fresh = db().get(User, user.id)
        assert fresh is not None
        run(identity.reauthenticate, db(), row, fresh, request.form.get("secret", ""),
            lockouts=rt.lockouts, now=rt.clock(), ip=client_ip())
    except DomainError as exc:
        return render_template("admin/auth/reauth.html", user=user, target=target, error=exc.message), exc.status
    return redirect(target)


def _reauth_target(target: str | None) -> str:
    """After re-authenticating: back to the admin page or to one of our own exports (never elsewhere)."""
    if target and target.startswith("/api/") and "//" not in target and "\\" not in target:
        return target
    return safe_next(target)


@bp.post("/logout")
def logout() -> Any:
    rt = runtime()
    run(identity.sign_out, db(), current_session(), now=rt.clock(), ip=client_ip())
    session.clear()
    resp = redirect(url_for("admin.auth.login"))
    resp.delete_cookie(sessions.COOKIE, path="/")
    return resp
