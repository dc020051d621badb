"""Voting from a phone: ``/v/<poll>`` (what the wall's QR opens). A remembered phone votes with one
tap; others identify once with number and PIN. The page says whether the ballot is anonymous. A meeting's
ballot is offered only to members who receive it (signed in; 正式党员 when a vote is required); an
appraisal (民主评议党员) rates each member of the branch. Totals of a hidden poll never reach the phone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from screen_server.errors import DomainError, NotAuthenticated
from screen_server.http.common import db, identify_member, run
from screen_server.http.phone import phone_page
from screen_server.http.signin import (
    remember_phone,
    remembered_member,
)
from screen_server.i18n import _
from screen_server.polls import services as polls

bp = Blueprint("polls", __name__)


@bp.get("/v/<int:poll_id>")
def vote_page(poll_id: int) -> Response:
    try:
        poll = polls.get_poll(db(), poll_id)
    except DomainError as exc:
        return phone_page("refused.html", 404, message=exc.message, heading=_("无法投票"))
    member = remembered_member()
    voted = bool(member and polls.has_voted(db(), poll.id, member.id))
    refused = None
    if member is not None and not voted:
        try:
            polls.can_receive(db(), poll, member)
        except DomainError as exc:
            refused = exc.message
    return phone_page("poll.html", poll=poll, member=member, voted=voted, results=polls.results(db(), poll),
                      error=refused, refused=refused is not None)


@bp.post("/v/<int:poll_id>")
def vote(poll_id: int) -> Response:
    try:
        poll = polls.get_poll(db(), poll_id)
    except DomainError as exc:
        return phone_page("refused.html", 404, message=exc.message, heading=_("无法投票"))
    member = remembered_member()
    fresh = member is None
    try:
        if member is None:
            member = identify_member(request.form.get("number", ""), request.form.get("pin", ""), "phone:/v")
        choices: list[Any] = [int(c) for c in request.form.getlist("choice") if c.isdigit()]
        ratings = {int(k[5:]): int(v) for k, v in request.form.items()
                   if k.startswith("rate_") and k[5:].isdigit() and v.isdigit()}
        results = run(polls.vote, db(), poll.id, member, choices, ratings)
    except NotAuthenticated as exc:
        return phone_page("poll.html", exc.status, poll=poll, member=None, voted=False, error=exc.message,
                          results=polls.results(db(), poll))
    except DomainError as exc:
        return phone_page("poll.html", exc.status, poll=poll, member=member, voted=exc.code == "voted",
                          error=exc.message, results=polls.results(db(), poll),
                          refused=exc.code in ("not_present", "no_vote"))
    resp = phone_page("poll.html", poll=poll, member=member, voted=True, thanks=True, results=results)
    if fresh:
        remember_phone(resp, member)
    return resp
