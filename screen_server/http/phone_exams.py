"""Formal tests (测评) on a phone, plain forms and no script.

``/m/exams`` lists the tests open to the member; starting one redirects to ``/m/exams/attempts/<id>``,
which shows one question at a time with the answer already given (so a lost connection or a reload
resumes where the member was, with the remaining time the server computes). Each answer is one POST,
stored at once; the form carries a client id made when the page was drawn, so sending it twice stores
it once. 交卷 closes the attempt; after the deadline the server closes it itself. The member is the
remembered phone or identifies once with number and PIN; only the attempt's own member may see it.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from screen_server.errors import DomainError
from screen_server.exams import services as exams
from screen_server.http.common import db, run
from screen_server.http.phone import phone_page
from screen_server.http.signin import identify_and_show, remembered_member
from screen_server.i18n import _
from screen_server.org.models import Member

bp = Blueprint("phone_exams", __name__)


def _overview(member: Member | None, status: int = 200, error: str | None = None) -> Response:
    items = run(exams.member_exams, db(), member) if member is not None else []
    return phone_page("exams.html", status, member=member, error=error, exams=items)


def _refused(exc: DomainError) -> Response:
    return phone_page("refused.html", exc.status, message=exc.message, heading=_("无法答题"))


def _attempt_page(member: Member, attempt_id: int, status: int = 200, **extra: Any) -> Response:
    try:
        attempt = run(exams.own_attempt, db(), member, attempt_id)
    except DomainError as exc:
        return _refused(exc)
    data = exams.attempt_data(db(), attempt)
    position = request.args.get("q", 0, type=int) or extra.pop("position", 0)
    if not 1 <= position <= len(data["questions"]):
        position = next((q["position"] for q in data["questions"] if not q["given"]), 1)
    current = next((q for q in data["questions"] if q["position"] == position), None)
    return phone_page("exam_attempt.html", status, member=member, data=data, current=current,
                      client_id=secrets.token_urlsafe(12), minutes_left=-(-data["seconds_left"] // 60), **extra)


@bp.get("/m/exams")
def exams_page() -> Response:
    return _overview(remembered_member())


@bp.post("/m/exams")
def identify() -> Response:
    """Identify with number and PIN (once: the phone is remembered afterwards)."""
    return identify_and_show("phone:/m/exams", _overview)


@bp.post("/m/exams/<int:exam_id>/start")
def start(exam_id: int) -> WerkzeugResponse:
    """Start (or resume) an attempt, then show it at its own address (a reload starts nothing)."""
    member = remembered_member()
    if member is None:
        return _overview(None, 401, _("请先输入党员编号和密码。"))
    try:
        attempt = run(exams.start, db(), member, exam_id)
    except DomainError as exc:
        return _overview(member, exc.status, exc.message)
    return redirect(url_for("phone_exams.attempt_page", attempt_id=attempt.id), 303)


@bp.get("/m/exams/attempts/<int:attempt_id>")
def attempt_page(attempt_id: int) -> Response:
    member = remembered_member()
    if member is None:
        return _overview(None, 401, _("请先输入党员编号和密码。"))
    return _attempt_page(member, attempt_id)


@bp.post("/m/exams/attempts/<int:attempt_id>/answer")
def answer(attempt_id: int) -> WerkzeugResponse:
    """Store the answer to the question shown, then show the next one (or the one asked for)."""
    member = remembered_member()
    if member is None:
        return _overview(None, 401, _("请先输入党员编号和密码。"))
    position = request.form.get("position", 0, type=int) or 0
    try:
        run(exams.own_attempt, db(), member, attempt_id)  # an attempt past its time is closed (and kept) first
        run(exams.answer, db(), member, attempt_id, position, "".join(request.form.getlist("answer")),
            request.form.get("client_id", ""))
    except DomainError as exc:
        return _attempt_page(member, attempt_id, exc.status, error=exc.message, position=position)
    go = request.form.get("go", 0, type=int) or position + 1
    return redirect(url_for("phone_exams.attempt_page", attempt_id=attempt_id, q=go), 303)


@bp.post("/m/exams/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int) -> WerkzeugResponse:
    member = remembered_member()
    if member is None:
        return _overview(None, 401, _("请先输入党员编号和密码。"))
    try:
        run(exams.submit, db(), member, attempt_id)
    except DomainError as exc:
        return _refused(exc)
    return redirect(url_for("phone_exams.attempt_page", attempt_id=attempt_id), 303)
