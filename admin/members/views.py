"""Members: list with search, branch filter and pages; a member's card and history; setting a PIN; the
roster import (which may create the branches and groups the file names). Adding, editing, leaving and
moving are in ``editing``, PIN slips in ``pins``, member statistics in ``statistics``: the same blueprint.

Every call passes the signed-in user, and the org services apply their scope: a branch secretary sees,
fetches, changes and imports only their own branch's members.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.members import uploads
from admin.web import PAGE_SIZE, guard, me
from screen_server.errors import Invalid
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.org import members as people
from screen_server.org import services as org
from screen_server.org.importing import apply_member_import, prepare_member_import
from screen_server.org.models import Role, User
from screen_server.study import services as study

bp = Blueprint("members", __name__, url_prefix="/members")
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("")
def list_members() -> Any:
    page = max(request.args.get("page", 1, type=int), 1)
    branch_id = request.args.get("branch_id", type=int)
    q = request.args.get("q", "").strip()
    items, total = org.list_members(
        db(), me(), branch_id=branch_id, query=q, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    branches = org.visible_branches(db(), me())
    return render_template(
        "admin/members/list.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        q=q,
        branch_id=branch_id,
        branches=branches,
    )


@bp.get("/<int:member_id>")
def show_member(member_id: int) -> Any:
    member = org.get_member(db(), me(), member_id)
    branches = org.visible_branches(db(), me())
    return render_template("admin/members/show.html", m=member, study=study.summary(db(), member),
                           history=people.history(db(), me(), member_id), left_reasons=people.LEFT_REASON_LABELS,
                           statuses=people.PARTY_STATUS_LABELS, branches=branches,
                           groups=[g for b in branches for g in b.groups])


@bp.post("/<int:member_id>/pin")
def set_pin(member_id: int) -> Any:
    run(org.set_member_pin, db(), me(), member_id, request.form.get("pin", ""))
    flash(_("签到密码已设置。"), "ok")
    return redirect(url_for(".show_member", member_id=member_id))


def _scope(user: User) -> dict[str, Any]:
    scope = org.branch_scope(user)
    return {"allowed_branch_ids": None if scope is None else {scope}, "default_branch_id": scope}


@bp.get("/import")
def import_form() -> Any:
    return render_template("admin/members/import.html")


@bp.post("/import")
def check_import() -> Any:
    """The dry run: every problem, row by row; the file is kept only when it can be imported."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(_("请选择要导入的花名册文件（.xlsx 或 .csv）。"))
    data, update = upload.read(), bool(request.form.get("update_existing"))
    create = bool(request.form.get("create_branches"))
    report = prepare_member_import(db(), data, upload.filename, update_existing=update, create_branches=create,
                                   **_scope(me()))
    upload_id = uploads.keep(runtime().settings, data) if report.ok else ""
    return render_template(
        "admin/members/import.html",
        report=report,
        upload_id=upload_id,
        filename=upload.filename,
        update_existing=update,
    )


@bp.post("/import/confirm")
def confirm_import() -> Any:
    """Check the kept file again (the database may have changed) and import it all or nothing."""
    f = request.form
    filename, update = f.get("filename", "roster.xlsx"), bool(f.get("update_existing"))
    create = bool(f.get("create_branches"))
    with uploads.taken(runtime().settings, f.get("upload_id", "")) as data:
        report = prepare_member_import(db(), data, filename, update_existing=update, create_branches=create,
                                       **_scope(me()))
        if not report.ok:
            return render_template("admin/members/import.html", report=report, filename=filename)
        result = run(apply_member_import, db(), report, actor_user_id=me().id)
    flash(_("导入完成：新增 {c} 人，更新 {u} 人。").format(c=result.created, u=result.updated), "ok")
    return render_template("admin/members/imported.html", result=result, report=report)


# The other pages of the area add their routes to ``bp`` (imported last: they import ``bp`` from here).
from admin.members import editing, pins, statistics  # noqa: E402,F401
