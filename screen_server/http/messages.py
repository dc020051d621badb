"""The message wall from a phone: ``/w/<topic>`` (what the wall's QR opens). The page shows the topic,
a box to write in, the member's own messages with their status, and what is on the wall. A remembered
phone posts at once; others identify once with number and PIN, as for polls and sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from screen_server.errors import DomainError, NotAuthenticated
from screen_server.http.common import db, identify_member, run, runtime
from screen_server.http.phone import phone_page
from screen_server.http.signin import (
    remember_phone,
    remembered_member,
)
from screen_server.i18n import _
from screen_server.messages import services as messages
from screen_server.messages.models import MAX_TEXT, MessageTopic
from screen_server.org.models import Member

bp = Blueprint("messages", __name__)


def _page(topic: MessageTopic, member: Member | None, status: int = 200, **ctx: Any) -> Response:
    """The topic's page for ``member`` (None: not identified yet), with a fresh form unless told."""
    ctx.setdefault("client_id", messages.new_client_id())
    ctx.setdefault("text", "")
    mine = messages.own_messages(db(), topic.id, member.id) if member else []
    return phone_page("message_wall.html", status, scripts=True, topic=topic, member=member, max_text=MAX_TEXT,
                      mine=mine, label=messages.status_label, wall=messages.topic_data(db(), runtime().settings, topic),
                      **ctx)


@bp.get("/w/<int:topic_id>")
def show_topic(topic_id: int) -> Response:
    try:
        topic = messages.get_topic(db(), topic_id)
    except DomainError as exc:
        return phone_page("refused.html", 404, message=exc.message, heading=_("无法留言"))
    return _page(topic, remembered_member())


@bp.post("/w/<int:topic_id>")
def post_message(topic_id: int) -> Response:
    try:
        topic = messages.get_topic(db(), topic_id)
    except DomainError as exc:
        return phone_page("refused.html", 404, message=exc.message, heading=_("无法留言"))
    f = request.form
    kept = {"text": f.get("text", ""), "client_id": f.get("client_id", "")}  # a refused form keeps its text
    member = remembered_member()
    identified: Member | None = None
    try:
        if member is None:
            member = identified = identify_member(f.get("number", ""), f.get("pin", ""), "phone:/w")
        run(messages.post_message, db(), topic.id, member, kept["text"], client_id=kept["client_id"])
        resp = _page(topic, member, thanks=True)
    except NotAuthenticated as exc:
        return _page(topic, None, exc.status, error=exc.message, **kept)
    except DomainError as exc:
        resp = _page(topic, member, exc.status, error=exc.message, **kept)
    if identified is not None:  # remembered even when the message was refused: the next try needs no PIN
        remember_phone(resp, identified)
    return resp
