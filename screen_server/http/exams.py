"""Formal tests over HTTP, for terminals (device token; the logged-in member's id in the body or query)
and remembered phones (the sign-in cookie; same-origin requests only). Answers are stored as given and
never checked in front of the client; the correct answers come back only with a closed attempt."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from screen_server.errors import Invalid
from screen_server.exams import services as exams
from screen_server.http.common import db, run
from screen_server.http.study import terminal_or_phone_member
from screen_server.i18n import _

bp = Blueprint("exams", __name__)


@bp.get("/api/exams")
def list_exams() -> Any:
    member = terminal_or_phone_member()
    return jsonify({"exams": run(exams.member_exams, db(), member)})


@bp.post("/api/exams/<int:exam_id>/attempts")
def start(exam_id: int) -> Any:
    """Start an attempt, or resume the open one (its remaining time and given answers)."""
    member = terminal_or_phone_member()
    attempt = run(exams.start, db(), member, exam_id)
    return jsonify(exams.attempt_data(db(), attempt)), 201


@bp.get("/api/exams/attempts/<int:attempt_id>")
def show(attempt_id: int) -> Any:
    member = terminal_or_phone_member()
    return jsonify(exams.attempt_data(db(), run(exams.own_attempt, db(), member, attempt_id)))


@bp.post("/api/exams/attempts/<int:attempt_id>/answers")
def answer(attempt_id: int) -> Any:
    member = terminal_or_phone_member()
    body = request.get_json(silent=True) or {}
    try:
        position = int(body.get("position") or 0)
    except (TypeError, ValueError):
        raise Invalid(_("题号必须是数字。")) from None
    run(exams.own_attempt, db(), member, attempt_id)  # an attempt past its time is closed (and kept) first
    attempt = run(exams.answer, db(), member, attempt_id, position, str(body.get("answer") or ""),
                  str(body.get("client_id") or ""))
    data = exams.attempt_data(db(), attempt)
    return jsonify({"saved": True, "position": position, "answered": data["answered"],
                    "seconds_left": data["seconds_left"]})


@bp.post("/api/exams/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int) -> Any:
    member = terminal_or_phone_member()
    return jsonify(exams.attempt_data(db(), run(exams.submit, db(), member, attempt_id)))
