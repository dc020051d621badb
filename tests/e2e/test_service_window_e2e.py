"""The service window end to end, in Chromium: a member's phone (390×844) posts a 困难帮扶 request; it
appears on the branch secretary's dashboard; the secretary answers it on the 服务窗口 page; the phone
shows the answer. Then the member signs up for a volunteer service, the secretary marks it done with
its hours, and the member's 服务 score rises by exactly those hours on the phone's record page.
Screenshots: test-artifacts/e2e/service-{phone-form,dashboard,admin,phone-answer,record}.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from screen_server.assessment.services import member_assessment
from screen_server.demo import MEMBER_PIN
from screen_server.org.models import Branch, Member
from screen_server.runner import RoomServer
from tests.admin.forms import SECRETARY, SECRETARY_BRANCH
from tests.helpers.browser import PHONE, chromium

pytestmark = [pytest.mark.browser]
WAIT_MS = 20_000
NEED = "老伴住院，家里无人照看，希望支部帮忙联系社区志愿者。"
ANSWER = "已联系社区卫生服务站，明天上午上门探望。"


def _service(server: RoomServer, member_id: int) -> tuple[float, str]:
    with server.runtime.session_factory() as s:
        data = member_assessment(s, member_id)
    service = next(d for d in data["dimensions"] if d["key"] == "service")
    return service["score"], service["detail"]


def _post(page: Page, category: str, text: str) -> None:
    page.get_by_label(category).check()
    page.fill("#text", text)
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_text("已提交", exact=True).wait_for(timeout=WAIT_MS)


def test_a_request_is_answered_and_volunteer_hours_count(demo_server: RoomServer, artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    base = demo_server.http_url
    with demo_server.runtime.session_factory() as s:
        member = s.scalars(select(Member).join(Member.branch).where(Branch.name == SECRETARY_BRANCH)
                           .order_by(Member.id)).first()
        assert member is not None
        member_id, number = member.id, member.number
    score_before, _detail = _service(demo_server, member_id)

    with chromium() as browser:
        phone = browser.new_context(**PHONE, locale="zh-CN").new_page()
        phone.goto(f"{base}/m/services")
        phone.fill("#number", number)
        phone.fill("#pin", MEMBER_PIN)
        phone.get_by_label("困难帮扶").check()
        phone.fill("#text", NEED)
        phone.screenshot(path=str(shots / "service-phone-form.png"), full_page=True)
        phone.get_by_role("button", name="提交", exact=True).click()
        phone.get_by_text("已提交", exact=True).wait_for(timeout=WAIT_MS)
        assert "办理中" in phone.locator("#mine").inner_text()

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(f"{base}/admin/login")
        desk.fill("#username", SECRETARY[0])
        desk.fill("#password", SECRETARY[1])
        desk.click("button[type=submit]")
        card = desk.locator("#service-requests")
        card.get_by_text(NEED).wait_for(timeout=WAIT_MS)
        desk.screenshot(path=str(shots / "service-dashboard.png"), full_page=True)
        card.get_by_role("link", name="答复").first.click()
        row = desk.locator("tr", has_text=NEED)
        row.locator("textarea").fill(ANSWER)
        desk.screenshot(path=str(shots / "service-admin.png"), full_page=True)
        row.get_by_role("button", name="答复并办结").click()
        desk.get_by_text("已答复并办结。").wait_for(timeout=WAIT_MS)

        phone.goto(f"{base}/m/services")
        mine = phone.locator("#mine")
        mine.get_by_text(f"答复：{ANSWER}").wait_for(timeout=WAIT_MS)
        assert "已办结" in mine.inner_text()
        phone.screenshot(path=str(shots / "service-phone-answer.png"), full_page=True)

        _post(phone, "志愿服务报名", "我报名参加周六的社区环境整治志愿服务")
        desk.goto(f"{base}/admin/services")
        row = desk.locator("tr", has_text="社区环境整治")
        row.locator("textarea").fill("感谢参加，服务时长已登记。")
        row.locator("input[name=hours]").fill("4")
        row.get_by_role("button", name="答复并办结").click()
        desk.get_by_text("志愿服务 4 小时已计入该党员的考核").wait_for(timeout=WAIT_MS)

        score_after, detail = _service(demo_server, member_id)
        phone.goto(f"{base}/m/record")
        record = phone.locator("#study")
        record.get_by_text(detail).wait_for(timeout=WAIT_MS)
        phone.screenshot(path=str(shots / "service-record.png"), full_page=True)
    with demo_server.runtime.session_factory() as s:
        from screen_server.assessment.services import get_config, this_year

        target = get_config(s, this_year()).targets["service_hours"]
    assert score_after == pytest.approx(min(100.0, score_before + round(100 * 4 / target, 1)), abs=0.11)
    assert score_after > score_before


def test_a_correction_from_the_phone_is_accepted_by_the_secretary(demo_server: RoomServer,
                                                                  artifacts_dir: Path) -> None:
    """我的档案: the member asks for their 职务/职称 to be corrected; the secretary accepts it on the
    服务窗口 page; the member's record shows the new value and 已更正.
    Screenshots: test-artifacts/e2e/record-{phone-ask,admin,phone-done}.png."""
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    base = demo_server.http_url
    with demo_server.runtime.session_factory() as s:
        member = s.scalars(select(Member).join(Member.branch).where(Branch.name == SECRETARY_BRANCH)
                           .order_by(Member.id)).all()[1]
        number, member_id = member.number, member.id
    with chromium() as browser:
        phone = browser.new_context(**PHONE, locale="zh-CN").new_page()
        phone.goto(f"{base}/m/record")
        phone.fill("#number", number)
        phone.fill("#pin", MEMBER_PIN)
        phone.get_by_role("button", name="查看").click()
        phone.locator("#fields").wait_for(timeout=WAIT_MS)
        phone.select_option("#field", label="职务/职称")
        phone.fill("#proposed", "党支部组织委员")
        phone.fill("#reason", "今年换届后担任组织委员")
        phone.locator("#correct").screenshot(path=str(shots / "record-phone-ask.png"))
        phone.get_by_role("button", name="提交更正申请").click()
        phone.get_by_text("更正申请已提交").wait_for(timeout=WAIT_MS)
        assert "待处理" in phone.locator("#corrections").inner_text()

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(f"{base}/admin/login")
        desk.fill("#username", SECRETARY[0])
        desk.fill("#password", SECRETARY[1])
        desk.click("button[type=submit]")
        desk.get_by_text("件个人信息更正申请待处理").wait_for(timeout=WAIT_MS)
        desk.get_by_role("link", name="去处理").click()
        row = desk.locator("#corrections tr", has_text="今年换届后担任组织委员")
        desk.locator("#corrections").screenshot(path=str(shots / "record-admin.png"))
        row.get_by_role("button", name="同意更正").click()
        desk.get_by_text("已更正该党员的信息。").wait_for(timeout=WAIT_MS)

        phone.goto(f"{base}/m/record")
        phone.locator("#fields").get_by_text("党支部组织委员").wait_for(timeout=WAIT_MS)
        assert "已更正" in phone.locator("#corrections").inner_text()
        phone.screenshot(path=str(shots / "record-phone-done.png"), full_page=True)
    with demo_server.runtime.session_factory() as s:
        changed = s.get(Member, member_id)
        assert changed is not None and changed.title == "党支部组织委员"
