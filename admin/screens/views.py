"""What each screen shows, for admins: a screen's plan (idle loop, timed panels, automatic switches)
with a preview of the next half hour and its live picture, a manual switch, and emergency messages
that override every chosen screen until withdrawn. Every change reaches the screens at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin.web import guard, me, parse_ids
from content.models import Item, ItemKind, ReviewStatus
from screen_server.devices import services as devices
from screen_server.devices.models import Device
from screen_server.errors import NotFound
from screen_server.http.common import db, run, runtime
from screen_server.http.wall import display_key
from screen_server.i18n import _
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Role
from screen_server.screens import services as screens

bp = Blueprint("screens", __name__, url_prefix="/screens")
guard(bp, Role.ADMIN)
LOOP_ROWS, SLOT_ROWS = 8, 4
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


def _device(device_id: int) -> Device:
    device = db().get(Device, device_id)
    if device is None:
        raise NotFound(_("设备不存在。"))
    return device


def timeline(schedule: dict[str, Any], start: dt.datetime, minutes: int = 30) -> list[tuple[str, str]]:
    """What the screen will show over the next ``minutes`` (timed panels first, else the loop in turn)."""
    out: list[tuple[str, str]] = []
    at, end, index = start, start + dt.timedelta(minutes=minutes), 0
    loop = schedule["loop"] or screens.DEFAULT_LOOP
    while at < end and len(out) < 40:
        hm = at.strftime("%H:%M")
        slot = next((s for s in schedule["slots"] if at.weekday() in s["days"] and s["start"] <= hm < s["end"]), None)
        if slot is not None:
            label, seconds = _("定时：") + screens.SHOWS[slot["show"]], 60
        else:
            entry = loop[index % len(loop)]
            index += 1
            label = entry.get("title") or screens.SHOWS[entry["show"]]
            seconds = int(entry["seconds"])
        if not out or out[-1][1] != label:
            out.append((at.strftime("%H:%M:%S"), label))
        at += dt.timedelta(seconds=seconds)
    return out


@bp.get("/<int:device_id>")
def show_screen(device_id: int) -> Any:
    device = _device(device_id)
    schedule = screens.schedule_of(db(), device.id)
    items = db().scalars(select(Item).where(Item.status == ReviewStatus.PUBLISHED,
                                            Item.kind.in_([ItemKind.POSTER, ItemKind.VIDEO])).order_by(Item.title)).all()
    return render_template(
        "admin/screens/show.html", d=device, online=devices.is_online(device, runtime().settings),
        schedule=schedule, loop_rows=schedule["loop"] + [{}] * max(0, LOOP_ROWS - len(schedule["loop"])),
        slot_rows=schedule["slots"] + [{}] * max(0, SLOT_ROWS - len(schedule["slots"])), items=items,
        shows=screens.SHOWS, overrides=screens.OVERRIDES, override=screens.override_of(db(), device.id),
        weekdays=WEEKDAYS, timeline=timeline(schedule, dt.datetime.now(LOCAL_TZ)),
        web_wall=url_for("wall_page.wall", slug=device.room.slug,
                         key=display_key(runtime().settings.secret_key, device.room.slug,
                                         device.room.wall_key_generation), _external=True)
        if device.room else "")


@bp.post("/<int:device_id>/schedule")
def save_schedule(device_id: int) -> Any:
    f = request.form
    loop = [{"show": show, "item_id": f.get(f"loop-{i}-item") or None, "seconds": f.get(f"loop-{i}-seconds")}
            for i in range(LOOP_ROWS) if (show := f.get(f"loop-{i}-show"))]
    slots = [{"show": show, "start": f.get(f"slot-{i}-start"), "end": f.get(f"slot-{i}-end"),
              "days": f.getlist(f"slot-{i}-days")} for i in range(SLOT_ROWS) if (show := f.get(f"slot-{i}-show"))]
    run(screens.set_schedule, db(), device_id, loop=loop, slots=slots, auto_signin=f.get("auto_signin") == "on",
        auto_contest=f.get("auto_contest") == "on", actor_user_id=me().id)
    flash(_("播放计划已保存，屏幕将在一秒内按新计划显示。"), "ok")
    return redirect(url_for(".show_screen", device_id=device_id))


@bp.post("/<int:device_id>/switch")
def switch(device_id: int) -> Any:
    show = request.form.get("show") or None
    run(screens.set_override, db(), device_id, show, actor_user_id=me().id)
    flash(_("已切换，屏幕将在一秒内显示。") if show else _("已恢复按计划播放。"), "ok")
    return redirect(url_for(".show_screen", device_id=device_id))


@bp.get("/emergency")
def list_emergencies() -> Any:
    return render_template("admin/screens/emergency.html", items=screens.list_emergencies(db()),
                           rooms=devices.list_rooms(db()),
                           screens=[d for d in devices.list_devices(db()) if d.status.value == "approved"])


@bp.post("/emergency")
def create_emergency() -> Any:
    f = request.form
    run(screens.create_emergency, db(), title=f.get("title", ""), body=f.get("body", ""),
        room_ids=parse_ids(f.getlist("room_ids")), device_ids=parse_ids(f.getlist("device_ids")),
        actor_user_id=me().id)
    flash(_("紧急通知已发出，所选活动室的屏幕立即全屏显示，直到撤回。"), "ok")
    return redirect(url_for(".list_emergencies"))


@bp.post("/emergency/<int:emergency_id>/withdraw")
def withdraw_emergency(emergency_id: int) -> Any:
    run(screens.withdraw_emergency, db(), emergency_id, actor_user_id=me().id)
    flash(_("紧急通知已撤回，屏幕恢复正常显示。"), "ok")
    return redirect(url_for(".list_emergencies"))
