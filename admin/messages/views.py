"""留言墙, for admins and branch secretaries: open a topic on a room's wall, approve or reject what
members post (only approved messages reach the wall), take a message down, close the topic.

A secretary opens topics for their own branch and moderates only those; a topic open to every member
is moderated by admins (``screen_server.messages.services`` holds the rule). Every action is audited.

The moderation page keeps its 待审核 lists current by itself: ``static/queue.js`` asks ``pending.json``
every few seconds (same login, role and branch scope as the page) and adds or removes rows in place.
Nothing of the page depends on it; without JavaScript the page has a 刷新 link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf

from admin.web import guard, local_time, me
from screen_server.devices import services as devices
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.messages import services as messages
from screen_server.org import services as org
from screen_server.org.models import Role

bp = Blueprint("messages", __name__, url_prefix="/messages", static_folder="static", static_url_path="/static")
POLL_SECONDS = 3  # how often an open moderation page asks for its queue
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("")
def list_topics() -> Any:
    return render_template("admin/messages/list.html", queues=messages.queues(db(), me()),
                           rooms=devices.list_rooms(db()), branches=org.visible_branches(db(), me()),
                           label=messages.status_label, poll_ms=POLL_SECONDS * 1000)


@bp.get("/pending.json")
def pending_queue() -> Any:
    """The open topics the signed-in moderator moderates, with their counts and waiting messages (oldest
    first) as the page shows them, a form token for the rows' forms, and nothing else."""
    topics = [{
        "id": q.topic.id,
        "summary": counts_line(q.counts),
        "counts": q.counts,
        "pending": [{
            "id": m.id, "at": local_time(m.created_at, "%m-%d %H:%M"), "name": m.member.name,
            "branch": m.member.branch.short_name or m.member.branch.name, "text": m.text,
            "approve": url_for(".approve_message", message_id=m.id),
            "reject": url_for(".reject_message", message_id=m.id),
        } for m in q.pending],
    } for q in messages.pending_queues(db(), me())]
    resp = jsonify({"topics": topics, "csrf_token": generate_csrf()})
    resp.headers["Cache-Control"] = "no-store"
    return resp


def counts_line(counts: dict[str, int]) -> str:
    """待审核 2 条，已上墙 5 条，未通过 1 条 — the same words as the page."""
    return _("待审核 %(p)s 条，已上墙 %(a)s 条，未通过 %(r)s 条") % {
        "p": counts["pending"], "a": counts["approved"], "r": counts["rejected"]}


@bp.post("")
def open_topic() -> Any:
    f = request.form
    topic = run(messages.open_topic, db(), runtime().settings, me(), room_id=f.get("room_id", type=int),
                title=f.get("title", ""), branch_id=f.get("branch_id", type=int) or None)
    flash(_("留言墙“{t}”已开启，大屏显示二维码，党员扫码留言。").format(t=topic.title), "ok")
    return redirect(url_for(".list_topics"))


@bp.post("/<int:topic_id>/close")
def close_topic(topic_id: int) -> Any:
    topic = run(messages.close_topic, db(), runtime().settings, me(), topic_id)
    flash(_("留言墙“{t}”已结束。").format(t=topic.title), "ok")
    return redirect(url_for(".list_topics"))


@bp.post("/m/<int:message_id>/approve")
def approve_message(message_id: int) -> Any:
    message = run(messages.approve, db(), runtime().settings, me(), message_id)
    flash(_("留言已上墙。"), "ok")
    return redirect(url_for(".list_topics", _anchor=f"topic-{message.topic_id}"))


@bp.post("/m/<int:message_id>/reject")
def reject_message(message_id: int) -> Any:
    message = run(messages.reject, db(), runtime().settings, me(), message_id, request.form.get("reason", ""))
    flash(_("留言已设为未通过，大屏上不会显示。"), "ok")
    return redirect(url_for(".list_topics", _anchor=f"topic-{message.topic_id}"))
