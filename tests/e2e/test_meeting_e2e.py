"""A 支部党员大会 from its template, from the first scan to the ledger's last line, with the kiosk wall
under Xvfb, the room's terminal in host mode (its HTTP API, with the meeting's host code) and phones:

10 members sign in and the wall shows quorum reached; the host closes sign-in at the terminal; the wall
shows the agenda, then a video, then a 民主评议党员 ballot that the 10 phones fill in (one in Chromium)
while the wall shows only the turnout; the host reveals the results; the wall returns to its loop; the
recorder adds minutes, decisions and two photos; the ledger's .xlsx holds quorum, minutes and decisions.
Every WebSocket message the room received during the voting is kept and checked: no member, no rating.

Screenshots: test-artifacts/e2e/meeting-*.png."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from content.models import Item, ItemKind, ReviewStatus
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import Room
from screen_server.meetings import console, qr
from screen_server.meetings.models import Meeting
from screen_server.org.models import Branch, Member
from screen_server.polls.models import Poll
from screen_server.runner import RoomServer
from tests.admin.forms import ADMIN, SECRETARY, SECRETARY_BRANCH, login, post
from tests.helpers.browser import chromium
from tests.helpers.phone import TOKEN, post_form
from tests.helpers.ws import RoomClient

pytestmark = [pytest.mark.kiosk, pytest.mark.browser]
RATINGS = ("优秀", "合格", "基本合格", "不合格")


class Listener:
    """A WebSocket client of the room in its own thread, keeping every message it receives."""

    def __init__(self, url: str, token: str) -> None:
        self.messages: list[str] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(url, token),), daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    async def _run(self, url: str, token: str) -> None:
        client = await RoomClient.open(url, device_token=token)
        self._ready.set()
        while not self._stop.is_set():
            try:
                self.messages.append(await asyncio.wait_for(client.ws.recv(), 0.2))  # type: ignore[arg-type]
            except TimeoutError:
                continue
        await client.close()

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(10)
        return self.messages


def _photo(colour: str) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (640, 420), colour).save(buf, "PNG")
    buf.seek(0)
    return buf


def test_a_branch_general_meeting_end_to_end(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path) -> None:
    base, settings = demo_server.http_url, demo_server.settings
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    with demo_server.runtime.session_factory() as s:
        room_id = s.scalar(select(Room.id).where(Room.slug == "demo"))
        branch = s.scalar(select(Branch).where(Branch.name == SECRETARY_BRANCH))
        assert room_id is not None and branch is not None
        branch_id = branch.id
        people = [(m.id, m.number, m.name) for m in s.scalars(
            select(Member).where(Member.branch_id == branch_id, Member.active.is_(True)).order_by(Member.number))]
        demo_meeting = s.scalar(select(Meeting).where(Meeting.signin_closes_at > dt.datetime.now(dt.UTC)))
        video = s.scalar(select(Item).where(Item.kind == ItemKind.VIDEO, Item.status == ReviewStatus.PUBLISHED))
        assert demo_meeting is not None and video is not None and len(people) >= 12
        demo_meeting_id, video_id = demo_meeting.id, video.id
    wall = kiosk(mode="wall", server=base, offline=False, size=(1920, 1080))
    wall.until(lambda: wall.app.state.paired and wall.app.sm.current == "signin_wall", timeout=20)

    admin, secretary = demo_server.app.test_client(), demo_server.app.test_client()
    login(admin, *ADMIN)
    login(secretary, *SECRETARY)
    # the demo's own meeting hands the room over: its sign-in closes from its console
    r = post(admin, f"/admin/meetings/{demo_meeting_id}/signin/close", {}, page=f"/admin/meetings/{demo_meeting_id}/console")
    assert r.status_code == 302

    # 1. a 支部党员大会 from its template: agenda, attendees and quorum rule filled in
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    r = post(secretary, "/admin/meetings/from-template", {
        "type": "branch_general", "branch_id": str(branch_id), "room_id": str(room_id), "title": "第四季度支部党员大会",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "host": "王书记", "recorder": "李委员"},
        page="/admin/meetings/templates")
    assert r.status_code == 302, r.get_data(as_text=True)
    meeting_id = int(re.search(r"/meetings/(\d+)/console", r.headers["Location"]).group(1))  # type: ignore[union-attr]
    with demo_server.runtime.session_factory() as s:
        m = s.get(Meeting, meeting_id)
        assert m is not None and m.quorum_rule == "half" and "法定人数" in m.agenda and len(m.expected) == len(people)
    wall.until(lambda: (wall.app.state.signin or {}).get("meeting", {}).get("id") == meeting_id, timeout=10)

    # 2. ten members sign in on their phones (each phone is remembered: it votes later with one tap)
    phones: dict[int, requests.Session] = {}
    for member_id, number, _name in people[:10]:
        phone = requests.Session()
        code = qr.current(settings.secret_key, meeting_id, dt.datetime.now(dt.UTC), settings.qr_rotate_seconds)
        form = phone.get(base + code.path, timeout=10).text
        scan_pass = form.split('name="pass" value="')[1].split('"')[0]
        token = TOKEN.search(form).group(1)  # type: ignore[union-attr]
        done = phone.post(f"{base}/s/{meeting_id}", timeout=10,
                          data={"pass": scan_pass, "number": number, "pin": MEMBER_PIN, "csrf_token": token})
        assert "签到成功" in done.text
        phones[member_id] = phone
    wall.until(lambda: (wall.app.state.signin or {}).get("counts", {}).get("signed") == 10, timeout=10)
    counts = wall.app.state.signin["counts"]
    assert counts["quorum"] is True and counts["voting_signed"] == 10
    wall.until(lambda: "已达到法定人数" in wall.app.board.extra, timeout=5), wall.app.board.extra
    wall.frames(20)
    wall.app.save_screenshot(shots / "meeting-1-signin-quorum.png")

    # 3. the host closes sign-in at the room's terminal (host mode: the meeting's six-digit code)
    terminal = requests.post(f"{base}/api/devices/pairing", json={"name": "活动室终端", "mode": "terminal"},
                             timeout=10).json()["device_token"]
    host_code = console.host_code(settings.secret_key, meeting_id)
    auth = {"Authorization": f"Bearer {terminal}"}

    def host(action: str, **extra: Any) -> dict[str, Any]:
        answer = requests.post(f"{base}/api/device/meeting-host", json={"code": host_code, "action": action} | extra,
                               headers=auth, timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    assert host("check")["window"] == "open"
    assert host("close_signin")["window"] == "closed"
    wall.until(lambda: wall.app.state.signin is None and wall.app.sm.current != "signin_wall", timeout=10)

    # 4. the agenda, then a video
    host("step", step="agenda")
    wall.until(lambda: wall.app.sm.current == "wall_agenda", timeout=10)
    assert wall.screen().quorum_text == "已达到法定人数"
    wall.frames(20)
    wall.app.save_screenshot(shots / "meeting-2-agenda.png")
    host("step", step="item", ref=video_id)
    wall.until(lambda: wall.app.sm.current == "wall_media" and wall.screen().source, timeout=20)
    wall.frames(30)
    wall.app.save_screenshot(shots / "meeting-3-video.png")

    # 5. the 民主评议党员 ballot: prepared in the admin, opened with its step (quorum is there)
    page = f"/admin/meetings/{meeting_id}/console"
    r = post(secretary, f"/admin/meetings/{meeting_id}/ballots", {
        "title": "2026年度民主评议党员", "form": "appraisal", "anonymous": "on", "requires_vote": "on",
        "hide_results": "on"}, page=page)
    assert r.status_code == 302
    with demo_server.runtime.session_factory() as s:
        poll_id = s.scalar(select(Poll.id).where(Poll.meeting_id == meeting_id))
    assert poll_id is not None
    listener = Listener(demo_server.ws_url, terminal)
    host("step", step="poll", ref=poll_id)
    wall.until(lambda: wall.app.sm.current == "wall_poll" and wall.app.poll.get("open"), timeout=10)

    outsider = people[11]  # not signed in: no ballot
    refused = post_form(requests.Session(), f"{base}/v/{poll_id}", {"number": outsider[1], "pin": MEMBER_PIN})
    assert refused.status_code == 403 and "已签到参会" in refused.text
    for n, (member_id, _number, _name) in enumerate(people[:9]):
        ballot = phones[member_id].get(f"{base}/v/{poll_id}", timeout=10).text
        assert "当前结果" not in ballot and "结果（" not in ballot
        subjects = sorted(set(int(x) for x in re.findall(r'name="rate_(\d+)"', ballot)))
        assert member_id not in subjects and len(subjects) == len(people) - 1
        rates = {f"rate_{s_id}": str((n + s_id) % 4) for s_id in subjects}
        done = phones[member_id].post(f"{base}/v/{poll_id}", timeout=10,
                                      data=rates | {"csrf_token": TOKEN.search(ballot).group(1)})  # type: ignore[union-attr]
        assert "投票成功" in done.text and "当前结果" not in done.text
        if n == 4:
            wall.until(lambda: wall.app.poll.get("voters") == 5, timeout=10)
            wall.frames(20)
            wall.app.save_screenshot(shots / "meeting-4-ballot-turnout.png")
            assert all("count" not in o for o in wall.app.poll["options"])
    tenth = people[9]
    with chromium() as browser:  # the tenth phone in Chromium: identifies on the ballot page, rates, submits
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(f"{base}/v/{poll_id}")
        assert "当前结果" not in phone.content()
        for group in phone.locator("fieldset.rate").all():
            group.locator("input[type=radio]").nth(1).check()
        phone.fill("input[name=number]", tenth[1])
        phone.fill("input[name=pin]", MEMBER_PIN)
        phone.screenshot(path=str(shots / "meeting-5-phone-ballot.png"), full_page=False)
        phone.locator("button[type=submit]").click()
        phone.get_by_text("投票成功").wait_for(timeout=10_000)
        phone.screenshot(path=str(shots / "meeting-6-phone-voted.png"))
    wall.until(lambda: wall.app.poll.get("voters") == 10, timeout=10)
    assert all("count" not in o for o in wall.app.poll["options"])
    during = listener.stop()

    # 6. the host reveals; then the wall goes back to its loop
    host("reveal", ref=poll_id)
    wall.until(lambda: wall.app.poll.get("revealed") and "count" in wall.app.poll["options"][0], timeout=10)
    wall.frames(20)
    wall.app.save_screenshot(shots / "meeting-7-revealed.png")
    host("end")
    wall.until(lambda: wall.app.sm.current in {"wall", "wall_stats", "wall_board"}, timeout=10)
    wall.frames(20)
    wall.app.save_screenshot(shots / "meeting-8-loop.png")

    # what the room heard while the ballots came in: turnout, never a member or a rating
    assert during, "no message during the voting"
    names = [p[2] for p in people] + [p[1] for p in people]
    for raw in during:
        msg = json.loads(raw)
        if msg.get("type") == "poll.updated":  # the turnout: the rating labels, no count, no rated member
            assert all(set(o) == {"index", "text"} for o in msg["poll"]["options"]) and '"count"' not in raw
            assert "subjects" not in msg["poll"] and msg["poll"]["labels"] == list(RATINGS)
        assert not any(n in raw for n in names) or msg.get("type") in {"signin.recorded", "snapshot", "stats.updated"}

    # 7. minutes, decisions and two photos; held
    minutes_page = f"/admin/meetings/{meeting_id}/minutes"
    r = post(secretary, minutes_page, {"minutes": "## 会议内容\n王书记通报到会情况，达到法定人数。\n\n开展2026年度民主评议党员。",
                                       "decisions": "通过2026年度民主评议党员结果\n下月开展主题党日志愿服务"},
             page=minutes_page)
    assert r.status_code == 302
    for colour, name in (("#b71c1c", "会场.png"), ("#fdd835", "合影.png")):
        token = re.search(r'name="csrf_token" value="([^"]+)"', secretary.get(minutes_page).get_data(as_text=True))
        assert token is not None
        r = secretary.post(f"/admin/meetings/{meeting_id}/photos", content_type="multipart/form-data",
                           data={"photo": (_photo(colour), name), "caption": name[:-4], "csrf_token": token.group(1)})
        assert r.status_code == 302
    r = post(secretary, f"/admin/meetings/{meeting_id}/held", {}, page=minutes_page)
    assert r.status_code == 302
    record = secretary.get(f"/admin/meetings/{meeting_id}/record").get_data(as_text=True)
    assert "已达到" in record and "通过2026年度民主评议党员结果" in record and "活动照片 2 张" in record

    # 8. the ledger's .xlsx
    today = dt.date.today()
    r = secretary.get(f"/api/ledger.xlsx?start={(today - dt.timedelta(days=1)).isoformat()}"
                      f"&end={(today + dt.timedelta(days=1)).isoformat()}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws is not None
    headings = [c.value for c in ws[2]]
    rows = {row[2]: dict(zip(headings, row, strict=True)) for row in ws.iter_rows(min_row=3, values_only=True)}
    line = rows["第四季度支部党员大会"]
    assert line["法定人数"].startswith("已达到") and line["实到"] == 10 and line["记录人"] == "李委员"
    assert "达到法定人数" in line["会议记录摘要"] and "下月开展主题党日志愿服务" in line["决议事项"]
    assert line["照片（张）"] == 2 and line["民主评议结果"].count("优秀") == len(people)

    # 9. what the secretary and the web wall see: the console, the minutes, the printable record, the
    # templates; the web wall following a console step
    from screen_server.http.wall import display_key

    host("step", step="quorum")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/admin/login")
        page.get_by_label("用户名").fill(SECRETARY[0])
        page.get_by_label("密码").fill(SECRETARY[1])
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/admin/**")
        for name, path in (("console", f"/admin/meetings/{meeting_id}/console"), ("minutes", minutes_page),
                           ("templates", "/admin/meetings/templates")):
            page.goto(base + path)
            page.screenshot(path=str(shots / f"meeting-admin-{name}.png"), full_page=True)
        assert "有表决权实到" in page.goto(base + f"/admin/meetings/{meeting_id}/console").text()  # type: ignore[union-attr]
        page.goto(base + f"/admin/meetings/{meeting_id}/record")
        page.emulate_media(media="print")
        page.screenshot(path=str(shots / "meeting-admin-record-print.png"), full_page=True)
        page.pdf(path=str(shots / "meeting-record.pdf"), format="A4")
        wall_page = browser.new_page(viewport={"width": 1920, "height": 1080})
        wall_page.on("pageerror", lambda exc: errors.append(str(exc)))
        wall_page.goto(f"{base}/wall/demo?key={display_key(settings.secret_key, 'demo')}")
        wall_page.locator("body[data-page='agenda']").wait_for(state="attached", timeout=20_000)
        assert "已达到法定人数" in wall_page.inner_text("#agenda-figures")
        wall_page.screenshot(path=str(shots / "meeting-web-wall-quorum.png"))
        host("end")
        wall_page.locator("body[data-page='home']").wait_for(state="attached", timeout=10_000)
        assert not errors, errors
