"""The admin decides what the big screen shows: a wall kiosk (under Xvfb) on the demo server follows a
schedule changed in the admin within a second, an emergency message overrides everything until it is
withdrawn, and a manual switch takes effect at once. Screenshots: test-artifacts/e2e/wall-*.png."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from screen_server.devices.models import Device, DeviceRole
from screen_server.meetings.models import Meeting
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN, login, post

pytestmark = [pytest.mark.kiosk]


def test_admin_controls_what_the_wall_shows(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    with demo_server.runtime.session_factory() as s:
        s.execute(update(Meeting).values(signin_closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        s.commit()
    wall = kiosk(mode="wall", server=demo_server.http_url, offline=False, size=(1920, 1080))
    wall.until(lambda: wall.app.state.paired and wall.app.sm.current in ("wall", "wall_stats", "wall_board"),
               timeout=20)
    with demo_server.runtime.session_factory() as s:
        device_id = s.scalar(select(Device.id).where(Device.role == DeviceRole.WALL))
    admin = demo_server.app.test_client()
    login(admin, *ADMIN)
    page = f"/admin/screens/{device_id}"
    assert "接下来半小时" in admin.get(page).get_data(as_text=True)

    r = post(admin, f"{page}/schedule", {"loop-0-show": "leaderboard", "loop-0-seconds": "60",
                                         "auto_signin": "on"}, page=page)
    assert r.status_code == 302
    sent = time.monotonic()
    wall.until(lambda: wall.app.sm.current == "wall_board", timeout=10)  # pushed at once (speed: make bench)
    switched_ms = (time.monotonic() - sent) * 1000
    wall.until(lambda: wall.app.study.rank_members, timeout=10)
    wall.app.save_screenshot(shots / "wall-leaderboard.png")

    post(admin, f"{page}/switch", {"show": "stats"}, page=page)
    wall.until(lambda: wall.app.sm.current == "wall_stats", timeout=5)

    post(admin, "/admin/screens/emergency", {"title": "紧急通知：今天下午三点停电检修", "body": "请各位同志提前保存工作，离开时关闭电源。"},
         page="/admin/screens/emergency")
    wall.until(lambda: wall.app.sm.current == "wall_emergency", timeout=5)
    wall.frames(3)
    wall.app.save_screenshot(shots / "wall-emergency.png")
    with demo_server.runtime.session_factory() as s:
        from screen_server.screens.models import EmergencyMessage

        emergency_id = s.scalar(select(EmergencyMessage.id))
    post(admin, f"/admin/screens/emergency/{emergency_id}/withdraw", {}, page="/admin/screens/emergency")
    wall.until(lambda: wall.app.sm.current == "wall_stats", timeout=5)  # back to the manual switch
    post(admin, f"{page}/switch", {"show": ""}, page=page)
    wall.until(lambda: wall.app.sm.current == "wall_board", timeout=5)  # back to the plan
    (shots / "wall-switch-ms.txt").write_text(f"{switched_ms:.0f} ms from the admin's answer to the wall's switch\n")
