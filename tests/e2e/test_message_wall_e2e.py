"""The message wall end to end: the admin opens a topic for the demo room, the wall (Kivy, under Xvfb)
switches to it by itself; a member scans the wall's QR and posts from a phone (Chromium at 390×844);
the wall does not show the message while it waits; the admin approves it and the wall shows it, name
masked. Screenshots: test-artifacts/e2e/wall-messages.png, phone-message-{form,posted,wall}.png."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import Room
from screen_server.meetings.models import Meeting
from screen_server.messages.models import MessageStatus, WallMessage
from screen_server.org.models import Member
from screen_server.org.services import mask_name
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN, login, post
from tests.helpers.browser import PHONE, chromium

pytestmark = [pytest.mark.kiosk, pytest.mark.browser]
PAGE = "/admin/messages"
WAIT_MS = 20_000
MINE = "作为一名老党员，我要继续发挥余热，参加社区志愿服务，用实际行动践行入党誓言。"
FIRST = "不忘初心，牢记使命！"


def decode(path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(path))]


def post_from_a_phone(url: str, shots: Path) -> tuple[str, list[Any]]:
    """Open the wall's QR address at a phone's size, identify as D0021 and post; return the page's text
    and the cookies the phone now holds."""
    with chromium() as browser:
        context = browser.new_context(**PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(url)
        page.locator("#text").wait_for(timeout=WAIT_MS)
        page.locator("#text").fill(MINE)
        page.locator("#counter").get_by_text(f"已输入 {len(MINE)} / 140 字").wait_for(timeout=WAIT_MS)
        page.locator("#number").fill("D0021")
        page.locator("#pin").fill(MEMBER_PIN)
        page.screenshot(path=str(shots / "phone-message-form.png"), full_page=True)
        page.get_by_role("button", name="提交留言").click()
        page.get_by_text("留言已提交").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(shots / "phone-message-posted.png"), full_page=True)
        return page.inner_text("body"), context.cookies()


def look_again(url: str, cookies: list[Any], shots: Path) -> str:
    """The same phone, later: its own message's status and what is on the wall."""
    with chromium() as browser:
        context = browser.new_context(**PHONE, locale="zh-CN")
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(url)
        page.get_by_text("已上墙", exact=True).first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(shots / "phone-message-wall.png"), full_page=True)
        return page.inner_text("body")


def in_a_thread(wall: Any, fn: Any, *args: Any) -> Any:
    """Run a phone (Playwright is blocking) while the wall keeps drawing and receiving."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="phone") as pool:
        job = pool.submit(fn, *args)
        wall.until(job.done, timeout=90)
        return job.result()


def test_a_message_reaches_the_wall_only_once_approved(demo_server: RoomServer, kiosk: Any,
                                                       artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    base = demo_server.http_url
    with demo_server.runtime.session_factory() as s:
        s.execute(update(Meeting).values(signin_closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        s.commit()
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
        me = s.scalar(select(Member).where(Member.number == "D0021"))
        assert me is not None
        my_name, my_branch = me.name, me.branch.short_name or me.branch.name
    wall = kiosk(mode="wall", server=base, offline=False, size=(1920, 1080))
    wall.until(lambda: wall.app.state.paired and wall.app.sm.current.startswith("wall"), timeout=20)

    admin = demo_server.app.test_client()
    login(admin, *ADMIN)
    r = post(admin, PAGE, {"title": "说说你心中的优秀共产党员", "room_id": str(room_id), "branch_id": ""}, page=PAGE)
    assert r.status_code == 302
    wall.until(lambda: wall.app.sm.current == "wall_messages" and wall.app.message_wall, timeout=10)
    topic_id = wall.app.message_wall["id"]
    [url] = decode(wall.screenshot("e2e-wall-messages-empty"))
    assert url == f"{base}/w/{topic_id}"

    text, cookies = in_a_thread(wall, post_from_a_phone, url, shots)
    assert "待审核" in text and MINE in text
    browser = requests.Session()  # another phone: loads the form (and its CSRF token), then posts it
    token = browser.get(f"{base}/w/{topic_id}", timeout=10).text.split('name="csrf_token" value="')[1].split('"')[0]
    other = browser.post(f"{base}/w/{topic_id}", data={"text": FIRST, "number": "D0022", "pin": MEMBER_PIN,
                                                      "csrf_token": token}, timeout=10)
    assert other.status_code == 200 and "留言已提交" in other.text
    with demo_server.runtime.session_factory() as s:
        pending = {m.text: m.id for m in s.scalars(select(WallMessage).where(
            WallMessage.topic_id == topic_id, WallMessage.status == MessageStatus.PENDING))}
    assert set(pending) == {MINE, FIRST}

    # D0022's message is approved first: once the wall shows it, the wall has had every event raised
    # before it — and D0021's message, still waiting, is not among them.
    assert post(admin, f"{PAGE}/m/{pending[FIRST]}/approve", {}, page=PAGE).status_code == 302
    wall.until(lambda: [m["text"] for m in wall.app.message_wall.get("messages", [])] == [FIRST], timeout=10)
    assert [c.message for c in wall.screen().cards()] == [FIRST]

    assert post(admin, f"{PAGE}/m/{pending[MINE]}/approve", {}, page=PAGE).status_code == 302
    wall.until(lambda: [c.message for c in wall.screen().cards()] == [MINE, FIRST], timeout=10)
    newest = wall.screen().cards()[0]
    assert newest.name == f"{mask_name(my_name)} · {my_branch}" and my_name not in newest.name
    assert newest.newest and "已上墙 2 条" in wall.screen().note
    wall.frames(60)  # let the newest card finish fading in
    wall.app.save_screenshot(shots / "wall-messages.png")

    text = in_a_thread(wall, look_again, url, cookies, shots)
    assert "已上墙" in text and "大屏上的留言（2 条）" in text and mask_name(my_name) in text


def test_the_web_wall_shows_the_message_wall_and_polls(demo_server: RoomServer, artifacts_dir: Path) -> None:
    from screen_server.http.wall import display_key
    from screen_server.messages import services as messages
    from screen_server.org.models import User
    from screen_server.polls import services as polls

    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    settings = demo_server.settings
    with demo_server.runtime.session_factory() as s:
        s.execute(update(Meeting).values(signin_closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
        admin = s.scalar(select(User).where(User.username == ADMIN[0]))
        member = s.scalar(select(Member).where(Member.number == "D0023"))
        assert admin is not None and member is not None
        topic = messages.open_topic(s, settings, admin, room_id=room_id, title="对支部工作的建议")
        s.commit()
        note = messages.post_message(s, topic.id, member, "<b>建议</b>多组织红色教育基地参观学习")
        hidden = messages.post_message(s, topic.id, member, "这一条还在等待审核")
        messages.approve(s, settings, admin, note.id)
        s.commit()
        masked, topic_id, hidden_text = mask_name(member.name), topic.id, hidden.text
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{demo_server.http_url}/wall/demo?key={display_key(settings.secret_key, 'demo')}")
        page.locator("body[data-page='messages']").wait_for(state="attached", timeout=WAIT_MS)
        assert page.inner_text("#messages-title") == "对支部工作的建议"
        page.locator("#message-cards .card", has_text="<b>建议</b>多组织").wait_for(timeout=WAIT_MS)
        assert masked in page.inner_text("#message-cards") and hidden_text not in page.inner_text("body")
        assert page.locator("#message-cards b").count() == 0  # the member's tags are text, not HTML
        page.locator(f"#messages-qr[src*='w%2F{topic_id}']").wait_for(timeout=WAIT_MS)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / "web-wall-messages.png"))

        with demo_server.runtime.session_factory() as s:
            poll = polls.create_poll(s, title="本月主题党日活动满意度", kind="single", room_id=room_id,
                                     options=["非常满意", "满意", "一般"])
            s.commit()
            polls.vote(s, poll.id, member, [0])
            s.commit()
            poll_id = poll.id
        page.locator("body[data-page='poll']").wait_for(state="attached", timeout=WAIT_MS)
        page.locator("#poll-note", has_text="已投 1 人").wait_for(timeout=WAIT_MS)
        assert [t.strip() for t in page.locator("#poll-bars .barrow b").all_inner_texts()] == ["1 票", "0 票", "0 票"]
        page.locator(f"#poll-qr[src*='v%2F{poll_id}']").wait_for(timeout=WAIT_MS)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / "web-wall-poll.png"))
        with demo_server.runtime.session_factory() as s:
            polls.close_poll(s, poll_id)
            s.commit()
        page.locator("body[data-page='messages']").wait_for(state="attached", timeout=WAIT_MS)
        with demo_server.runtime.session_factory() as s:
            admin = s.scalar(select(User).where(User.username == ADMIN[0]))
            assert admin is not None
            messages.close_topic(s, settings, admin, topic_id)
            s.commit()
        page.locator("body[data-page='home']").wait_for(state="attached", timeout=WAIT_MS)
        assert not errors, errors
