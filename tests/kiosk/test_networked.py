"""The whole kiosk (window and network thread) against the fake room server, and the command line's
``--screenshot --exit-after`` run in its own process."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk import state as st
from screen_server import protocol
from tests.helpers.fake_room import FakeRoom, announcement, wait_until

pytestmark = pytest.mark.kiosk


@pytest.fixture
def room() -> Iterator[FakeRoom]:
    fake = FakeRoom().start()
    yield fake
    fake.stop()


def test_pair_connect_show_live_events_and_send_previews(kiosk: Any, room: FakeRoom) -> None:
    room.announcements.append(announcement(1, "欢迎使用活动室终端"))
    k = kiosk(server=room.http_url, offline=False)
    code = k.until(lambda: k.app.state.pairing_code, timeout=10)
    assert k.app.sm.current == "pairing" and k.app.pairing_code_text == f"{code[:3]} {code[3:]}"
    room.approve(code)
    k.until(lambda: k.app.sm.current == "home" and k.app.connection == st.UP, timeout=10)
    assert k.app.latest_title == "欢迎使用活动室终端"

    room.publish(announcement(2, "刚刚发布的通知", publish_at="2026-12-01T00:00:00+00:00"))
    k.until(lambda: k.app.latest_title == "刚刚发布的通知")

    room.push({"type": protocol.PREVIEW_REQUESTED})
    k.until(lambda: room.previews)
    token, content_type, body = room.previews[0]
    assert token == k.app.store.token and content_type == "image/png"
    assert Image.open(io.BytesIO(body)).size == (960, 540)

    room.stop_ws()
    k.until(lambda: k.app.offline)
    assert k.app.latest_title == "刚刚发布的通知"  # still showing what it has
    room.start_ws()
    k.until(lambda: not k.app.offline and k.app.connection == st.UP, timeout=10)


def test_command_line_screenshot_run_exits_zero(room: FakeRoom, tmp_path: Path) -> None:
    room.auto_approve = True
    room.announcements.append(announcement(1, "截图中的公告"))
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "--server",
            room.http_url,
            "--mode",
            "wall",
            "--size",
            "1280x720",
            "--state-dir",
            str(tmp_path / "state"),
            "--screenshot",
            str(shot),
            "--exit-after",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert Image.open(shot).size == (1280, 720)
    assert wait_until(lambda: (tmp_path / "state" / "device.json").is_file())
