"""The acceptance test of meeting sign-in by QR, end to end: a demo server; a wall kiosk (in this process,
under Xvfb) that switches to the demo meeting's sign-in screen by itself; the QR decoded from the wall's
own screenshot; a phone (headless Chromium at a phone's size) that opens it and signs in as a demo
member; and the wall's next screenshot showing the new count and the (masked) name.

Screenshots: test-artifacts/e2e/{1-wall-before,2-phone-form,3-phone-signed-in,4-wall-after}.png.
Playwright's sync API runs on a worker thread (all of its life on that one thread) while the main
thread keeps pumping Kivy frames.
"""

from __future__ import annotations

import concurrent.futures
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from screen_server.demo import MEMBER_PIN
from screen_server.meetings.models import Attendance, SignInMethod
from screen_server.org.models import Member
from screen_server.org.services import mask_name
from screen_server.runner import RoomServer
from tests.helpers.browser import PHONE, chromium

pytestmark = [pytest.mark.kiosk, pytest.mark.browser]
NUMBER = "D0001"
PHONE_WAIT_MS = 20_000


def decode(path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(path))]


def shoot(kiosk: Any, path: Path) -> Path:
    kiosk.frames(2)
    kiosk.app.save_screenshot(path)
    return path


def sign_in_on_a_phone(url: str, shots: Path) -> str:
    """Open the scanned URL at a phone's size, sign in as a demo member; return the page's text."""
    with chromium() as browser:
        page = browser.new_context(**PHONE, locale="zh-CN").new_page()
        page.goto(url)
        page.locator("#number").wait_for(timeout=PHONE_WAIT_MS)
        page.locator("#number").fill(NUMBER)
        page.locator("#pin").fill(MEMBER_PIN)
        page.screenshot(path=str(shots / "2-phone-form.png"), full_page=True)
        page.get_by_role("button", name="签到", exact=True).click()
        page.get_by_text("签到成功").first.wait_for(timeout=PHONE_WAIT_MS)
        page.screenshot(path=str(shots / "3-phone-signed-in.png"), full_page=True)
        return page.inner_text("body")


def test_a_phone_signs_in_from_the_walls_qr_and_the_wall_shows_it(
    demo_server: RoomServer, kiosk: Any, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    with demo_server.runtime.session_factory() as s:
        name = s.scalar(select(Member.name).where(Member.number == NUMBER))
    assert name

    wall = kiosk(mode="wall", server=demo_server.http_url, offline=False, size=(1920, 1080))
    wall.until(
        lambda: wall.app.sm.current == "signin_wall" and wall.app.board.qr_texture is not None, timeout=20
    )
    assert wall.app.board.title == "学习贯彻党的二十届四中全会精神专题支部党员大会"
    assert wall.app.board.signed == "0" and int(wall.app.board.expected) > 0
    meeting_id = wall.app.state.signin["meeting"]["id"]
    before = shoot(wall, shots / "1-wall-before.png")
    assert wall.screen().ids.qr.side >= 0.4 * 1080

    [url] = decode(before)
    assert url.startswith(f"{demo_server.http_url}/s/") and "?t=" in url

    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="phone") as pool:
        phone = pool.submit(sign_in_on_a_phone, url, shots)
        wall.until(phone.done, timeout=60)  # the wall keeps drawing (and receiving) meanwhile
        page_text = phone.result()
    assert "签到成功" in page_text and name in page_text

    masked = mask_name(name)
    wall.until(
        lambda: (
            wall.app.board.signed == "1"
            and wall.app.board.names[:1] == [{**wall.app.board.names[0], "name": masked}]
        ),
        timeout=10,
    )
    screen = wall.screen()
    assert screen.ids.signed.value == "1" and screen.visible_names[0]["name"] == masked
    after = shoot(wall, shots / "4-wall-after.png")
    assert decode(after)  # the QR is still there to scan

    with demo_server.runtime.session_factory() as s:
        [attendance] = s.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
        assert attendance.member.number == NUMBER and attendance.method is SignInMethod.QR
