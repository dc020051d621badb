"""The first day with members, end to end in Chromium, on a server started on an empty data directory
with no demo data: only the committee, one admin and the room exist (the setup page, another part of
issue 12, makes those; here the test adds them through the domain functions).

1. The admin imports a roster in the layout branches keep (merged title, header on row 3, dates written
   several ways, full-width digits, a blank row, a 用工性质 column, a 制表人/审核人 footer) with
   "create the branches it names": the check lists the three branches and two groups and the skipped
   footer rows; confirming creates them and the seven members.
2. PIN slips for one branch, looked at as printed (``emulate_media(media="print")``).
3. The member statistics page.
4. A meeting of that branch opens; the room's web wall shows its rotating QR; a member scans it on a
   phone, types the slip's PIN, is made to choose their own (a weak one is refused first), is signed in,
   and the wall shows them.

Screenshots: test-artifacts/e2e/roster-{1-check,2-imported,3-slips-print,4-member-stats,5-phone-choose-pin,
6-phone-signed-in,7-wall,8-member}.png.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from screen_server.config import Settings
from screen_server.devices.models import Room
from screen_server.http.wall import display_key
from screen_server.meetings.models import Attendance, MeetingType, SignInMethod
from screen_server.meetings.services import create_meeting
from screen_server.org import services as org
from screen_server.org.models import Branch, Committee, Member, PartyGroup, Role, User
from screen_server.org.services import mask_name
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from tests.helpers import rosters
from tests.helpers.browser import PHONE, chromium
from tests.helpers.factories import make_room

pytestmark = [pytest.mark.browser]
ADMIN_PASSWORD = "first-day-admin-2026"
WAIT_MS = 20_000


@pytest.fixture
def empty_server(settings: Settings) -> Iterator[RoomServer]:
    assert not settings.data_dir.exists() or not any(settings.data_dir.iterdir())
    server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    try:
        with server.runtime.session_factory() as s:
            assert s.scalar(select(func.count(Member.id))) == 0 and s.scalar(select(func.count(Branch.id))) == 0
            s.add(Committee(name="某某公司党委"))
            org.create_user(s, actor_user_id=None, username="admin", password=ADMIN_PASSWORD, role=Role.ADMIN)
            make_room(s, name="党员活动室", slug="room", location="办公楼三层301")
            s.commit()
        yield server
    finally:
        server.stop()


def test_roster_to_slips_to_a_phone_sign_in_from_an_empty_install(
        empty_server: RoomServer, tmp_path: Path, artifacts_dir: Path) -> None:
    import zxingcpp
    from PIL import Image

    base, shots = empty_server.http_url, artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    roster = tmp_path / "某某公司党员花名册.xlsx"
    roster.write_bytes(rosters.messy_roster())
    with chromium() as browser:
        admin = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        admin.goto(f"{base}/admin/login")
        admin.fill("#username", "admin")
        admin.fill("#password", ADMIN_PASSWORD)
        admin.get_by_role("button", name="登录").click()
        admin.wait_for_url(re.compile(r".*/admin/?$"), timeout=WAIT_MS)

        # 1. the roster, with "create the branches it names"
        admin.goto(f"{base}/admin/members/import")
        admin.set_input_files("#file", str(roster))
        admin.get_by_label("创建文件中的新支部和党小组").check()
        admin.get_by_role("button", name="检查文件").click()
        admin.get_by_text("确认导入时将新建").wait_for(timeout=WAIT_MS)
        check = admin.inner_text("main")
        assert "支部（3 个）：第一党支部、第二党支部、机关党支部" in check
        assert "第一党支部 / 第一党小组" in check and "第一党支部 / 第二党小组" in check
        assert "第 13 行“制表人：王芳”" in check and "有问题的行" in check
        admin.screenshot(path=str(shots / "roster-1-check.png"), full_page=True)
        with empty_server.runtime.session_factory() as s:  # the check wrote nothing
            assert s.scalar(select(func.count(Branch.id))) == 0 and s.scalar(select(func.count(Member.id))) == 0
        admin.get_by_role("button", name="确认导入 7 人").click()
        admin.get_by_text("导入完成：新增 7 人").wait_for(timeout=WAIT_MS)
        admin.screenshot(path=str(shots / "roster-2-imported.png"), full_page=True)
        with empty_server.runtime.session_factory() as s:
            assert {b.name for b in s.scalars(select(Branch))} == set(rosters.BRANCHES)
            assert s.scalar(select(func.count(PartyGroup.id))) == 2
            first = s.scalar(select(Branch).where(Branch.name == "第一党支部"))
            assert first is not None
            first_id = first.id

        # 2. PIN slips for one branch, as printed
        admin.goto(f"{base}/admin/members/pins")
        admin.select_option("#branch_id", str(first_id))
        admin.get_by_role("button", name="生成密码条").click()
        admin.locator(".slip").first.wait_for(timeout=WAIT_MS)
        slips = {}
        for slip in admin.locator(".slip").all():
            number = slip.locator("dd.mono").first.inner_text()
            slips[number] = slip.locator("dd.pin").inner_text()
        assert set(slips) == {"HY001", "HY002", "HY003"} and all(re.fullmatch(r"\d{6}", p) for p in slips.values())
        assert "办公楼三层301" in admin.locator(".slip").first.inner_text()
        admin.screenshot(path=str(shots / "roster-3a-slips-screen.png"), full_page=True)
        admin.emulate_media(media="print")
        admin.screenshot(path=str(shots / "roster-3-slips-print.png"), full_page=True)
        assert not admin.locator(".top").is_visible() and not admin.locator(".noprint").is_visible()
        admin.emulate_media(media="screen")

        # adding one member by hand: the form
        admin.goto(f"{base}/admin/members/new")
        admin.get_by_label("党员类别").wait_for(timeout=WAIT_MS)
        admin.screenshot(path=str(shots / "roster-3b-add-member.png"), full_page=True)

        # 3. the member statistics
        admin.goto(f"{base}/admin/members/stats")
        admin.get_by_role("heading", name="党员类别").wait_for(timeout=WAIT_MS)
        stats = admin.inner_text("main")
        assert "在册 7 人" in stats and "预备党员 1" in stats and "劳务派遣 1" in stats
        admin.screenshot(path=str(shots / "roster-4-member-stats.png"), full_page=True)

        # 4. a meeting of that branch, its QR on the room's web wall, a member on a phone
        with empty_server.runtime.session_factory() as s:
            now = dt.datetime.now(dt.UTC)
            actor = s.scalar(select(User).where(User.username == "admin"))
            room = s.scalar(select(Room).where(Room.slug == "room"))
            assert actor is not None and room is not None
            meeting = create_meeting(s, empty_server.settings, actor, title="第一党支部党员大会",
                                     type=MeetingType.BRANCH_GENERAL, branch_ids=[first_id], room_id=room.id,
                                     starts_at=now + dt.timedelta(minutes=20), ends_at=now + dt.timedelta(hours=2),
                                     signin_opens_at=now - dt.timedelta(minutes=1))
            meeting_id = meeting.id
            s.commit()
        wall = browser.new_page(viewport={"width": 1920, "height": 1080})
        key = display_key(empty_server.settings.secret_key, "room")
        wall.goto(f"{base}/wall/room?key={key}")
        wall.locator("body[data-page='signin']").wait_for(state="attached", timeout=WAIT_MS)
        wall.locator("#signin-qr[src*='qr.svg']").wait_for(timeout=WAIT_MS)
        wall.wait_for_load_state("networkidle")
        [url] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(wall.screenshot())))]
        assert url.startswith(f"{base}/s/{meeting_id}?t=")

        phone = browser.new_context(**PHONE, locale="zh-CN").new_page()
        phone.goto(url)
        phone.fill("#number", "hy001")
        phone.fill("#pin", slips["HY001"])
        phone.get_by_role("button", name="签到", exact=True).click()
        phone.get_by_text("请先设置您自己的密码").wait_for(timeout=WAIT_MS)
        phone.fill("#new_pin", "123456")
        phone.fill("#repeat", "123456")
        phone.get_by_role("button", name="设置密码并签到").click()
        phone.get_by_text("密码不能是连续的数字").wait_for(timeout=WAIT_MS)
        phone.screenshot(path=str(shots / "roster-5-phone-choose-pin.png"), full_page=True)
        with empty_server.runtime.session_factory() as s:
            assert s.scalar(select(func.count(Attendance.id))) == 0
        phone.fill("#new_pin", "583920")
        phone.fill("#repeat", "583920")
        phone.get_by_role("button", name="设置密码并签到").click()
        phone.get_by_text("签到成功").first.wait_for(timeout=WAIT_MS)
        assert "新密码已设置" in phone.inner_text("body") and "王建国" in phone.inner_text("body")
        phone.screenshot(path=str(shots / "roster-6-phone-signed-in.png"), full_page=True)

        wall.locator("#arrivals li", has_text=mask_name("王建国")).first.wait_for(timeout=10_000)
        wall.screenshot(path=str(shots / "roster-7-wall.png"))

        # the member's page: their attendance, with the branch it belongs to, and their own PIN now
        admin.goto(f"{base}/admin/members?q=HY001")
        admin.get_by_role("link", name="王建国").click()
        admin.get_by_text("参会记录").wait_for(timeout=WAIT_MS)
        card = admin.inner_text("main")
        assert "第一党支部党员大会" in card and "已设置（本人设置）" in card and "出席" in card and "列席" not in card
        admin.screenshot(path=str(shots / "roster-8-member.png"), full_page=True)

    with empty_server.runtime.session_factory() as s:
        [attendance] = s.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
        assert attendance.member.number == "HY001" and attendance.method is SignInMethod.QR
        assert attendance.branch_id == first_id and not attendance.member.pin_must_change
