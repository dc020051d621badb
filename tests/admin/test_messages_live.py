"""Against a running server, in Chromium: a moderator has the 留言墙 page open; a member posts from their
phone (another client); the message appears in the 待审核 list by itself, counts updated, without a
reload and without losing a reason being typed in another row; the added row's 通过 works like the
page's own. Screenshot: test-artifacts/admin/messages-live.png."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from screen_server.demo import DEMO_ROOM_SLUG, MEMBER_PIN
from screen_server.devices.models import Room
from screen_server.messages import services as messages
from screen_server.messages.models import MessageStatus, WallMessage
from screen_server.org.models import Member, User
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN
from tests.helpers.browser import chromium
from tests.helpers.phone import post_form

pytestmark = pytest.mark.browser
WAIT_MS = 10_000  # every wait is bounded: the page asks every 3 s
EARLIER = "学习二十大精神，做合格党员。"
NEW = "作为一名老党员，我要继续发挥余热，参加社区志愿服务。"
REASON = "内容重复"


def _open_topic(server: RoomServer) -> int:
    """The demo organisation, a topic open to every member on the demo room's wall, one message waiting."""
    with server.runtime.session_factory() as s:
        admin = s.scalar(select(User).where(User.username == ADMIN[0]))
        room = s.scalar(select(Room).where(Room.slug == DEMO_ROOM_SLUG))
        member = s.scalar(select(Member).where(Member.number == "D0022"))
        assert admin is not None and room is not None and member is not None
        topic = messages.open_topic(s, server.settings, admin, room_id=room.id, title="说说你心中的优秀共产党员")
        s.commit()
        messages.post_message(s, topic.id, member, EARLIER)
        s.commit()
        return topic.id


def _status_of(server: RoomServer, text: str) -> MessageStatus:
    with server.runtime.session_factory() as s:
        message = s.scalar(select(WallMessage).where(WallMessage.text == text))
        assert message is not None
        return message.status


@pytest.mark.usefixtures("demo_db")
def test_a_post_appears_in_the_open_moderation_page(server: RoomServer, artifacts_dir: Path) -> None:
    topic_id = _open_topic(server)
    base = server.http_url
    out = artifacts_dir / "admin"
    out.mkdir(exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(base + "/admin/messages")
        page.get_by_label("用户名").fill(ADMIN[0])
        page.get_by_label("密码").fill(ADMIN[1])
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="留言墙").wait_for(timeout=WAIT_MS)
        page.get_by_text("待审核 1 条，已上墙 0 条，未通过 0 条").wait_for(timeout=WAIT_MS)
        page.get_by_text("自动更新中").first.wait_for(timeout=WAIT_MS)
        page.evaluate("window.sameLoad = true")  # gone if the page reloads
        earlier = page.locator("tr[data-message]", has_text=EARLIER)
        earlier.get_by_placeholder("原因（可不填）").fill(REASON)  # a moderator busy with another row

        phone = requests.Session()  # another client: a member posting from their phone
        r = post_form(phone, f"{base}/w/{topic_id}", {"text": NEW, "number": "D0021", "pin": MEMBER_PIN})
        assert r.status_code == 200 and "留言已提交" in r.text

        added = page.locator("tr[data-message]", has_text=NEW)
        added.wait_for(timeout=WAIT_MS)
        page.get_by_text("待审核 2 条，已上墙 0 条，未通过 0 条").wait_for(timeout=WAIT_MS)
        assert page.evaluate("window.sameLoad === true")
        assert page.locator("tr[data-message]").all_inner_texts()[-1].count(NEW) == 1  # newest last
        assert earlier.get_by_placeholder("原因（可不填）").input_value() == REASON
        page.screenshot(path=str(out / "messages-live.png"), full_page=True)

        added.get_by_role("button", name="通过", exact=True).click()  # a row the script built: its form and token work
        page.get_by_text("留言已上墙。").wait_for(timeout=WAIT_MS)
        assert _status_of(server, NEW) is MessageStatus.APPROVED
        page.get_by_text("待审核 1 条，已上墙 1 条，未通过 0 条").wait_for(timeout=WAIT_MS)
        context.close()
