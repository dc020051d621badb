"""Running the room's meeting at the terminal, by taps, against a real RoomServer: 主持会议 on the home
screen, a wrong then the right host code, then 关闭签到 (the meeting's sign-in closes), 会议议程 on the
wall, 重新开放签到 (audited with its reason), and leaving. Screenshots: test-artifacts/kiosk/meeting-host-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk import meetinghost
from screen_server.audit.models import AuditEntry
from screen_server.db import utcnow
from screen_server.meetings import console
from screen_server.meetings.models import Meeting
from screen_server.meetings.services import window_state
from screen_server.runner import RoomServer
from tests.kiosk.signin_room import pair, seed_room

SIZE = (1280, 800)


def test_the_view_offers_the_steps() -> None:
    state = {"meeting": {"title": "支部党员大会"}, "window": "open", "step": {"step": "agenda"},
             "counts": {"expected": 15, "signed": 10, "voting_signed": 9, "quorum": True},
             "items": [{"id": 3, "title": "党课视频", "kind": "video"}],
             "polls": [{"id": 5, "title": "民主评议党员", "open": False, "closed": False, "revealed": False}]}
    shown = meetinghost.view(state)
    assert shown.detail == "签到中  ·  大屏：会议议程"
    assert shown.quorum == "应到 15  ·  实到 10  ·  有表决权实到 9  ·  已达到法定人数"
    assert [b.text for b in shown.buttons] == ["关闭签到", "会议议程", "到会情况", "播放：党课视频", "开始表决：民主评议党员",
                                              "结束，大屏回到轮播"]
    assert [b for b in shown.buttons if b.current][0].extra == {"step": "agenda"}
    closed = meetinghost.view(state | {"window": "closed", "polls": [{"id": 5, "title": "评议", "open": False,
                                                                      "closed": True, "revealed": False}]})
    assert closed.buttons[0].action == "reopen_signin" and closed.buttons[0].extra["reason"]
    assert ("公布结果：评议", "reveal") in [(b.text, b.action) for b in closed.buttons]


@pytest.mark.kiosk
def test_the_secretary_runs_the_meeting_at_the_terminal(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server)
    pair(tmp_path / "state", server, seeded)
    k = kiosk(server=server.http_url, offline=False, state_dir=tmp_path / "state", size=SIZE)
    k.until(lambda: k.app.sm.current == "home", timeout=15)
    k.tap(k.screen().ids.meeting_host)
    assert k.app.sm.current == "meeting_host_code"
    for digit in "000000":
        k.tap(k.find(k.screen().ids.keypad, "MeetingCodeKey", key=digit))
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.meeting.code_error == "主持码不正确。", timeout=10)
    code = console.host_code(server.settings.secret_key, seeded.meeting_id)
    for digit in code:
        k.tap(k.find(k.screen().ids.keypad, "MeetingCodeKey", key=digit))
    k.screenshot("meeting-host-code")
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.sm.current == "meeting_host", timeout=10)
    assert k.app.meeting.headline == seeded.meeting_title and k.app.meeting.detail.startswith("签到中")
    k.frames(5)
    k.screenshot("meeting-host-open")

    def tap(text: str) -> None:
        index = next(b["index"] for b in k.app.meeting.buttons if b["text"] == text)
        k.tap(k.find(k.screen().ids.steps, "MeetingStepButton", index=index))

    tap("关闭签到")
    k.until(lambda: k.app.meeting.detail.startswith("签到已关闭"), timeout=10)
    with server.runtime.session_factory() as s:
        meeting = s.get(Meeting, seeded.meeting_id)
        assert meeting is not None and window_state(meeting, utcnow()) == "closed"
    tap("会议议程")
    k.until(lambda: k.app.meeting.detail.endswith("大屏：会议议程"), timeout=10)
    k.screenshot("meeting-host-agenda")
    tap("重新开放签到")
    k.until(lambda: k.app.meeting.detail.startswith("签到中"), timeout=10)
    with server.runtime.session_factory() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.target_type == "meeting"))]
        reopened = s.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.signin_reopened"))
    assert {"meeting.signin_closed", "meeting.console_step", "meeting.signin_reopened"} <= set(actions)
    assert reopened is not None and reopened.actor_name == "一楼终端" and reopened.details["reason"]
    k.app.back("meeting_exit")  # 退出主持 (the TopBar's back button)
    k.until(lambda: k.app.sm.current == "home" and not k.app.meeting.active, timeout=5)
