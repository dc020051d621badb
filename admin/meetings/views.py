"""Meetings, for admins and branch secretaries (within their branch): create a meeting, follow its
attendance sheet, correct it (a leave, a make-up sign-in, each with a reason), cancel it; the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import LOCAL, guard, me, parse_ids, parse_local
from screen_server.devices import services as devices
from screen_server.errors import Invalid
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.meetings import ledger as ledgers
from screen_server.meetings import services as meetings
from screen_server.meetings.models import MEETING_TYPE_LABELS
from screen_server.org import services as org
from screen_server.org.models import Role

bp = Blueprint("meetings", __name__)
guard(bp, Role.ADMIN, Role.SECRETARY)


@bp.get("/meetings")
def list_meetings() -> Any:
    return render_template(
        "admin/meetings/list.html",
        items=meetings.list_meetings(db(), me()),
        branches=org.visible_branches(db(), me()),
        rooms=devices.list_rooms(db()),
        types=MEETING_TYPE_LABELS,
        now=dt.datetime.now(LOCAL),
    )


@bp.post("/meetings")
def create_meeting() -> Any:
    f = request.form
    m = run(
        meetings.create_meeting,
        db(),
        runtime().settings,
        me(),
        title=f.get("title", ""),
        type=f.get("type", ""),
        branch_ids=parse_ids(f.getlist("branch_ids")),
        room_id=f.get("room_id", type=int) or None,
        starts_at=parse_local(f.get("starts_at"), _("开始时间")),
        ends_at=parse_local(f.get("ends_at"), _("结束时间")),
        host=f.get("host", ""),
        recorder=f.get("recorder", ""),
        agenda=f.get("agenda", ""),
    )
    flash(_("会议已创建，应到 {n} 人。").format(n=len(m.expected)), "ok")
    return redirect(url_for(".show_meeting", meeting_id=m.id))


@bp.get("/meetings/<int:meeting_id>")
def show_meeting(meeting_id: int) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    from screen_server.meetings import supervision

    return render_template(
        "admin/meetings/show.html",
        m=m,
        sheet=meetings.attendance_sheet(db(), m),
        type_label=MEETING_TYPE_LABELS[m.type],
        window=meetings.window_state(m, meetings.utcnow()),
        comments=supervision.comments_of(db(), m.id),
        rectifications=supervision.items_for_meeting(db(), m.id),
        today=dt.datetime.now(LOCAL).date(),
        is_overdue=supervision.is_overdue,
    )


@bp.get("/meetings/calendar")
def calendar() -> Any:
    """A month of meetings as a calendar (a secretary sees their branch's), with the previous and next
    months a tap away."""
    import calendar as cal

    today = dt.datetime.now(LOCAL).date()
    month = request.args.get("month", "")
    try:
        first = dt.date.fromisoformat(month + "-01") if month else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    branch_id = request.args.get("branch_id", type=int)
    items = meetings.list_meetings(db(), me(), start=dt.datetime.combine(first, dt.time(), LOCAL),
                                   end=dt.datetime.combine(following, dt.time(), LOCAL), branch_id=branch_id)
    by_day: dict[dt.date, list[Any]] = {}
    for m in sorted(items, key=lambda m: m.starts_at):
        by_day.setdefault(m.starts_at.astimezone(LOCAL).date(), []).append(m)
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return render_template("admin/meetings/calendar.html", weeks=weeks, first=first, by_day=by_day, today=today,
                           previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"),
                           branches=org.visible_branches(db(), me()), branch_id=branch_id, types=MEETING_TYPE_LABELS,
                           local=LOCAL)


@bp.get("/meetings/<int:meeting_id>/expected")
def edit_expected(meeting_id: int) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    branches = org.visible_branches(db(), me())
    people = {b.id: org.list_members(db(), me(), branch_id=b.id, limit=1000)[0] for b in branches}
    return render_template("admin/meetings/expected.html", m=m, branches=branches, people=people,
                           chosen={x.id for x in m.expected})


@bp.post("/meetings/<int:meeting_id>/expected")
def save_expected(meeting_id: int) -> Any:
    m = run(meetings.set_expected, db(), me(), meeting_id, parse_ids(request.form.getlist("member_ids")))
    flash(_("应到人员已更新：{n} 人。").format(n=len(m.expected)), "ok")
    return redirect(url_for(".show_meeting", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/correct")
def correct_attendance(meeting_id: int) -> Any:
    f = request.form
    member_id, reason = f.get("member_id", 0, type=int), f.get("reason", "")
    if f.get("action") == "leave":
        run(
            meetings.request_leave,
            db(),
            meeting_id=meeting_id,
            member_id=member_id,
            reason=reason,
            entered_by=me(),
        )
        flash(_("已登记请假。"), "ok")
    else:
        run(
            meetings.makeup_sign_in,
            db(),
            runtime().settings,
            me(),
            meeting_id=meeting_id,
            member_id=member_id,
            reason=reason,
            on_attended=runtime().attendance_hooks,
        )
        flash(_("已补签。"), "ok")
    return redirect(url_for(".show_meeting", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/cancel")
def cancel_meeting(meeting_id: int) -> Any:
    run(meetings.cancel_meeting, db(), me(), meeting_id)
    flash(_("会议已取消。"), "ok")
    return redirect(url_for(".list_meetings"))


@bp.get("/ledger")
def show_ledger() -> Any:
    today = dt.datetime.now(LOCAL).date()
    start = _date_arg("start", today.replace(month=1, day=1))
    end = _date_arg("end", today)
    branch_id = request.args.get("branch_id", type=int)
    rows = ledgers.ledger(db(), me(), branch_id=branch_id, start=start, end=end)
    return render_template(
        "admin/meetings/ledger.html",
        rows=rows,
        start=start,
        end=end,
        branch_id=branch_id,
        branches=org.visible_branches(db(), me()),
    )


def _date_arg(name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get(name) or default.isoformat())
    except ValueError:
        raise Invalid(_("日期格式不正确。")) from None

from admin.meetings import console as _console  # noqa: E402,F401  (its routes live on this blueprint)
from admin.meetings import supervision as _supervision  # noqa: E402,F401  (its routes live on this blueprint)
