"""The organisation tree: the Party committee, its branches and their party groups, as one page.

An admin renames the committee and creates, edits, reorders and deactivates branches and groups; a branch
secretary sees their own branch and edits its groups (the services decide; the page only hides what a
secretary may not press). A branch that still has members is not deactivated: the page says why and
links to that branch's members.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org import tree
from screen_server.org.models import Role

bp = Blueprint("org", __name__, url_prefix="/org")
guard(bp, Role.ADMIN, Role.SECRETARY)


def _back() -> Any:
    return redirect(url_for(".show_tree"))


def _position() -> int | None:
    value = request.form.get("position", "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


@bp.get("")
def show_tree(blocked: tree.BranchHasMembers | None = None) -> Any:
    return render_template("admin/org/tree.html", tree=tree.organisation_tree(db(), me()), blocked=blocked)


@bp.post("/committee")
def rename_committee() -> Any:
    run(tree.rename_committee, db(), me(), request.form.get("name", ""))
    flash(_("党委名称已保存。"), "ok")
    return _back()


@bp.post("/branches")
def create_branch() -> Any:
    f = request.form
    b = run(tree.create_branch, db(), me(), name=f.get("name", ""), short_name=f.get("short_name", ""),
            position=_position())
    flash(_("已添加支部“{n}”。").format(n=b.name), "ok")
    return _back()


@bp.post("/branches/<int:branch_id>")
def update_branch(branch_id: int) -> Any:
    f = request.form
    b = run(tree.update_branch, db(), me(), branch_id, name=f.get("name", ""), short_name=f.get("short_name", ""),
            position=_position())
    flash(_("已保存支部“{n}”。").format(n=b.name), "ok")
    return _back()


@bp.post("/branches/<int:branch_id>/move")
def move_branch(branch_id: int) -> Any:
    run(tree.move_branch, db(), me(), branch_id, request.form.get("step", 0, type=int))
    return _back()


@bp.post("/branches/<int:branch_id>/deactivate")
def deactivate_branch(branch_id: int) -> Any:
    try:
        b = run(tree.set_branch_active, db(), me(), branch_id, False)
    except tree.BranchHasMembers as exc:
        return show_tree(blocked=exc), 400
    flash(_("已停用支部“{n}”。").format(n=b.name), "ok")
    return _back()


@bp.post("/branches/<int:branch_id>/activate")
def activate_branch(branch_id: int) -> Any:
    b = run(tree.set_branch_active, db(), me(), branch_id, True)
    flash(_("已恢复支部“{n}”。").format(n=b.name), "ok")
    return _back()


@bp.post("/branches/<int:branch_id>/groups")
def create_group(branch_id: int) -> Any:
    g = run(tree.create_group, db(), me(), branch_id, name=request.form.get("name", ""))
    flash(_("已添加党小组“{n}”。").format(n=g.name), "ok")
    return _back()


@bp.post("/groups/<int:group_id>")
def rename_group(group_id: int) -> Any:
    g = run(tree.rename_group, db(), me(), group_id, name=request.form.get("name", ""))
    flash(_("已保存党小组“{n}”。").format(n=g.name), "ok")
    return _back()


@bp.post("/groups/<int:group_id>/move")
def move_group(group_id: int) -> Any:
    run(tree.move_group, db(), me(), group_id, request.form.get("step", 0, type=int))
    return _back()


@bp.post("/groups/<int:group_id>/deactivate")
def deactivate_group(group_id: int) -> Any:
    g = run(tree.set_group_active, db(), me(), group_id, False)
    flash(_("已停用党小组“{n}”。").format(n=g.name), "ok")
    return _back()


@bp.post("/groups/<int:group_id>/activate")
def activate_group(group_id: int) -> Any:
    g = run(tree.set_group_active, db(), me(), group_id, True)
    flash(_("已恢复党小组“{n}”。").format(n=g.name), "ok")
    return _back()
