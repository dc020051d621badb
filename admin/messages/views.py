"""留言墙, for admins and branch secretaries: open a topic on a room's wall, approve or reject what
members post (only approved messages reach the wall), take a message down, close the topic.

A secretary opens topics for their own branch and moderates only those; a topic open to every member
is moderated by admins (``screen_server.messages.services`` holds the rule). Every action is audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me
from screen_server.devices import services as devices
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.messages import services as messages
from screen_server.org import services as org
from screen_server.org.models import Role

bp = Blueprint("messages", __name__, url_prefix="/messages")
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("")
def list_topics() -> Any:
    return render_template("admin/messages/list.html", queues=messages.queues(db(), me()),
                           rooms=devices.list_rooms(db()), branches=org.visible_branches(db(), me()),
                           label=messages.status_label)


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
