"""Leaderboards over HTTP: the public board (names masked by the room's setting) for terminals, walls
and phones, and one member's own rank."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from screen_server.errors import NotFound
from screen_server.http.common import db, runtime
from screen_server.http.phone import phone_page
from screen_server.http.signin import remembered_member
from screen_server.http.study import logged_in_member
from screen_server.i18n import _
from screen_server.points import leaderboard

bp = Blueprint("points", __name__)


@bp.get("/api/leaderboard")
def get_board() -> Any:
    period = request.args.get("period", "week")
    limit = request.args.get("limit", 10, type=int) or 10
    return jsonify(leaderboard.board(db(), period, masked=runtime().settings.mask_names, limit=limit))


@bp.get("/api/device/members/<int:member_id>/rank")
def device_member_rank(member_id: int) -> Any:
    member = logged_in_member(member_id)
    return jsonify(leaderboard.member_rank(db(), member.id, request.args.get("period", "week")))


@bp.get("/api/leaderboard/me")
def my_rank() -> Any:
    member = remembered_member()
    if member is None:
        raise NotFound(_("本手机尚未登记党员身份。"))
    return jsonify({p: leaderboard.member_rank(db(), member.id, p) for p in leaderboard.PERIODS})


@bp.get("/m/leaderboard")
def phone_board() -> Response:
    """The leaderboard on a phone (names masked like on the wall), with the phone's member's own rank."""
    period = request.args.get("period", "week")
    if period not in leaderboard.PERIODS:
        period = "week"
    member = remembered_member()
    board = leaderboard.board(db(), period, masked=runtime().settings.mask_names)
    mine = leaderboard.member_rank(db(), member.id, period) if member else None
    periods = [(p, leaderboard.PERIOD_LABELS[p]) for p in leaderboard.PERIODS]
    return phone_page("leaderboard.html", board=board, member=member, mine=mine, periods=periods)
