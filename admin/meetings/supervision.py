"""督导 pages on the meetings blueprint: the committee's admin comments on a meeting and orders a
correction (整改) with a deadline; the branch's secretary answers and marks it done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for

from admin.meetings.views import bp
from admin.web import LOCAL, me
from screen_server.errors import Invalid
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.meetings import services as meetings
from screen_server.meetings import supervision


def _back(meeting_id: int) -> Any:
    return redirect(url_for(".show_meeting", meeting_id=meeting_id) + "#supervision")


@bp.post("/meetings/<int:meeting_id>/comments")
def add_comment(meeting_id: int) -> Any:
    run(supervision.comment, db(), me(), meeting_id, request.form.get("body", ""))
    flash(_("督导意见已发送。"), "ok")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/rectifications")
def issue_rectification(meeting_id: int) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    try:
        deadline = dt.date.fromisoformat(request.form.get("deadline", ""))
    except ValueError:
        raise Invalid(_("请填写整改期限。")) from None
    run(supervision.issue, db(), me(), branch_id=m.branches[0].id, title=request.form.get("title", ""),
        deadline=deadline, today=dt.datetime.now(LOCAL).date(), meeting_id=m.id)
    flash(_("整改事项已下达。"), "ok")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/rectifications/<int:item_id>/answer")
def answer_rectification(meeting_id: int, item_id: int) -> Any:
    run(supervision.answer, db(), me(), item_id, text=request.form.get("answer", ""),
        done=request.form.get("done") == "on")
    flash(_("整改情况已提交。"), "ok")
    return _back(meeting_id)
