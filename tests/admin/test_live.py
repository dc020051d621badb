"""Against a running server: the demo admin posts an announcement through the admin's form and a paired
kiosk's WebSocket client receives it; and the admin's pages in Chromium, with screenshots."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from screen_server import protocol
from screen_server.demo import DEMO_ROOM_SLUG, seed_demo
from screen_server.devices.models import DeviceRole, Room
from screen_server.runner import RoomServer
from tests.admin.conftest import csrf_of
from tests.helpers.browser import chromium
from tests.helpers.factories import make_device
from tests.helpers.ws import RoomClient


def _seed(server: RoomServer) -> str:
    with server.runtime.session_factory() as s:
        seed_demo(s, server.settings)
        room = s.scalar(select(Room).where(Room.slug == DEMO_ROOM_SLUG))
        assert room is not None
        _device, token = make_device(s, role=DeviceRole.WALL, room_id=room.id)
        s.commit()
    return token


def test_announcement_typed_in_the_admin_reaches_the_kiosk(server: RoomServer) -> None:
    token = _seed(server)
    web = requests.Session()
    base = server.http_url

    def login_and_post() -> int:
        csrf = csrf_of(web.get(f"{base}/admin/login", timeout=10).text)
        r = web.post(f"{base}/admin/login", data={"username": "admin", "password": "demo-admin-2026",
                                                  "csrf_token": csrf}, timeout=10, allow_redirects=False)
        assert r.status_code == 302
        csrf = csrf_of(web.get(f"{base}/admin/announcements", timeout=10).text)
        r = web.post(f"{base}/admin/announcements", data={"title": "今晚七点集中学习", "body": "请准时到活动室。",
                                                          "level": "important", "csrf_token": csrf},
                     timeout=10, allow_redirects=False)
        return r.status_code

    async def scenario() -> None:
        kiosk = await RoomClient.open(server.ws_url, device_token=token)
        assert kiosk.welcome["type"] == protocol.WELCOME
        assert await asyncio.to_thread(login_and_post) == 302
        msg = await kiosk.recv_type(protocol.ANNOUNCEMENT_PUBLISHED, timeout=1.0)  # within a second
        assert msg["announcement"]["title"] == "今晚七点集中学习"
        assert msg["announcement"]["level"] == "important"
        await kiosk.close()

    asyncio.run(scenario())


@pytest.mark.browser
def test_admin_pages_in_a_browser(server: RoomServer, artifacts_dir: Path) -> None:
    _seed(server)
    out = artifacts_dir / "admin"
    out.mkdir(exist_ok=True)
    with chromium() as browser:
        for label, viewport in [("laptop", {"width": 1366, "height": 900}), ("tablet", {"width": 820, "height": 1180})]:
            page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
            page.goto(server.http_url + "/admin/login")
            page.get_by_label("用户名").fill("admin")
            page.get_by_label("密码").fill("demo-admin-2026")
            page.get_by_role("button", name="登录").click()
            page.get_by_role("heading", name="概览").wait_for(timeout=10_000)
            for name, path in [("dashboard", "/admin/"), ("members", "/admin/members"), ("devices", "/admin/devices"),
                               ("announcements", "/admin/announcements"), ("meetings", "/admin/meetings"),
                               ("meeting", "/admin/meetings/1"), ("ledger", "/admin/ledger"),
                               ("import", "/admin/members/import")]:
                response = page.goto(server.http_url + path)
                assert response is not None and response.status == 200, path
                page.screenshot(path=str(out / f"{label}-{name}.png"), full_page=name != "members")
            page.context.close()
