"""End to end: a kiosk under Xvfb pairs with a live demo-style server (auto-approval on), shows an
announcement published through the server's own service, and sends its preview."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from screen_server.announcements.services import create_announcement
from screen_server.config import Settings
from screen_server.devices.services import preview_path
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from tests.helpers.factories import make_room, make_user

pytestmark = pytest.mark.kiosk


def test_a_paired_kiosk_shows_an_announcement_published_on_the_server(settings: Settings, kiosk: Any) -> None:
    settings = dataclasses.replace(settings, auto_approve_room="e2e-room")
    server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    try:
        with server.runtime.session_factory() as s:
            admin_id = make_user(s).id
            room_id = make_room(s, slug="e2e-room", name="党员活动室（端到端）").id
            s.commit()
        k = kiosk(server=server.http_url, offline=False)
        k.until(lambda: k.app.sm.current == "home" and k.app.connection == "up", timeout=15)
        assert k.app.room_name == "党员活动室（端到端）"
        assert k.app.store.token

        with server.runtime.session_factory() as s:
            create_announcement(
                s,
                actor_user_id=admin_id,
                title="端到端测试公告",
                body="由服务器的服务发布。",
                level="important",
                room_ids=[room_id],
            )
            s.commit()
        k.until(lambda: k.app.latest_title == "端到端测试公告", timeout=10)
        k.tap(k.find(k.screen(), "Tile", key="announcements"))
        assert k.app.announcement_rows[0]["title"] == "端到端测试公告"
        k.screenshot("live-announcements")

        device_id = k.app.state.device["id"]
        k.app.send_preview()
        png = k.until(
            lambda: (
                preview_path(settings, device_id).is_file() and preview_path(settings, device_id).read_bytes()
            ),
            timeout=10,
        )
        assert png.startswith(b"\x89PNG")
    finally:
        server.stop()
