"""Sign in with a username and password (a CSRF-protected form), sign out with a POST.

A successful sign-in starts a new session (``session.clear()`` first: no fixation) holding only
``user_id`` and a stamp of the password hash, which ``screen_server.http.common.current_user`` reads (a
new password signs every other session of that user out). Both outcomes are audited by the
services.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from admin.web import safe_next
from screen_server.errors import DomainError
from screen_server.http.common import client_ip, db, run
from screen_server.org import services as org
from screen_server.org import users

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("admin/auth/login.html")
    username = request.form.get("username", "")
    try:
        user = run(org.authenticate_user, db(), username, request.form.get("password", ""), ip=client_ip())
    except DomainError as exc:
        run(org.record_failed_login, db(), username, ip=client_ip())
        return render_template("admin/auth/login.html", error=exc.message, username=username), 401
    session.clear()
    session["user_id"] = user.id
    session["pw"] = users.password_stamp(user)
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("admin.auth.login"))
