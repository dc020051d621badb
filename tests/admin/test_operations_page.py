"""What the admin sees of operations: the last backup (time, size; a warning past 2 days or when there is
none), disk space, and devices behind the server's version or with a wrong clock."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server import __version__
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.demo import seed_demo
from screen_server.devices.models import Room
from screen_server.ops import backup, disk
from screen_server.runner import RoomServer
from tests.helpers.factories import make_device


def _card(page: str) -> str:
    start = page.index('id="operations"')
    return page[start:page.index("</section>", start)]


def test_dashboard_shows_the_last_backup_and_warns_when_it_is_old(as_admin: FlaskClient, settings: Settings) -> None:
    card = _card(as_admin.get("/admin/").get_data(as_text=True))
    assert "未备份" in card and "还没有做过备份" in card
    at = dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
    backup._record(settings.data_dir, backup.BackupStatus(at, "/var/backups/x.tar.gz", 5 * 1048576, "sqlite"))
    card = _card(as_admin.get("/admin/").get_data(as_text=True))
    assert "备份过旧" in card and "2026-03-01 09:30" in card and "5.0 MB" in card and "已超过 2 天" in card
    backup._record(settings.data_dir, backup.BackupStatus(utcnow(), "/var/backups/y.tar.gz", 3 * 1048576, "sqlite"))
    card = _card(as_admin.get("/admin/").get_data(as_text=True))
    assert "已备份" in card and "3.0 MB" in card and "过旧" not in card


def test_dashboard_warns_when_the_disk_is_nearly_full(as_admin: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(disk.shutil, "disk_usage", lambda _p: usage(100 * 1024**3, 99 * 1024**3, 1024**3 // 2))
    card = _card(as_admin.get("/admin/").get_data(as_text=True))
    assert "磁盘快满" in card and "0.5 GB" in card and "会被拒绝" in card


def test_secretaries_do_not_see_the_operations_card(as_secretary: FlaskClient) -> None:
    assert 'id="operations"' not in as_secretary.get("/admin/").get_data(as_text=True)


def test_device_list_marks_devices_behind_the_server_and_wrong_clocks(as_admin: FlaskClient, demo: Session) -> None:
    room = demo.scalar(select(Room).order_by(Room.id))
    assert room is not None
    make_device(demo, name="旧终端", room_id=room.id, version="0.0.9", last_seen_at=utcnow(), clock_offset_s=-312.0)
    make_device(demo, name="新终端", room_id=room.id, version=__version__, last_seen_at=utcnow(), clock_offset_s=0.2)
    demo.commit()
    page = as_admin.get("/admin/devices").get_data(as_text=True)
    old = page[page.index("旧终端"):page.index("</section>", page.index("旧终端"))]
    new = page[page.index("新终端"):page.index("</section>", page.index("新终端"))]
    assert "需升级" in old and "偏差 -312 秒" in old and "请对时" in old
    assert "需升级" not in new and "准确" in new


def test_screenshots_of_the_operations_card_and_device_list(server: RoomServer, artifacts_dir: Path) -> None:
    """The dashboard with a stale backup and the device list with a screen behind and off the clock, as
    a person sees them (PNG under test-artifacts/ops/)."""
    from tests.admin.forms import ADMIN
    from tests.helpers.browser import chromium

    with server.runtime.session_factory() as s:
        seed_demo(s, server.settings)
        room = s.scalar(select(Room).order_by(Room.id))
        assert room is not None
        make_device(s, name="二楼旧终端", room_id=room.id, version="0.0.9", last_seen_at=utcnow(),
                    clock_offset_s=-312.0)
        make_device(s, name="一楼大屏", room_id=room.id, version=__version__, last_seen_at=utcnow(),
                    clock_offset_s=0.3)
        s.commit()
    backup._record(server.settings.data_dir, backup.BackupStatus(utcnow() - dt.timedelta(days=3), "x",
                                                                 12 * 1048576, "sqlite"))
    out = artifacts_dir / "ops"
    out.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        page.goto(server.http_url + "/admin/")
        page.get_by_label("用户名").fill(ADMIN[0])
        page.get_by_label("密码").fill(ADMIN[1])
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="概览").wait_for(timeout=10_000)
        assert "备份过旧" in page.locator("#operations").inner_text()
        page.screenshot(path=str(out / "dashboard.png"), full_page=True)
        page.goto(server.http_url + "/admin/devices")
        assert "需升级" in page.content()
        page.screenshot(path=str(out / "devices.png"), full_page=True)
