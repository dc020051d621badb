"""Against a running server: the demo admin publishes and withdraws an announcement through the admin's
forms and a paired screen's WebSocket client receives both; and the admin's pages in Chromium at laptop
and tablet sizes, saved as screenshots under test-artifacts/admin/."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageDraw
from playwright.sync_api import Page
from sqlalchemy import select

from screen_server import protocol
from screen_server.demo import DEMO_ROOM_SLUG
from screen_server.devices import services as devices
from screen_server.devices.models import DeviceRole, Room
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN, csrf_of, roster
from tests.helpers.browser import chromium
from tests.helpers.factories import make_device
from tests.helpers.ws import RoomClient

WAIT = 5.0  # seconds: every wait on the network is bounded


def _seed(server: RoomServer) -> str:
    """The demo organisation and a paired wall in the demo room (with a preview); returns its token."""
    with server.runtime.session_factory() as s:
        room = s.scalar(select(Room).where(Room.slug == DEMO_ROOM_SLUG))
        assert room is not None
        device, token = make_device(s, role=DeviceRole.WALL, room_id=room.id, name="活动室大屏")
        devices.touch(s, device.id, version="0.1.0", screen="wall")
        devices.save_preview(s, server.settings, device, _fake_screenshot())
        s.commit()
    return token


def _fake_screenshot() -> bytes:
    img = Image.new("RGB", (640, 360), "#8e1414")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 640, 48), fill="#b71c1c")
    draw.rectangle((24, 80, 616, 330), fill="#fff7e6", outline="#f2c14e", width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _admin_session(base: str) -> requests.Session:
    web = requests.Session()
    csrf = csrf_of(web.get(f"{base}/admin/login", timeout=WAIT).text)
    data = {"username": ADMIN[0], "password": ADMIN[1], "csrf_token": csrf}
    r = web.post(f"{base}/admin/login", data=data, timeout=WAIT, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/admin/"
    return web


def _submit(web: requests.Session, base: str, action: str, data: dict[str, str]) -> int:
    """Post a form of the announcements page with the page's own CSRF token, as a browser does."""
    csrf = csrf_of(web.get(f"{base}/admin/announcements", timeout=WAIT).text)
    r = web.post(f"{base}{action}", data={**data, "csrf_token": csrf}, timeout=WAIT, allow_redirects=False)
    return r.status_code


@pytest.mark.usefixtures("demo_db")
def test_an_announcement_typed_in_the_admin_reaches_the_screen(server: RoomServer) -> None:
    token = _seed(server)
    base = server.http_url

    async def scenario() -> None:
        screen = await RoomClient.open(server.ws_url, device_token=token)
        assert screen.welcome["type"] == protocol.WELCOME and screen.snapshot
        web = await asyncio.to_thread(_admin_session, base)
        form = {"title": "今晚七点集中学习", "body": "请准时到活动室。", "level": "important"}
        assert await asyncio.to_thread(_submit, web, base, "/admin/announcements", form) == 302
        msg = await screen.recv_type(protocol.ANNOUNCEMENT_PUBLISHED, timeout=WAIT)
        assert msg["announcement"]["title"] == "今晚七点集中学习"
        assert msg["announcement"]["level"] == "important"
        page = await asyncio.to_thread(lambda: web.get(f"{base}/admin/announcements", timeout=WAIT).text)
        match = re.search(r'action="(/admin/announcements/(\d+)/withdraw)"', page)
        assert match and int(match.group(2)) == msg["announcement"]["id"]
        assert await asyncio.to_thread(_submit, web, base, match.group(1), {}) == 302
        gone = await screen.recv_type(protocol.ANNOUNCEMENT_WITHDRAWN, timeout=WAIT)
        assert gone["id"] == msg["announcement"]["id"]
        await screen.close()

    asyncio.run(scenario())


SIZES = [("laptop", {"width": 1366, "height": 900}), ("tablet", {"width": 820, "height": 1180})]
PAGES = [
    ("dashboard", "/admin/"),
    ("members", "/admin/members"),
    ("member", "/admin/members/1"),
    ("devices", "/admin/devices"),
    ("announcements", "/admin/announcements"),
    ("meetings", "/admin/meetings"),
    ("meeting", "/admin/meetings/1"),
    ("ledger", "/admin/ledger"),
    ("audit", "/admin/audit"),
]


@pytest.mark.browser
@pytest.mark.usefixtures("demo_db")
def test_admin_pages_in_a_browser(server: RoomServer, artifacts_dir: Path, tmp_path: Path) -> None:
    _seed(server)
    out = artifacts_dir / "admin"
    out.mkdir(exist_ok=True)
    bad_roster = tmp_path / "花名册.xlsx"
    bad_roster.write_bytes(
        roster(
            ["党员编号", "姓名", "性别", "所在支部"],
            ["X0001", "李新", "男", "机关第一党支部"],
            ["X0002", "", "女", "机关第一党支部"],
            ["X0003", "王五", "未知", "不存在的支部"],
        )
    )
    with chromium() as browser:
        for label, viewport in SIZES:
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            _tour(context.new_page(), server.http_url, out, label, bad_roster)
            context.close()


def _tour(page: Page, base: str, out: Path, label: str, bad_roster: Path) -> None:
    """Sign in through the form, visit every page, check a roster, and dismiss a confirmation."""
    page.goto(base + "/admin/")
    page.screenshot(path=str(out / f"{label}-login.png"))
    page.get_by_label("用户名").fill(ADMIN[0])
    page.get_by_label("密码").fill(ADMIN[1])
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="概览").wait_for(timeout=10_000)
    for name, path in PAGES:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.screenshot(path=str(out / f"{label}-{name}.png"), full_page=name not in ("members", "audit"))
    page.goto(base + "/admin/devices")
    preview = page.locator("img[data-preview]").first
    assert preview.evaluate("i => i.complete && i.naturalWidth") == 640  # the screen's own screenshot
    page.goto(base + "/admin/members/import")
    page.set_input_files("#file", str(bad_roster))
    page.get_by_role("button", name="检查文件").click()
    page.get_by_text("以下").wait_for(timeout=10_000)
    page.screenshot(path=str(out / f"{label}-import-report.png"), full_page=True)
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.goto(base + "/admin/announcements")
    page.get_by_role("button", name="撤回").first.click()  # dismissed: the form is not sent
    assert asked and "确定撤回" in asked[0] and "公告已撤回" not in page.content()
