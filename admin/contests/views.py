"""知识竞赛, for hosts (admins and branch secretaries): set up a contest for a room (questions drawn
from the published bank), run it from here — start, close a question early, next, finish — while the
room's wall shows it, then read and export the results. The page also shows the contest's host code, for
hosting at the room's terminal instead (``screen_server.contests.hosting``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for

from admin.web import guard, me
from content.categories import list_categories
from screen_server.contests import services as contests
from screen_server.devices import services as devices
from screen_server.errors import Invalid
from screen_server.http.common import client_ip, db, require_recent_auth, run, runtime
from screen_server.i18n import _
from screen_server.org.models import Role

bp = Blueprint("contests", __name__, url_prefix="/contests")
guard(bp, Role.ADMIN, Role.SECRETARY)


def _int(name: str, label: str, default: int | None = None) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise Invalid(_("“{label}”必须是整数。").format(label=label)) from None


@bp.get("")
def list_contests() -> Any:
    return render_template("admin/contests/list.html", items=contests.list_contests(db(), me()),
                           rooms=devices.list_rooms(db()), categories=list_categories(db()))


@bp.post("")
def create_contest() -> Any:
    contest = run(contests.create_contest, db(), title=request.form.get("title", ""),
                  room_id=_int("room_id", _("活动室")), questions=_int("questions", _("题目数量"), 10) or 10,
                  seconds=_int("seconds", _("每题时间"), 20) or 20, category_id=_int("category_id", _("分类")),
                  max_difficulty=_int("max_difficulty", _("难度")), team_mode=request.form.get("team_mode") == "on",
                  actor_user_id=me().id)
    flash(_("竞赛“{t}”已创建，活动室大屏正显示加入二维码和竞赛码 {c}。").format(t=contest.title, c=contest.code), "ok")
    return redirect(url_for(".show_contest", contest_id=contest.id))


@bp.get("/<int:contest_id>")
def show_contest(contest_id: int) -> Any:
    contest = contests.get_contest_for(db(), me(), contest_id)
    engine = runtime().contests
    state = engine.public_state(engine.get(contest.id))
    return render_template("admin/contests/show.html", contest=contest, state=state,
                           host_code=runtime().contest_hosts.code(contest.id),
                           results=contests.results(db(), contest.id))


@bp.post("/<int:contest_id>/<action>")
def control(contest_id: int, action: str) -> Any:
    engine = runtime().contests
    steps = {"start": engine.start, "next": engine.next, "close": engine.close_now, "finish": engine.finish}
    if action not in steps:
        raise Invalid(_("未知的操作。"))
    contests.get_contest_for(db(), me(), contest_id)
    steps[action](contest_id)
    return redirect(url_for(".show_contest", contest_id=contest_id))


@bp.get("/<int:contest_id>/results.xlsx")
def export(contest_id: int) -> Response:
    require_recent_auth()
    resp = make_response(run(contests.export_xlsx, db(), contest_id, actor=me(), ip=client_ip()))
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = f"attachment; filename=contest-{contest_id}.xlsx"
    return resp
