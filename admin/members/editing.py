"""Members by hand: add one, edit any field (党员类别 included), record that one left, undo that, and move
one to another branch. Routes on the members blueprint; each view parses the form and calls one service
from ``screen_server.org.members``, which checks the secretary's scope and audits."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from admin.members.views import bp
from admin.web import me
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org import members as people
from screen_server.org import services as org
from screen_server.org.models import Member


def _fields() -> people.MemberFields:
    f = request.form
    return people.MemberFields(
        number=f.get("number", ""), name=f.get("name", ""), gender=f.get("gender", ""),
        birth_date=f.get("birth_date", ""), joined_party_on=f.get("joined_party_on", ""),
        group_id=f.get("group_id", type=int), education=f.get("education", ""), title=f.get("title", ""),
        employment_type=f.get("employment_type", ""), party_status=f.get("party_status", ""),
        phone=f.get("phone", ""))


def _form(member: Member | None, **ctx: Any) -> Any:
    branches = org.visible_branches(db(), me())
    groups = [g for b in branches for g in b.groups]
    return render_template("admin/members/form.html", m=member, branches=branches, groups=groups,
                           statuses=people.PARTY_STATUS_LABELS, genders=people.GENDER_LABELS, **ctx)


@bp.get("/new")
def new_member() -> Any:
    return _form(None, branch_id=org.branch_scope(me()) or request.args.get("branch_id", type=int))


@bp.post("/new")
def create_member() -> Any:
    branch_id = request.form.get("branch_id", type=int) or org.branch_scope(me()) or 0
    member = run(people.create_member, db(), me(), branch_id=branch_id, fields=_fields())
    flash(_("已添加党员 {name}（{number}）。").format(name=member.name, number=member.number), "ok")
    return redirect(url_for(".show_member", member_id=member.id))


@bp.get("/<int:member_id>/edit")
def edit_member(member_id: int) -> Any:
    member = people.managed_member(db(), me(), member_id)
    return _form(member, branch_id=member.branch_id)


@bp.post("/<int:member_id>/edit")
def update_member(member_id: int) -> Any:
    run(people.update_member, db(), me(), member_id, _fields())
    flash(_("党员信息已保存。"), "ok")
    return redirect(url_for(".show_member", member_id=member_id))


@bp.post("/<int:member_id>/left")
def record_left(member_id: int) -> Any:
    f = request.form
    run(people.record_left, db(), me(), member_id, reason=f.get("reason", ""), left_on=f.get("left_on", ""),
        note=f.get("note", ""))
    flash(_("已登记该党员离开；其历史记录保留，不再计入应到人员和排行，也不能再签到。"), "ok")
    return redirect(url_for(".show_member", member_id=member_id))


@bp.post("/<int:member_id>/restore")
def restore_member(member_id: int) -> Any:
    run(people.restore_member, db(), me(), member_id)
    flash(_("该党员已恢复在册。"), "ok")
    return redirect(url_for(".show_member", member_id=member_id))


@bp.post("/<int:member_id>/move")
def move_member(member_id: int) -> Any:
    group_id = request.form.get("group_id", type=int)
    run(people.move_member, db(), me(), member_id, branch_id=request.form.get("branch_id", type=int) or 0,
        group_id=group_id)
    flash(_("已调整所在支部；此前的签到等记录仍归属原支部。"), "ok")
    return redirect(url_for(".show_member", member_id=member_id))

