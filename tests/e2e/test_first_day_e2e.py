"""The first day in Chromium, from an empty data directory and no demo data: ``activity-room serve`` (a
real process) prints the one-time setup link; the page creates the first admin and names the committee;
the admin builds three branches with groups on the tree page and creates a secretary on the users page;
the secretary signs in, must replace the temporary password, and sees only their own branch.

Screenshots (test-artifacts/setup/): setup.png, checklist.png, tree.png, users.png, forced-password.png,
secretary-tree.png, and branch-has-members.png (a branch with members refused deactivation).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from screen_server.org.models import Role
from screen_server.runner import RoomServer
from tests.helpers.browser import chromium
from tests.helpers.factories import PASSWORD, make_branch, make_committee, make_member, make_user

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Red-lantern-2026!"
SECRETARY_FIRST = "Blue-river-4411"  # given by the admin, must be changed
SECRETARY_OWN = "Quiet-harbour-9090"
BRANCHES = [("机关第一党支部", "一支部", ["第一党小组", "第二党小组"]),
            ("生产第二党支部", "二支部", ["车间党小组", "班组党小组"]),
            ("离退休党支部", "离退休", ["东区党小组"])]


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """``activity-room serve`` on an empty data directory; yields the setup link and the console lines."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "screen_server.cli", "serve", "--data", str(tmp_path / "data"),
         "--host", "127.0.0.1", "--port", "0", "--ws-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    lines: list[str] = []
    found: queue.Queue[str] = queue.Queue()

    def _read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            match = re.match(r"\s+(http://\S+/admin/setup/\S+)$", line)  # the console's line (after the log's)
            if match:
                found.put(match.group(1))

    threading.Thread(target=_read, daemon=True).start()
    try:
        link = found.get(timeout=180)
        yield link, lines
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def _login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_an_organisation_sets_itself_up_from_an_empty_install(empty_server: tuple[str, list[str]],
                                                              artifacts_dir: Path) -> None:
    link, lines = empty_server
    base = link.split("/admin/")[0]
    # printed on the console and written to the log, once
    assert sum(link in line for line in lines) == 2
    shots = artifacts_dir / "setup"
    shots.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(link)
        expect(page.locator("h1")).to_have_text("初始设置")
        page.fill("#committee_name", "中共东方机械厂委员会")
        page.fill("#username", "zhaoli")
        page.fill("#display_name", "赵丽")
        page.fill("#password", ADMIN_PASSWORD)
        page.fill("#password_again", ADMIN_PASSWORD)
        page.screenshot(path=str(shots / "setup.png"), full_page=True)
        page.click("button[type=submit]")

        # A system admin must set up two-factor sign-in first (ACTIVITY_ROOM_ADMIN_TOTP=required outside the demo).
        secret = page.locator("code.secret").inner_text().replace(" ", "")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("text=启用两步验证")
        page.click("text=我已保存，进入后台")
        expect(page.locator("#setup-checklist")).to_be_visible()
        expect(page.locator("#setup-checklist li.next")).to_have_attribute("data-step", "organisation")
        page.screenshot(path=str(shots / "checklist.png"), full_page=True)

        page.goto(link)  # the link is dead now
        expect(page.locator("h1")).to_have_text("已完成初始设置")

        page.goto(f"{base}/admin/")
        page.click("#setup-checklist li[data-step=organisation] a")
        for name, short, groups in BRANCHES:
            page.fill("#new-branch input[name=name]", name)
            page.fill("#new-branch input[name=short_name]", short)
            page.click("#new-branch button[type=submit]")
            expect(page.locator(".flash.ok")).to_contain_text(name)
            section = page.locator("section.branch", has=page.locator("h2", has_text=name))
            for group in groups:
                section.locator(".new-group input[name=name]").fill(group)
                section.locator(".new-group button[type=submit]").click()
                expect(page.locator(".flash.ok")).to_contain_text(group)
                section = page.locator("section.branch", has=page.locator("h2", has_text=name))
        # a duplicate name is refused with a message, and nothing is added
        page.fill("#new-branch input[name=name]", BRANCHES[0][0])
        page.click("#new-branch button[type=submit]")
        expect(page.locator(".flash.error")).to_contain_text("已有名为“机关第一党支部”的支部")
        expect(page.locator("section.branch")).to_have_count(3)
        page.screenshot(path=str(shots / "tree.png"), full_page=True)

        page.goto(f"{base}/admin/")
        expect(page.locator("#setup-checklist li[data-step=organisation]")).to_have_class("done")
        page.click("#setup-checklist li[data-step=users] a")
        form = page.locator("#new-user")
        form.locator("input[name=username]").fill("wangfang")
        form.locator("input[name=display_name]").fill("王芳")
        form.locator("select[name=role]").select_option("secretary")
        form.locator("select[name=branch_id]").select_option(label=BRANCHES[1][0])
        form.locator("input[name=password]").fill(SECRETARY_FIRST)
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash.ok")).to_contain_text("wangfang")
        expect(page.locator("table.users")).to_contain_text("待改密码")
        page.screenshot(path=str(shots / "users.png"), full_page=True)
        page.goto(f"{base}/admin/org")
        expect(page.locator("section.branch", has=page.locator("h2", has_text=BRANCHES[1][0]))).to_contain_text(
            "王芳（wangfang）")
        page.click("form.who button[type=submit]")  # sign out

        _login(page, base, "wangfang", SECRETARY_FIRST)
        expect(page).to_have_url(f"{base}/admin/account/password")
        page.screenshot(path=str(shots / "forced-password.png"), full_page=True)
        page.goto(f"{base}/admin/org")  # nothing else opens before the password is changed
        expect(page).to_have_url(f"{base}/admin/account/password")
        page.fill("#current", SECRETARY_FIRST)
        page.fill("#new", SECRETARY_OWN)
        page.fill("#again", SECRETARY_OWN)
        page.click("main button[type=submit]")
        expect(page.locator(".flash.ok")).to_contain_text("密码已修改")

        page.click("nav a:has-text('组织机构')")
        expect(page.locator("section.branch")).to_have_count(1)
        expect(page.locator("section.branch h2")).to_contain_text(BRANCHES[1][0])
        expect(page.locator("main")).not_to_contain_text(BRANCHES[0][0])
        expect(page.locator("#new-branch")).to_have_count(0)
        page.locator(".new-group input[name=name]").fill("新建党小组")
        page.locator(".new-group button[type=submit]").click()
        expect(page.locator(".flash.ok")).to_contain_text("新建党小组")
        page.screenshot(path=str(shots / "secretary-tree.png"), full_page=True)
        assert not errors, errors


def test_a_branch_with_members_is_not_deactivated_in_the_browser(server: RoomServer, artifacts_dir: Path) -> None:
    with server.runtime.session_factory() as s:
        committee = make_committee(s, name="中共东方机械厂委员会")
        branch = make_branch(s, committee_id=committee.id, name="机关第一党支部", short_name="一支部")
        for _ in range(3):
            make_member(s, branch_id=branch.id)
        make_user(s, Role.ADMIN, username="boss")
        s.commit()
        branch_id = branch.id
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _login(page, server.http_url, "boss", PASSWORD)
        page.goto(f"{server.http_url}/admin/org")
        page.click(f"#branch-{branch_id} details summary")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click(f"#branch-{branch_id} button:has-text('停用支部')")
        blocked = page.locator("#blocked")
        expect(blocked).to_contain_text("还有 3 名党员，不能停用")
        page.screenshot(path=str(artifacts_dir / "setup" / "branch-has-members.png"), full_page=True)
        blocked.locator("a").click()
        expect(page).to_have_url(f"{server.http_url}/admin/members?branch_id={branch_id}")
        expect(page.locator("table.members tbody tr")).to_have_count(3)
