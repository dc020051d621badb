"""Study plans end to end, on the demo server: the admin sets three required articles for a branch;
the member's phone (Chromium) shows 已完成 0/3; the member logs in at a terminal (under Xvfb) and
studies two of them to the end; the phone shows 2/3, the terminal's 学习计划 screen lists the third as
still to do, and the admin's page and its .xlsx (read back with openpyxl) read 67% for the member.
Screenshots: test-artifacts/e2e/plan-*.png."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from content.models import Item, ItemKind, ReviewStatus
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import DeviceLogin
from screen_server.org.models import Member
from screen_server.runner import RoomServer
from screen_server.study import integrity
from screen_server.study.models import StudyPlan, StudyRecord
from tests.admin.forms import ADMIN, login, post
from tests.helpers.browser import PHONE, chromium
from tests.helpers.terminal import type_number_and_pin

pytestmark = [pytest.mark.kiosk]
NUMBER = "D0003"


def test_plan_set_in_admin_studied_at_terminal_seen_on_phone_and_exported(
        demo_server: RoomServer, kiosk: Any, artifacts_dir: Path, tmp_path: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    with demo_server.runtime.session_factory() as s:
        member = s.scalar(select(Member).where(Member.number == NUMBER))
        assert member is not None
        member_id, member_name, branch_id = member.id, member.name, member.branch_id
        articles = list(s.scalars(select(Item).where(Item.status == ReviewStatus.PUBLISHED,
                                                     Item.kind == ItemKind.ARTICLE).order_by(Item.id).limit(3)))
        assert len(articles) == 3
        item_ids = [i.id for i in articles]
        titles = {i.id: i.title for i in articles}
        required = {i.id: integrity.required_seconds(i) for i in articles}
        done_before = set(s.scalars(select(StudyRecord.item_id).where(StudyRecord.member_id == member_id,
                                                                      StudyRecord.completed.is_(True))))
    assert not done_before & set(item_ids), "the demo member has already finished a chosen item"

    # 1. The admin sets the plan.
    admin = demo_server.app.test_client()
    login(admin, *ADMIN)
    today = dt.date.today()
    r = post(admin, "/admin/plans", {"title": "十二月必学", "branch_id": str(branch_id),
                                     "starts_on": today.isoformat(),
                                     "due_on": (today + dt.timedelta(days=10)).isoformat(),
                                     "item_id": [str(i) for i in item_ids]}, page="/admin/plans")
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    with demo_server.runtime.session_factory() as s:
        plan_id = s.scalar(select(StudyPlan.id).where(StudyPlan.title == "十二月必学"))
    assert plan_id

    with chromium() as browser:
        # 2. The phone: identify once, then 0/3.
        phone = browser.new_page(**PHONE)
        phone.goto(f"{demo_server.http_url}/m/plans")
        phone.fill("#number", NUMBER)
        phone.fill("#pin", MEMBER_PIN)
        phone.click("button[type=submit]")
        phone.wait_for_selector(f"#plan-{plan_id}")
        assert phone.inner_text(f"#plan-{plan_id} .plan-count") == "已完成 0/3"
        phone.screenshot(path=str(shots / "plan-1-phone-none.png"), full_page=True)

        # 3. The member studies two of the three at a terminal, each to its end.
        t = kiosk(mode="terminal", server=demo_server.http_url, offline=False, size=(1280, 800),
                  state_dir=tmp_path / "terminal")
        t.until(lambda: t.app.sm.current == "home" and t.app.library.items, timeout=20)
        t.app.open_tile("study")
        study = t.app.study
        study.open_login()
        t.until(lambda: t.app.sm.current == "study_login")
        type_number_and_pin(t, NUMBER)
        with demo_server.runtime.session_factory() as s:  # the simulated study below began an hour ago
            s.execute(update(DeviceLogin).where(DeviceLogin.member_id == member_id, DeviceLogin.ended_at.is_(None))
                      .values(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
            s.commit()

        study.open_plans()
        t.until(lambda: t.app.sm.current == "plans" and set(item_ids) <= {r["item_id"] for r in study.plan_rows},
                timeout=10)
        assert "十二月必学：已完成 0/3" in study.plan_text  # beside the demo's own plan
        now = [1000.0]
        began = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)
        study.clock.monotonic = lambda: now[0]
        study.clock.wall = lambda: began + dt.timedelta(seconds=now[0] - 1000)
        for item_id in item_ids[:2]:
            t.frames(3)
            t.tap(t.find(t.screen().ids.rows, "ItemRow", item_id=item_id))
            t.until(lambda i=item_id: t.app.sm.current == "reader" and not study.loading
                    and study.item_title == titles[i], timeout=10)
            study.clock.open(member_id, item_id)
            while study.clock.total < required[item_id] + 5:  # reading, touching the page now and then
                now[0] += 10
                study.clock.touch()
            study.clock.report(progress=1.0, completed=True)  # reached the end
            if item_id == item_ids[0]:
                t.frames(3)
                t.app.save_screenshot(shots / "plan-2-terminal-reading.png")
            study.close_item()
            now[0] += 60
            study.open_plans()
            t.until(lambda: t.app.sm.current == "plans" and set(item_ids) <= {r["item_id"] for r in study.plan_rows},
                    timeout=10)

        def completed() -> set[int]:
            with demo_server.runtime.session_factory() as s:
                return set(s.scalars(select(StudyRecord.item_id).where(
                    StudyRecord.member_id == member_id, StudyRecord.completed.is_(True),
                    StudyRecord.item_id.in_(item_ids))))

        t.until(lambda: completed() == set(item_ids[:2]), timeout=20)
        study.open_plans()
        t.until(lambda: "十二月必学：已完成 2/3" in study.plan_text, timeout=10)
        assert [r["item_id"] for r in study.plan_rows if not r["done"] and r["item_id"] in item_ids] == [item_ids[2]]
        t.frames(3)
        t.app.save_screenshot(shots / "plan-3-terminal-plans.png")

        # 4. The phone shows the progress.
        phone.reload()
        assert phone.inner_text(f"#plan-{plan_id} .plan-count") == "已完成 2/3"
        assert phone.locator(f"#plan-{plan_id} li.plan-done").count() == 2
        phone.screenshot(path=str(shots / "plan-4-phone-two.png"), full_page=True)

        # 5. The admin's page: 67% for the member.
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{demo_server.http_url}/admin/login")
        page.fill("input[name=username]", ADMIN[0])
        page.fill("input[name=password]", ADMIN[1])
        page.click("button[type=submit]")
        page.goto(f"{demo_server.http_url}/admin/plans/{plan_id}")
        row = page.locator("#member-rates tr", has_text=member_name).first
        assert "2/3" in row.inner_text() and "67%" in row.inner_text()
        page.screenshot(path=str(shots / "plan-5-admin.png"), full_page=True)

    # 6. The .xlsx.
    r = admin.get(f"/admin/plans/{plan_id}/export.xlsx")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    wb = load_workbook(io.BytesIO(r.data))
    rows = {row[0]: row for row in wb["党员完成情况"].iter_rows(min_row=3, values_only=True) if row[1]}
    assert rows[member_name][2:5] == (2, 3, "67%")
    assert rows[member_name][5:8] == ("✓", "✓", None)
    branch_rows = [row for row in wb["支部完成率"].iter_rows(min_row=3, values_only=True) if row[1]]
    with demo_server.runtime.session_factory() as s:
        members = s.scalar(select(func.count(Member.id)).where(Member.branch_id == branch_id, Member.active.is_(True)))
        done = s.scalar(select(func.count(StudyRecord.id)).join(Member, Member.id == StudyRecord.member_id).where(
            Member.branch_id == branch_id, Member.active.is_(True), StudyRecord.completed.is_(True),
            StudyRecord.item_id.in_(item_ids)))
    assert len(branch_rows) == 1  # the plan is one branch's
    assert branch_rows[0][1:5] == (members, done, members * 3, f"{int(done * 100 / (members * 3) + 0.5)}%")
