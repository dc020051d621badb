"""A formal test end to end in Chromium: the admin creates a fixed paper of three questions and publishes
it; a member takes it on a phone (390×844), leaves after the first answer and comes back to the same
attempt with that answer kept, answers the rest and passes; the admin's results show the member passed
and others not taken, and the .xlsx says the same. Screenshots: test-artifacts/exams/*.png."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from content.models import Question, QuestionKind, ReviewStatus
from screen_server.demo import MEMBER_PIN
from screen_server.exams.models import ExamAttempt
from screen_server.points.models import PointsEntry
from screen_server.runner import RoomServer
from tests.helpers.browser import PHONE, chromium

pytestmark = [pytest.mark.browser]
WAIT_MS = 20_000
LOCAL = ZoneInfo("Asia/Shanghai")


def test_admin_sets_a_test_a_phone_passes_it_and_the_results_say_so(demo_server: RoomServer,
                                                                     artifacts_dir: Path) -> None:
    base = demo_server.http_url
    with demo_server.runtime.session_factory() as s:
        paper = list(s.scalars(select(Question).where(Question.status == ReviewStatus.PUBLISHED,
                                                      Question.kind == QuestionKind.SINGLE)
                               .order_by(Question.id).limit(3)))
        keys = [q.answer for q in paper]
        ids = [q.id for q in paper]
    now = dt.datetime.now(LOCAL)
    shots = artifacts_dir / "exams"
    shots.mkdir(exist_ok=True)
    with chromium() as browser:
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        admin.goto(f"{base}/admin/login")
        admin.fill("#username", "admin")
        admin.fill("#password", "demo-admin-2026")
        admin.click("button[type=submit]")
        admin.goto(f"{base}/admin/exams")
        admin.click("#new-exam")
        admin.fill("#title", "党风廉政教育测评")
        admin.fill("#description", "共三题，答对两题及格。")
        admin.fill("#opens_at", (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        admin.fill("#closes_at", (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
        admin.fill("#time_limit_minutes", "20")
        admin.fill("#pass_percent", "60")
        admin.fill("#max_attempts", "2")
        admin.fill("#question_ids", ", ".join(map(str, ids)))
        admin.screenshot(path=str(shots / "admin-new-exam.png"), full_page=True)
        admin.click("#save-exam")
        admin.get_by_text("已保存").first.wait_for(timeout=WAIT_MS)
        admin.click("#publish")
        admin.get_by_text("已发布，党员在开放时间内可以答题").first.wait_for(timeout=WAIT_MS)
        results_url = admin.url

        phone = browser.new_context(**PHONE, locale="zh-CN")
        page = phone.new_page()
        page.goto(f"{base}/m/exams")
        page.fill("#number", "D0001")
        page.fill("#pin", MEMBER_PIN)
        page.get_by_role("button", name="进入测评").click()
        page.get_by_text("党风廉政教育测评").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(shots / "phone-exams.png"), full_page=True)
        page.get_by_role("button", name="开始答题").click()
        page.locator("#question").wait_for(timeout=WAIT_MS)
        page.check(f"input[name=answer][value='{keys[0]}']")
        page.click("#save")
        page.get_by_text("已答 1 / 3 题").wait_for(timeout=WAIT_MS)
        attempt_url = page.url.split("?")[0]
        page.close()  # the connection is lost; the member comes back later
        page = phone.new_page()
        page.goto(f"{base}/m/exams")
        page.get_by_role("button", name="继续答题").click()
        page.get_by_text("已答 1 / 3 题").wait_for(timeout=WAIT_MS)
        assert page.url.split("?")[0] == attempt_url
        assert "剩余时间约" in page.inner_text("#time-left")
        page.goto(f"{attempt_url}?q=1")
        assert page.is_checked(f"input[name=answer][value='{keys[0]}']")  # the given answer was kept
        assert "正确答案" not in page.content()  # no key before the attempt closes
        for n in (2, 3):
            page.goto(f"{attempt_url}?q={n}")
            page.check(f"input[name=answer][value='{keys[n - 1]}']")
            page.screenshot(path=str(shots / f"phone-question-{n}.png"), full_page=True)
            page.click("#save")
            page.get_by_text(f"已答 {n} / 3 题").wait_for(timeout=WAIT_MS)
        page.click("#submit")
        page.locator("#outcome").get_by_text("测评通过").wait_for(timeout=WAIT_MS)
        assert "答对 3 / 3 题" in page.inner_text("#outcome")
        page.screenshot(path=str(shots / "phone-passed.png"), full_page=True)

        admin.goto(results_url)
        row = admin.locator("#members tr", has_text="D0001")
        assert "通过" in row.inner_text() and "3 / 3" in row.inner_text()
        assert "未参加" in admin.inner_text("#members")
        admin.screenshot(path=str(shots / "admin-results.png"), full_page=True)
        with admin.expect_download() as download:
            admin.click("#export")
        data = Path(download.value.path()).read_bytes()
    book = load_workbook(io.BytesIO(data))
    rows = [[c for c in r] for r in book["党员成绩"].iter_rows(values_only=True)]
    mine = next(r for r in rows if r[0] == "D0001")
    assert mine[4] == 3 and mine[6] == "通过"
    assert any(r[6] == "未参加" for r in rows if r[0] and str(r[0]).startswith("D"))
    with demo_server.runtime.session_factory() as s:
        attempt = s.scalar(select(ExamAttempt))
        assert attempt is not None and attempt.passed and attempt.closed_by == "member"
        assert s.scalar(select(PointsEntry).where(PointsEntry.rule_key == "exam_pass",
                                                  PointsEntry.member_id == attempt.member_id)) is not None
