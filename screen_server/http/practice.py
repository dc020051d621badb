"""Practice over HTTP, for terminals (device token; the logged-in member's id in the body or query)
and remembered phones (the sign-in cookie; same-origin requests only). Answers are checked here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from screen_server.errors import Invalid
from screen_server.http.common import db, run
from screen_server.http.study import terminal_or_phone_member
from screen_server.i18n import _
from screen_server.practice import services as practice

bp = Blueprint("practice", __name__)


@bp.post("/api/practice/daily")
def daily() -> Any:
    member = terminal_or_phone_member()
    return jsonify(practice.set_data(db(), run(practice.daily, db(), member.id)))


@bp.get("/api/practice/levels")
def levels() -> Any:
    member = terminal_or_phone_member()
    return jsonify({"levels": practice.levels(db(), member.id), "best_streak": practice.best_streak(db(), member.id)})


@bp.post("/api/practice/levels/<int:level>")
def start_level(level: int) -> Any:
    member = terminal_or_phone_member()
    return jsonify(practice.set_data(db(), run(practice.start_level, db(), member.id, level))), 201


@bp.post("/api/practice/streak")
def start_streak() -> Any:
    member = terminal_or_phone_member()
    return jsonify(practice.set_data(db(), run(practice.start_streak, db(), member.id))), 201


@bp.post("/api/practice/<int:set_id>/answers")
def answer(set_id: int) -> Any:
    member = terminal_or_phone_member()
    body = request.get_json(silent=True) or {}
    try:
        position = int(body.get("position") or 0)
    except (TypeError, ValueError):
        raise Invalid(_("题号必须是数字。")) from None
    return jsonify(run(practice.answer, db(), member.id, set_id, position, str(body.get("answer") or "")))
