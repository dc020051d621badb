"""Devices page: approve a screen by its code, the list with state, last seen (Beijing time), version
and preview, a fresh preview on request, edit, revoke; rooms. Admins only."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.devices import services as devices
from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
from screen_server.http.wall import display_key
from tests.admin.forms import ADMIN, login, post
from tests.helpers.factories import make_device

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _room(s: Session) -> Room:
    room = s.scalar(select(Room).order_by(Room.id))
    assert room is not None
    return room


def _actions(s: Session) -> set[str]:
    s.expire_all()
    return set(s.scalars(select(AuditEntry.action)))


def test_approval_by_the_code_on_the_screen(client: FlaskClient, demo: Session) -> None:
    body = client.post("/api/devices/pairing", json={"mode": "terminal", "name": "二楼终端"}).get_json()
    login(client, *ADMIN)
    page = client.get("/admin/devices").get_data(as_text=True)
    assert (
        "1 台设备正在等待配对" in page and body["pairing_code"] not in page
    )  # the code is read at the screen
    data = {"code": body["pairing_code"], "room_id": _room(demo).id, "role": "wall", "name": "大厅大屏"}
    r = post(client, "/admin/devices/approve", data, page="/admin/devices")
    assert r.status_code == 302
    device = demo.scalar(select(Device).where(Device.name == "大厅大屏"))
    assert device is not None and device.status is DeviceStatus.APPROVED and device.role is DeviceRole.WALL
    assert "device.approve" in _actions(demo)
    page = client.get("/admin/devices").get_data(as_text=True)
    assert "大厅大屏" in page and "离线" in page and "暂无预览" in page and "从未连接" in page
    wrong = post(client, "/admin/devices/approve", {"code": "000000", "room_id": 1, "role": "terminal"})
    assert wrong.status_code == 404 and "没有找到配对码为 000000" in wrong.get_data(as_text=True)


def test_the_list_shows_state_last_seen_version_and_preview(
    as_admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    device, _token = make_device(demo, name="一楼终端", room_id=_room(demo).id)
    device.last_seen_at = dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
    device.version, device.screen = "1.4.2", "home"
    demo.commit()
    page = as_admin.get("/admin/devices").get_data(as_text=True)
    assert "一楼终端" in page and "离线" in page and "2026-03-01 09:30" in page and "1.4.2" in page
    assert as_admin.get(f"/admin/devices/{device.id}/preview.png").status_code == 404
    devices.touch(demo, device.id, version="1.4.3")
    devices.save_preview(demo, settings, device, PNG)
    demo.commit()
    page = as_admin.get("/admin/devices").get_data(as_text=True)
    assert "在线" in page and f"/admin/devices/{device.id}/preview.png?v=" in page
    r = as_admin.get(f"/admin/devices/{device.id}/preview.png")
    assert r.status_code == 200 and r.mimetype == "image/png" and r.data == PNG
    assert "no-store" in r.headers["Cache-Control"]


def test_preview_refresh_edit_and_revoke_are_audited(as_admin: FlaskClient, demo: Session) -> None:
    device, _token = make_device(demo, name="旧名称", room_id=_room(demo).id)
    demo.commit()
    r = post(as_admin, f"/admin/devices/{device.id}/preview", {})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#device-{device.id}")
    data = {"name": "会议室大屏", "room_id": _room(demo).id, "role": "wall"}
    assert post(as_admin, f"/admin/devices/{device.id}", data).status_code == 302
    demo.expire_all()
    assert device.name == "会议室大屏" and device.role is DeviceRole.WALL
    assert post(as_admin, f"/admin/devices/{device.id}/revoke", {}).status_code == 302
    demo.expire_all()
    assert device.status is DeviceStatus.REVOKED and device.token_digest is None
    assert "会议室大屏" not in as_admin.get("/admin/devices").get_data(as_text=True)
    assert {"device.update", "device.revoke"} <= _actions(demo)


def test_rooms_are_created_here(as_admin: FlaskClient, demo: Session) -> None:
    r = post(as_admin, "/admin/devices/rooms", {"name": "二楼活动室", "slug": "room-2", "location": "二楼"})
    assert r.status_code == 302
    assert "二楼活动室" in as_admin.get("/admin/devices").get_data(as_text=True)
    assert "room.create" in _actions(demo)
    dup = post(as_admin, "/admin/devices/rooms", {"name": "重复", "slug": "room-2"})
    assert dup.status_code == 400 and "已被使用" in dup.get_data(as_text=True)


def test_secretaries_cannot_touch_devices(
    as_secretary: FlaskClient, demo: Session, settings: Settings
) -> None:
    device, _token = make_device(demo, room_id=_room(demo).id)
    devices.save_preview(demo, settings, device, PNG)
    demo.commit()
    assert as_secretary.get(f"/admin/devices/{device.id}/preview.png").status_code == 403
    assert post(as_secretary, f"/admin/devices/{device.id}/revoke", {}).status_code == 403
    demo.expire_all()
    assert device.status is DeviceStatus.APPROVED


def test_signed_out_preview_is_refused(client: FlaskClient, demo: Session) -> None:
    r = client.get("/admin/devices/1/preview.png")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]


def test_replacing_a_rooms_wall_key_ends_the_old_key_and_every_cookie_got_with_it(
    as_admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    room = _room(demo)
    tv = as_admin.application.test_client()
    old_key = display_key(settings.secret_key, room.slug, room.wall_key_generation)
    assert tv.get(f"/wall/{room.slug}?key={old_key}").status_code == 303
    assert tv.get(f"/wall/{room.slug}").status_code == 200

    assert "更换网页大屏密钥" in as_admin.get("/admin/devices").get_data(as_text=True)
    answer = post(as_admin, f"/admin/devices/rooms/{room.id}/wall-key", {}, page="/admin/devices")
    assert answer.status_code == 302 and "已更换密钥" in as_admin.get("/admin/devices").get_data(as_text=True)

    assert tv.get(f"/wall/{room.slug}").status_code == 404  # the TV's cookie no longer opens the wall
    assert tv.get(f"/wall/{room.slug}/ticket").status_code == 404
    stranger = as_admin.application.test_client()
    assert stranger.get(f"/wall/{room.slug}?key={old_key}").status_code == 404
    demo.refresh(room)
    new_key = display_key(settings.secret_key, room.slug, room.wall_key_generation)
    assert new_key != old_key and new_key in _screen_page_of_room(as_admin, demo, room)
    assert stranger.get(f"/wall/{room.slug}?key={new_key}").status_code == 303
    assert stranger.get(f"/wall/{room.slug}").status_code == 200
    assert "room.wall_key_replaced" in _actions(demo)


def test_a_secretary_cannot_replace_a_wall_key(as_secretary: FlaskClient, demo: Session) -> None:
    room = _room(demo)
    answer = post(as_secretary, f"/admin/devices/rooms/{room.id}/wall-key", {})
    assert answer.status_code in (302, 403) and "room.wall_key_replaced" not in _actions(demo)
    demo.refresh(room)
    assert room.wall_key_generation == 0


def _screen_page_of_room(client: FlaskClient, s: Session, room: Room) -> str:
    device, _token = make_device(s, DeviceRole.WALL, room_id=room.id)
    s.commit()
    return client.get(f"/admin/screens/{device.id}").get_data(as_text=True)
