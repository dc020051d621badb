"""后台用户 for system admins: every admin user with their role and branch, and changing a role (after
typing the password again, within five minutes; audited; the user's sessions end)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me, role_label
from screen_server.http.common import client_ip, db, require_recent_auth, run, runtime
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Role

bp = Blueprint("users", __name__, url_prefix="/users")
guard(bp, Role.ADMIN)


@bp.get("")
def list_users() -> Any:
    return render_template("admin/users/list.html", users=org.list_users(db()),
                           branches=org.visible_branches(db(), me()), roles=list(Role), role_name=role_label)


@bp.post("/<int:user_id>/role")
def change_role(user_id: int) -> Any:
    require_recent_auth()
    branch_id = request.form.get("branch_id", type=int)
    user = run(org.set_user_role, db(), me(), user_id, request.form.get("role", ""), branch_id=branch_id,
               ip=client_ip(), now=runtime().clock())
    flash(_("已将 {u} 的角色改为{r}，其登录已失效。").format(u=user.username, r=role_label(user.role)), "success")
    return redirect(url_for("admin.users.list_users"))
