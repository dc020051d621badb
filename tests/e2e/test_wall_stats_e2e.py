"""The big screen's activity panels with the demo data: a wall kiosk (under Xvfb) connected to the demo
server shows them when idle, and a study span arriving at the server changes today's figure on the wall
(the publisher recomputes and pushes ``stats.updated``). Screenshot: test-artifacts/e2e/wall-stats.png."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from content.models import Item, ItemKind, ReviewStatus
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import DeviceLogin, DeviceRole
from screen_server.meetings.models import Meeting
from screen_server.org.models import Member
from screen_server.runner import RoomServer
from tests.helpers.factories import make_device

pytestmark = [pytest.mark.kiosk]


def test_idle_wall_shows_live_activity_panels(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    with demo_server.runtime.session_factory() as s:  # no sign-in open: the wall is idle
        s.execute(update(Meeting).values(signin_closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        s.commit()
    wall = kiosk(mode="wall", server=demo_server.http_url, offline=False, size=(1920, 1080))
    wall.until(lambda: wall.app.sm.current == "wall" and wall.app.stats, timeout=20)
    wall.app.rotate_wall()
    screen = wall.until(lambda: wall.app.sm.current == "wall_stats" and wall.screen())
    week = wall.app.stats["figures"]["week"]
    assert sum(t["minutes"] for t in wall.app.stats["trend"]) > 0  # two weeks of demo study
    assert screen.ids.attendance.rows and screen.ids.points.rows and "分钟" in screen.top_text
    before = int(screen.today_minutes)

    with demo_server.runtime.session_factory() as s:
        member = s.scalar(select(Member).where(Member.number == "D0003"))
        item = s.scalar(select(Item).where(Item.status == ReviewStatus.PUBLISHED, Item.kind == ItemKind.ARTICLE))
        _device, token = make_device(s, role=DeviceRole.TERMINAL, name="测试终端")
        s.commit()
        assert member is not None and item is not None
        member_id, item_id = member.id, item.id
    auth = {"Authorization": f"Bearer {token}"}
    login = requests.post(f"{demo_server.http_url}/api/device/members/login", headers=auth, timeout=10,
                          json={"number": "D0003", "pin": MEMBER_PIN})  # a terminal reports only its member's study
    assert login.status_code == 200, login.text
    now = dt.datetime.now(dt.UTC)
    with demo_server.runtime.session_factory() as s:  # … five minutes ago, so the span below lies inside it
        s.execute(update(DeviceLogin).where(DeviceLogin.member_id == member_id)
                  .values(started_at=now - dt.timedelta(minutes=5)))
        s.commit()
    span = {"id": uuid.uuid4().hex, "member_id": member_id, "item_id": item_id,
            "started_at": (now - dt.timedelta(minutes=4)).isoformat(), "ended_at": now.isoformat(),
            "active_seconds": 240}
    r = requests.post(f"{demo_server.http_url}/api/study/spans", json={"spans": [span]},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200 and r.json()["accepted"] == [span["id"]], r.json()
    wall.until(lambda: int(screen.today_minutes) >= before + 4, timeout=10)
    assert wall.app.stats["figures"]["week"]["study_minutes"] >= week["study_minutes"] + 4
    wall.frames(40)  # let the bars finish growing before the picture
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    wall.app.save_screenshot(shots / "wall-stats.png")
