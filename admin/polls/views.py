"""投票, for admins and branch secretaries: open a poll or an anonymous ballot (民主评议) on a room's
wall, follow the totals, close it. Audited; a secretary's ballots are for their own branch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me
from screen_server.devices import services as devices
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Role
from screen_server.polls import services as polls

bp = Blueprint("polls", __name__, url_prefix="/polls")
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("")
def list_polls() -> Any:
    items = polls.list_polls(db(), me())
    return render_template("admin/polls/list.html", items=[(p, polls.results(db(), p, for_secretary=True)) for p in items],
                           rooms=devices.list_rooms(db()), branches=org.visible_branches(db(), me()),
                           kinds=polls.KINDS)


@bp.post("")
def create_poll() -> Any:
    f = request.form
    user = me()
    scope = org.branch_scope(user)
    branch_id = scope if scope is not None else (f.get("branch_id", type=int) or None)
    poll = run(polls.create_poll, db(), title=f.get("title", ""), kind=f.get("kind", "single"),
               options=f.get("options", "").splitlines(), max_choices=f.get("max_choices", type=int) or 1,
               room_id=f.get("room_id", type=int) or None, branch_id=branch_id,
               anonymous=f.get("anonymous") == "on", hide_results=f.get("hide_results") == "on",
               actor_user_id=user.id)
    flash(_("投票“{t}”已开始，大屏显示二维码，党员扫码投票。").format(t=poll.title), "ok")
    return redirect(url_for(".list_polls"))


@bp.post("/<int:poll_id>/close")
def close_poll(poll_id: int) -> Any:
    run(polls.close_poll, db(), poll_id, actor=me())
    flash(_("投票已结束。"), "ok")
    return redirect(url_for(".list_polls"))


@bp.post("/<int:poll_id>/reveal")
def reveal_poll(poll_id: int) -> Any:
    run(polls.reveal_poll, db(), poll_id, actor=me())
    flash(_("结果已在大屏公布。"), "ok")
    return redirect(url_for(".list_polls"))
