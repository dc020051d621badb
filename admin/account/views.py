"""The signed-in user's own password. A user holding a temporary password is sent here by ``guard``
before any other page, and stays until they have chosen their own. A new password ends the user's other
sessions (``users.password_stamp``); this one is kept."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from admin.web import guard, me
from screen_server.errors import Invalid
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org import users
from screen_server.org.passwords import MIN_LENGTH

bp = Blueprint("account", __name__, url_prefix="/account")
guard(bp)


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
    session["pw"] = users.password_stamp(me())  # this session stays signed in; the others end
    flash(_("密码已修改。"), "ok")
    return redirect(url_for("admin.dashboard.show_dashboard"))
