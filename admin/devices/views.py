"""Screens and rooms, for admins: approve a screen by the six-digit code it shows, list the screens with
their state and live preview, ask a screen for a fresh preview, move, rename or revoke it; add rooms.

Pending screens are counted but their codes are not listed here: the code proves that whoever approves
is standing at that screen.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for

from admin.labels import screen_label
from admin.web import guard, me
from screen_server import __version__
from screen_server.devices import services as devices
from screen_server.devices.models import DeviceStatus
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.offline import services as offline
from screen_server.org.models import Role

bp = Blueprint("devices", __name__, url_prefix="/devices")
guard(bp, Role.ADMIN)


@bp.get("")
def list_devices() -> Any:
    everything = devices.list_devices(db())
    settings = runtime().settings
    items = [(d, devices.is_online(d, settings)) for d in everything if d.status is DeviceStatus.APPROVED]
    pending = sum(d.status is DeviceStatus.PENDING for d in everything)
    return render_template(
        "admin/devices/list.html",
        items=items,
        pending=pending,
        rooms=devices.list_rooms(db()),
        screen_label=screen_label,
        is_behind=devices.is_behind,
        is_clock_skewed=devices.is_clock_skewed,
        server_version=__version__,
        conflicts=offline.count_conflicts(db()),
    )


@bp.get("/conflicts")
def list_conflicts() -> Any:
    """离线冲突: what terminals queued while the server was down and the server then refused."""
    return render_template("admin/devices/conflicts.html", conflicts=offline.list_conflicts(db()))


@bp.post("/approve")
def approve_device() -> Any:
    f = request.form
    d = run(
        devices.approve_pairing,
        db(),
        actor_user_id=me().id,
        code=f.get("code", ""),
        room_id=f.get("room_id", 0, type=int),
        role=f.get("role", ""),
        name=f.get("name", ""),
    )
    flash(_("设备“{n}”已通过审核，屏幕将自动进入主页。").format(n=d.name), "ok")
    return redirect(url_for(".list_devices"))


@bp.post("/<int:device_id>")
def update_device(device_id: int) -> Any:
    f = request.form
    run(
        devices.update_device,
        db(),
        actor_user_id=me().id,
        device_id=device_id,
        room_id=f.get("room_id", 0, type=int),
        role=f.get("role", ""),
        name=f.get("name", ""),
    )
    flash(_("设备信息已保存。"), "ok")
    return redirect(url_for(".list_devices"))


@bp.post("/<int:device_id>/revoke")
def revoke_device(device_id: int) -> Any:
    run(devices.revoke_device, db(), actor_user_id=me().id, device_id=device_id)
    flash(_("设备已停用，需重新配对才能使用。"), "ok")
    return redirect(url_for(".list_devices"))


@bp.post("/<int:device_id>/preview")
def request_preview(device_id: int) -> Any:
    run(devices.request_preview, db(), actor_user_id=me().id, device_id=device_id)
    flash(_("已请求设备发送最新画面，几秒后会自动显示。"), "ok")
    return redirect(url_for(".list_devices", _anchor=f"device-{device_id}"))


@bp.get("/<int:device_id>/preview.png")
def show_preview(device_id: int) -> Response:
    """The screen's latest screenshot; never cached, so a reload shows the newest."""
    path = devices.preview_path(runtime().settings, device_id)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="image/png", max_age=0, conditional=False, etag=False)
    resp.headers["Cache-Control"] = "no-store, no-cache, must-revalidate"
    return resp


@bp.post("/rooms")
def create_room() -> Any:
    f = request.form
    run(
        devices.create_room,
        db(),
        actor_user_id=me().id,
        name=f.get("name", ""),
        slug=f.get("slug", ""),
        location=f.get("location", ""),
    )
    flash(_("活动室已添加。"), "ok")
    return redirect(url_for(".list_devices"))


@bp.post("/rooms/<int:room_id>/wall-key")
def replace_wall_key(room_id: int) -> Any:
    room = run(devices.replace_wall_key, db(), room_id, actor_user_id=me().id)
    flash(_("“{name}”的网页版大屏已更换密钥：旧地址立即失效，请在电视浏览器中打开新地址（见“屏幕”页）。").format(
        name=room.name), "ok")
    return redirect(url_for(".list_devices", _anchor="rooms"))
