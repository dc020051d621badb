"""公示与异议 end to end on the demo server, in Chromium: the admin publishes this year's results for 7
days; a member's phone shows their own full detail and the criteria, and files an objection (CSRF form);
their branch secretary answers it with a correction of the record; the phone then shows the new score.
Screenshots: test-artifacts/e2e/assessment-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from screen_server.assessment import services as assessment
from screen_server.demo import MEMBER_PIN
from screen_server.org.models import Member
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN, SECRETARY
from tests.helpers.browser import PHONE, chromium

pytestmark = [pytest.mark.browser]


def _log_in(page: object, base: str, who: tuple[str, str]) -> None:
    page.goto(base + "/admin/login")  # type: ignore[attr-defined]
    page.get_by_label("用户名").fill(who[0])  # type: ignore[attr-defined]
    page.get_by_label("密码").fill(who[1])  # type: ignore[attr-defined]
    page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/admin/**")  # type: ignore[attr-defined]


def test_publish_object_answer_and_see_the_new_score(demo_server: RoomServer, artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    base = demo_server.http_url
    with demo_server.runtime.session_factory() as s:
        member = s.scalar(select(Member).where(Member.number == "D0001"))
        assert member is not None
        mine = next(m for m in assessment.member_scores(s, assessment.this_year()) if m.id == member.id)
    kind = "service" if mine.scores["service"] < 100 else "contribution"
    before = mine.total

    with chromium() as browser:
        admin = browser.new_page(viewport={"width": 1366, "height": 900})
        _log_in(admin, base, ADMIN)
        admin.goto(base + "/admin/assessment")
        admin.fill("#days", "7")
        admin.click("#publish-form button[type=submit]")
        assert "考核结果已公示" in admin.content()
        admin.screenshot(path=str(shots / "assessment-admin-published.png"), full_page=True)

        phone = browser.new_page(**PHONE)
        phone.goto(base + "/m/practice")
        phone.fill("input[name=number]", "D0001")
        phone.fill("input[name=pin]", MEMBER_PIN)
        phone.click("button[type=submit]")
        phone.goto(base + "/m/me")
        text = phone.locator("#assessment").inner_text()
        assert "正在公示" in text and "组织生活" in text
        assert "评分标准" in phone.locator("#criteria").inner_text()
        phone.fill("#reason", "我参加了社区志愿服务和支部的义务劳动，没有登记。")
        phone.click("#objection-form button[type=submit]")
        assert "异议已提交" in phone.locator("#publication").inner_text()
        phone.screenshot(path=str(shots / "assessment-phone-objection.png"), full_page=True)

        secretary = browser.new_page(viewport={"width": 1366, "height": 900})
        _log_in(secretary, base, SECRETARY)
        secretary.goto(base + "/admin/assessment")
        form = secretary.locator("#objections form.objection-answer").first
        form.locator("textarea[name=answer]").fill("已核实，补登 8 小时志愿服务。" if kind == "service" else "已核实，补登贡献积分。")
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=amount]").fill("8")
        form.locator("button[type=submit]").click()
        assert "已答复并更正" in secretary.content()
        secretary.screenshot(path=str(shots / "assessment-secretary-answered.png"), full_page=True)

        phone.goto(base + "/m/me")
        shown = phone.locator("#publication").inner_text()
        assert "已核实" in shown and "已答复" in shown
        with demo_server.runtime.session_factory() as s:
            after = next(m for m in assessment.member_scores(s, assessment.this_year()) if m.id == member.id).total
        assert after > before
        assert f"综合得分由 {before:g} 更正为 {after:g}" in shown
        assert f"{after:g}" in phone.locator("#assessment .figures").inner_text()
        phone.screenshot(path=str(shots / "assessment-phone-answered.png"), full_page=True)
