"""Announcements, for admins: write one (now or at a Beijing time, optionally until a time) for chosen
rooms or all of them, list them with their state, withdraw one. The service pushes each change live to
the screens after its commit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me, parse_ids, parse_optional_local
from screen_server.announcements import services as announcements
from screen_server.announcements.models import AnnouncementStatus
from screen_server.devices import services as devices
from screen_server.http.common import db, run
from screen_server.i18n import _
from screen_server.org.models import Role

bp = Blueprint("announcements", __name__, url_prefix="/announcements")
guard(bp, Role.ADMIN)


@bp.get("")
def list_announcements() -> Any:
    items = announcements.list_announcements(db())
    return render_template("admin/announcements/list.html", items=items, rooms=devices.list_rooms(db()))


@bp.post("")
def create_announcement() -> Any:
    f = request.form
    a = run(
        announcements.create_announcement,
        db(),
        actor_user_id=me().id,
        title=f.get("title", ""),
        body=f.get("body", ""),
        level=f.get("level", "normal"),
        room_ids=parse_ids(f.getlist("room_ids")),
        publish_at=parse_optional_local(f.get("publish_at"), _("发布时间")),
        expires_at=parse_optional_local(f.get("expires_at"), _("截止时间")),
    )
    if a.status is AnnouncementStatus.PUBLISHED:
        flash(_("公告“{t}”已发布，屏幕上立即显示。").format(t=a.title), "ok")
    else:
        flash(_("公告“{t}”已排期，到发布时间后自动显示。").format(t=a.title), "ok")
    return redirect(url_for(".list_announcements"))


@bp.post("/<int:announcement_id>/withdraw")
def withdraw_announcement(announcement_id: int) -> Any:
    run(announcements.withdraw_announcement, db(), actor_user_id=me().id, announcement_id=announcement_id)
    flash(_("公告已撤回，各屏幕将立即不再显示。"), "ok")
    return redirect(url_for(".list_announcements"))
