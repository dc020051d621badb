"""A poll on the big screen: the admin opens it for the demo room, the wall (under Xvfb) shows its QR and
bars, a member votes from a phone page and the wall's totals move. Screenshot:
test-artifacts/e2e/wall-poll.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import Room
from screen_server.meetings.models import Meeting
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN, login, post
from tests.helpers.phone import post_form

pytestmark = [pytest.mark.kiosk]


def test_a_running_poll_on_the_wall(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    with demo_server.runtime.session_factory() as s:
        s.execute(update(Meeting).values(signin_closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        s.commit()
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
    wall = kiosk(mode="wall", server=demo_server.http_url, offline=False, size=(1920, 1080))
    wall.until(lambda: wall.app.state.paired and wall.app.sm.current.startswith("wall"), timeout=20)
    admin = demo_server.app.test_client()
    login(admin, *ADMIN)
    page = "/admin/polls"
    r = post(admin, page, {"title": "本月主题党日活动满意度", "kind": "single", "room_id": str(room_id),
                           "options": "非常满意\n满意\n一般\n不满意"}, page=page)
    assert r.status_code == 302
    wall.until(lambda: wall.app.sm.current == "wall_poll" and wall.app.poll, timeout=5)
    poll_id = wall.app.poll["id"]
    for number, choice in (("D0011", "0"), ("D0012", "0"), ("D0013", "1")):
        done = post_form(requests.Session(), f"{demo_server.http_url}/v/{poll_id}",
                         {"choice": choice, "number": number, "pin": MEMBER_PIN})
        assert "投票成功" in done.text
    wall.until(lambda: wall.app.poll.get("voters") == 3, timeout=10)
    screen = wall.screen()
    assert [r["value"] for r in screen.ids.bars.rows] == [2, 1, 0, 0] and "已投 3 人" in screen.note
    wall.frames(40)
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    wall.app.save_screenshot(shots / "wall-poll.png")
    assert "本月主题党日活动满意度" in admin.get(page).get_data(as_text=True)
