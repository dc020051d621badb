"""Users, for admins: every account with its role and branch; create one (a secretary needs a branch),
change its name, role or branch, deactivate or bring it back, and issue a temporary password, shown once
on the answer page and never stored in the clear."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for

from admin.web import guard, me
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.identity import sessions
from screen_server.org import services as org
from screen_server.org import users
from screen_server.org.models import Role
from screen_server.org.passwords import MIN_LENGTH

bp = Blueprint("users", __name__, url_prefix="/users")
guard(bp, Role.ADMIN)


@bp.get("")
def list_users() -> Any:
    return render_template("admin/users/list.html", users=users.list_users(db(), me()),
                           branches=org.visible_branches(db(), me()), min_length=MIN_LENGTH)


@bp.post("")
def create_user() -> Any:
    f = request.form
    u = run(org.create_user, db(), actor_user_id=me().id, username=f.get("username", ""),
            password=f.get("password", ""), role=f.get("role", ""), display_name=f.get("display_name", ""),
            branch_id=f.get("branch_id", type=int), must_change_password=bool(f.get("must_change")))
    flash(_("已创建用户 {u}。").format(u=u.username), "ok")
    return redirect(url_for(".list_users"))


@bp.post("/<int:user_id>")
def update_user(user_id: int) -> Any:
    f = request.form
    u = run(users.update_user, db(), me(), user_id, display_name=f.get("display_name", ""), role=f.get("role", ""),
            branch_id=f.get("branch_id", type=int))
    flash(_("已保存用户 {u}。").format(u=u.username), "ok")
    return redirect(url_for(".list_users"))


@bp.post("/<int:user_id>/deactivate")
def deactivate_user(user_id: int) -> Any:
    u = run(users.set_user_active, db(), me(), user_id, False)
    flash(_("已停用用户 {u}，该账号不能再登录。").format(u=u.username), "ok")
    return redirect(url_for(".list_users"))


@bp.post("/<int:user_id>/activate")
def activate_user(user_id: int) -> Any:
    u = run(users.set_user_active, db(), me(), user_id, True)
    flash(_("已恢复用户 {u}。").format(u=u.username), "ok")
    return redirect(url_for(".list_users"))


@bp.post("/<int:user_id>/temporary-password")
def issue_temporary_password(user_id: int) -> Any:
    password = run(users.issue_temporary_password, db(), me(), user_id)
    run(sessions.end_all, db(), user_id, now=runtime().clock(), reason="temporary_password")  # signed out everywhere
    answer = make_response(render_template("admin/users/temporary.html", target=users.get_user(db(), me(), user_id),
                                           password=password))
    answer.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser's history or a proxy
    return answer
