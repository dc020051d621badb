"""答题闯关 and 挑战连对 on a phone (the challenge modes a terminal has), plain forms and no script.

``/m/challenge`` lists the member's levels and their best streak; starting a level or a streak creates
a set and redirects to ``/m/challenge/<set_id>``, which shows the next question (so reloading never
starts another set); each answer is one POST whose page says right or wrong with the explanation and
offers 下一题, and the last one shows the outcome. The member is the remembered phone (the sign-in
cookie) or identifies once with number and PIN; only the set's own member may see or answer it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from screen_server.errors import DomainError, NotFound
from screen_server.http.common import db, run
from screen_server.http.phone import phone_page
from screen_server.http.signin import identify_and_show, remembered_member
from screen_server.i18n import _
from screen_server.org.models import Member
from screen_server.practice import services as practice
from screen_server.practice.models import PracticeSet

bp = Blueprint("phone_challenge", __name__)

CHALLENGE_KINDS = ("level", "streak")


def _overview(member: Member | None, status: int = 200, error: str | None = None) -> Response:
    """The levels and the best streak, or the identify form when the phone does not know the member."""
    if member is None:
        return phone_page("challenge.html", status, member=None, error=error)
    return phone_page("challenge.html", status, member=member, error=error, levels=practice.levels(db(), member.id),
                      best=practice.best_streak(db(), member.id), last=practice.LEVELS)


def _not_identified() -> Response:
    return _overview(None, 401, _("请先输入党员编号和密码。"))


def _refused(exc: DomainError) -> Response:
    return phone_page("refused.html", exc.status, message=exc.message, heading=_("无法答题"))


def _own_set(member: Member, set_id: int) -> PracticeSet:
    """The member's own level or streak set; anyone else's (or a daily set) is not found."""
    found = db().get(PracticeSet, set_id)
    if found is None or found.member_id != member.id or found.kind not in CHALLENGE_KINDS:
        raise NotFound(_("练习不存在。"))
    return found


def _set_page(member: Member, found: PracticeSet, status: int = 200, **extra: Any) -> Response:
    """The set's next question, or its outcome once finished (with ``result`` after an answer)."""
    data = practice.set_data(db(), found)
    current = next((q for q in data["questions"] if q["position"] == data["next"]), None)
    shown = None if extra.get("result") or data["finished"] else current
    return phone_page("challenge_play.html", status, member=member, data=data, current=shown, last=practice.LEVELS,
                      pass_mark=min(practice.PASS_MARK, len(data["questions"])),
                      best=practice.best_streak(db(), member.id), **extra)


@bp.get("/m/challenge")
def challenge_page() -> Response:
    return _overview(remembered_member())


@bp.post("/m/challenge")
def identify() -> Response:
    """Identify with number and PIN (once: the phone is remembered afterwards)."""
    return identify_and_show("phone:/m/challenge", _overview)


@bp.post("/m/challenge/levels/<int:level>")
def start_level(level: int) -> WerkzeugResponse:
    return _start(lambda member: practice.start_level(db(), member.id, level))


@bp.post("/m/challenge/streak")
def start_streak() -> WerkzeugResponse:
    return _start(lambda member: practice.start_streak(db(), member.id))


def _start(starter: Callable[[Member], PracticeSet]) -> WerkzeugResponse:
    """Start a set for the remembered member, then show it at its own address (a reload starts nothing)."""
    member = remembered_member()
    if member is None:
        return _not_identified()
    try:
        found = run(starter, member)
    except DomainError as exc:
        return _overview(member, exc.status, exc.message)
    return redirect(url_for("phone_challenge.set_page", set_id=found.id), 303)


@bp.get("/m/challenge/<int:set_id>")
def set_page(set_id: int) -> Response:
    member = remembered_member()
    if member is None:
        return _not_identified()
    try:
        found = _own_set(member, set_id)
    except DomainError as exc:
        return _refused(exc)
    return _set_page(member, found)


@bp.post("/m/challenge/<int:set_id>/answer")
def answer(set_id: int) -> Response:
    """Check one answer (single, multiple, true/false or a blank) and show right or wrong."""
    member = remembered_member()
    if member is None:
        return _not_identified()
    position = request.form.get("position", 0, type=int) or 0
    given = "".join(request.form.getlist("answer"))
    try:
        found = _own_set(member, set_id)
    except DomainError as exc:
        return _refused(exc)
    before = practice.best_streak(db(), member.id, excluding=set_id) if found.kind == "streak" else 0
    try:
        result = run(practice.answer, db(), member.id, set_id, position, given)
    except DomainError as exc:
        return _set_page(member, found, exc.status, error=exc.message)
    new_best = found.kind == "streak" and result["finished"] and result["score"] > before
    return _set_page(member, found, result=result, asked=position, new_best=new_best)
