"""The meeting console and the 台账 record, for an admin or the meeting's branch secretary: sign-in
close/reopen, the wall's steps, the meeting's ballots (open, close, reveal), minutes, decisions and
photos, "held", the printable record, and the templates. Routes on the meetings blueprint."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import flash, redirect, render_template, request, url_for

from admin.meetings.views import bp
from admin.web import me, parse_local
from screen_server.devices import services as devices
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.meetings import console, minutes, quorum, templates
from screen_server.meetings import services as meetings
from screen_server.meetings.models import MEETING_TYPE_LABELS
from screen_server.org import services as org
from screen_server.polls import services as polls


def _host() -> console.Host:
    return console.Host(user=me(), ip=request.remote_addr or "")


def _back(meeting_id: int) -> Any:
    return redirect(url_for(".show_console", meeting_id=meeting_id))


@bp.get("/meetings/<int:meeting_id>/console")
def show_console(meeting_id: int) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    page = console.console_page(db(), runtime().settings, m)
    return render_template("admin/meetings/console.html", **page, rules=quorum.RULES, forms=polls.FORMS,
                           host_code=console.host_code(runtime().settings.secret_key, m.id))


@bp.post("/meetings/<int:meeting_id>/signin/close")
def close_signin(meeting_id: int) -> Any:
    run(console.close_signin, db(), runtime().settings, _host(), meeting_id)
    flash(_("签到已关闭，大屏退出签到页面。"), "ok")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/signin/reopen")
def reopen_signin(meeting_id: int) -> Any:
    run(console.reopen_signin, db(), runtime().settings, _host(), meeting_id, reason=request.form.get("reason", ""),
        minutes=request.form.get("minutes", 15, type=int))
    flash(_("签到已重新开放。"), "ok")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/console/step")
def console_step(meeting_id: int) -> Any:
    f = request.form
    run(console.set_step, db(), runtime().settings, _host(), meeting_id, f.get("step", ""),
        f.get("ref", type=int) or None)
    flash(_("大屏已切换。") if f.get("step") != "end" else _("大屏已回到日常轮播。"), "ok")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/ballots")
def create_ballot(meeting_id: int) -> Any:
    f = request.form
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    poll = run(polls.create_poll, db(), title=f.get("title", ""), kind=f.get("kind", "single"),
               options=f.get("options", "").splitlines(), form=f.get("form", "question"), meeting_id=m.id,
               anonymous=f.get("anonymous") == "on", requires_vote=f.get("requires_vote") == "on",
               hide_results=f.get("hide_results") == "on", actor_user_id=me().id, open_now=False)
    flash(_("表决“{t}”已准备好；在“大屏显示”中选择它即开始表决（须达到法定人数）。").format(t=poll.title), "ok")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/ballots/<int:poll_id>/<action>")
def ballot_action(meeting_id: int, poll_id: int, action: str) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    poll = polls.get_poll(db(), poll_id)
    if poll.meeting_id != m.id:
        return _back(meeting_id)
    steps = {"close": polls.close_poll, "reveal": polls.reveal_poll, "open": polls.open_poll}
    if action in steps:
        run(steps[action], db(), poll.id, actor_user_id=me().id)
        if action == "reveal":
            run(console.push, db(), runtime().settings, m)
        flash({"close": _("表决已结束。"), "reveal": _("结果已在大屏公布。"), "open": _("表决已开始。")}[action], "ok")
    return _back(meeting_id)


@bp.get("/meetings/<int:meeting_id>/minutes")
def edit_minutes(meeting_id: int) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    return render_template("admin/meetings/minutes.html", m=m, photos=minutes.photos_of(db(), m.id),
                           html=minutes.minutes_html(m), settings=runtime().settings, photo_path=console.photo_path)


@bp.post("/meetings/<int:meeting_id>/minutes")
def save_minutes(meeting_id: int) -> Any:
    run(minutes.save_minutes, db(), me(), meeting_id, minutes=request.form.get("minutes", ""),
        decisions=request.form.get("decisions", ""))
    flash(_("会议记录已保存。"), "ok")
    return redirect(url_for(".edit_minutes", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/photos")
def add_photo(meeting_id: int) -> Any:
    upload = request.files.get("photo")
    if upload is not None and not upload.filename:
        upload = None  # the form was sent without a photo chosen
    run(minutes.add_photo, db(), runtime().settings, me(), meeting_id,
        cast("BinaryIO | None", upload.stream if upload else None),
        filename=upload.filename or "" if upload else "", caption=request.form.get("caption", ""))
    flash(_("照片已上传。"), "ok")
    return redirect(url_for(".edit_minutes", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/held")
def mark_held(meeting_id: int) -> Any:
    run(minutes.mark_held, db(), me(), meeting_id)
    flash(_("会议已标记为已召开。"), "ok")
    return redirect(url_for(".edit_minutes", meeting_id=meeting_id))


@bp.get("/meetings/<int:meeting_id>/record")
def print_record(meeting_id: int) -> Any:
    from screen_server.meetings import ledger as ledgers

    m = meetings.get_meeting_for(db(), me(), meeting_id)
    row = ledgers.meeting_row(db(), m)
    return render_template("admin/meetings/record.html", m=m, row=row, html=minutes.minutes_html(m),
                           type_label=MEETING_TYPE_LABELS[m.type], photos=minutes.photos_of(db(), m.id),
                           settings=runtime().settings, photo_path=console.photo_path)


@bp.get("/meetings/templates")
def list_templates() -> Any:
    return render_template("admin/meetings/templates.html", items=templates.all_templates(db()),
                           attendees=templates.ATTENDEES, rules=quorum.RULES,
                           branches=org.visible_branches(db(), me()), rooms=devices.list_rooms(db()))


@bp.post("/meetings/templates/<mtype>")
def save_template(mtype: str) -> Any:
    f = request.form
    run(templates.save_template, db(), me(), mtype, agenda=f.get("agenda", ""), attendees=f.get("attendees", ""),
        quorum_rule=f.get("quorum_rule", ""), cadence_days=f.get("cadence_days", 0, type=int),
        duration_minutes=f.get("duration_minutes", 90, type=int))
    flash(_("模板已保存。"), "ok")
    return redirect(url_for(".list_templates"))


@bp.post("/meetings/from-template")
def create_from_template() -> Any:
    f = request.form
    m = run(templates.create_from_template, db(), runtime().settings, me(), type=f.get("type", ""),
            branch_id=f.get("branch_id", 0, type=int), starts_at=parse_local(f.get("starts_at"), _("开始时间")),
            title=f.get("title", ""), room_id=f.get("room_id", type=int) or None, host=f.get("host", ""),
            recorder=f.get("recorder", ""), group_id=f.get("group_id", type=int) or None)
    flash(_("已按模板创建会议，应到 {n} 人。").format(n=len(m.expected)), "ok")
    return redirect(url_for(".show_console", meeting_id=m.id))
