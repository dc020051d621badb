"""The wall as a web page (``/wall/<room>``), for a TV with only a browser: without the room's display
key it is not found; with it, Chromium shows the demo meeting's sign-in with a QR that decodes to a
sign-in URL, and a sign-in arriving over the WebSocket appears on it. Screenshot:
test-artifacts/e2e/web-wall.png."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from screen_server.demo import MEMBER_PIN
from screen_server.http.wall import display_key
from screen_server.meetings.models import Meeting
from screen_server.org.models import Member
from screen_server.org.services import mask_name
from screen_server.runner import RoomServer
from tests.helpers.browser import chromium

pytestmark = [pytest.mark.browser]


def test_web_wall_follows_the_room(demo_server: RoomServer, artifacts_dir: Path) -> None:
    import zxingcpp
    from PIL import Image

    base = demo_server.http_url
    assert requests.get(f"{base}/wall/demo", timeout=10).status_code == 404
    assert requests.get(f"{base}/wall/demo?key=wrong", timeout=10).status_code == 404
    key = display_key(demo_server.settings.secret_key, "demo")
    with demo_server.runtime.session_factory() as s:
        meeting = s.scalar(select(Meeting).where(Meeting.signin_closes_at > dt.datetime.now(dt.UTC)))
        member = s.scalar(select(Member).where(Member.number == "D0005"))
        assert meeting is not None and member is not None
        meeting_title, meeting_id, name = meeting.title, meeting.id, member.name
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.goto(f"{base}/wall/demo?key={key}")
        page.locator("body[data-page='signin']").wait_for(state="attached", timeout=20_000)
        assert page.inner_text("#signin-title") == meeting_title
        page.locator("#signin-qr[src*='qr.svg']").wait_for(timeout=20_000)
        page.wait_for_load_state("networkidle")
        shot = page.screenshot()
        [url] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]
        assert url.startswith(f"{base}/s/{meeting_id}?t=")

        # a member signs in by phone (the JSON way): the web wall shows the arrival
        cookie = requests.post(f"{base}/s/{meeting_id}", data={}, timeout=10)  # no pass, no token: refused
        assert cookie.status_code in (400, 403)
        session = requests.Session()
        form = session.get(url, timeout=10).text
        scan_pass = form.split('name="pass" value="')[1].split('"')[0]
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        done = session.post(f"{base}/s/{meeting_id}", data={"pass": scan_pass, "number": "D0005", "pin": MEMBER_PIN,
                                                            "csrf_token": token}, timeout=10)
        assert "签到成功" in done.text
        page.locator("#arrivals li", has_text=mask_name(name)).first.wait_for(timeout=10_000)
        artifacts = artifacts_dir / "e2e"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "web-wall.png"))
        assert not errors, errors
