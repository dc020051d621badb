"""Practice over HTTP, for terminals (device token; the logged-in member's id in the body or query)
and remembered phones (the sign-in cookie; same-origin requests only). Answers are checked here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from screen_server.errors import Invalid, NotAuthenticated
from screen_server.http.common import db, run
from screen_server.http.signin import remembered_member
from screen_server.http.study import _same_origin, logged_in_member
from screen_server.i18n import _
from screen_server.org.models import Member
from screen_server.practice import services as practice

bp = Blueprint("practice", __name__)


def _member() -> Member:
    body = request.get_json(silent=True) or {}
    if request.headers.get("Authorization"):
        raw = body.get("member_id") if isinstance(body, dict) else None
        raw = raw if raw is not None else request.args.get("member_id")
        try:
            member_id = int(raw) if raw is not None else 0
        except (TypeError, ValueError):
            member_id = 0
        return logged_in_member(member_id)
    _same_origin()
    member = remembered_member()
    if member is None:
        raise NotAuthenticated(_("请先在手机上登记党员编号和密码。"))
    return member


@bp.post("/api/practice/daily")
def daily() -> Any:
    member = _member()
    return jsonify(practice.set_data(db(), run(practice.daily, db(), member.id)))


@bp.get("/api/practice/levels")
def levels() -> Any:
    member = _member()
    return jsonify({"levels": practice.levels(db(), member.id), "best_streak": practice.best_streak(db(), member.id)})


@bp.post("/api/practice/levels/<int:level>")
def start_level(level: int) -> Any:
    member = _member()
    return jsonify(practice.set_data(db(), run(practice.start_level, db(), member.id, level))), 201


@bp.post("/api/practice/streak")
def start_streak() -> Any:
    member = _member()
    return jsonify(practice.set_data(db(), run(practice.start_streak, db(), member.id))), 201


@bp.post("/api/practice/<int:set_id>/answers")
def answer(set_id: int) -> Any:
    member = _member()
    body = request.get_json(silent=True) or {}
    try:
        position = int(body.get("position") or 0)
    except (TypeError, ValueError):
        raise Invalid(_("题号必须是数字。")) from None
    return jsonify(run(practice.answer, db(), member.id, set_id, position, str(body.get("answer") or "")))
