"""服务窗口 and 我的档案 at a terminal (Kivy under Xvfb, on the demo server): a member logged in with
number and PIN opens 服务窗口 from 我的学习, picks 困难帮扶 and taps a ready phrase; the request is on
the server, routed to the branch secretary; the secretary answers it in the admin and the terminal
shows the answer. 我的档案 shows the member's own fields and meetings.
Screenshots: test-artifacts/e2e/terminal-services{,-answered}.png, terminal-record.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from screen_server.org.models import Member, Role, User
from screen_server.runner import RoomServer
from screen_server.service_window.models import ServiceRequest
from tests.admin.forms import SECRETARY, login, post
from tests.helpers.terminal import type_number_and_pin

pytestmark = [pytest.mark.kiosk]


def _log_in(t: Any, number: str) -> None:
    t.app.open_tile("study")
    t.until(lambda: t.app.sm.current == "library")
    t.app.study.open_login()
    t.until(lambda: t.app.sm.current == "study_login")
    type_number_and_pin(t, number)


def test_a_terminal_request_is_answered_and_the_record_shown(demo_server: RoomServer, kiosk: Any,
                                                             artifacts_dir: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    with demo_server.runtime.session_factory() as s:
        secretary = s.scalar(select(User).where(User.username == SECRETARY[0]))
        assert secretary is not None and secretary.role is Role.SECRETARY
        member = s.scalars(select(Member).where(Member.branch_id == secretary.branch_id).order_by(Member.id)).first()
        assert member is not None
        number, name, phone = member.number, member.name, member.phone
    t = kiosk(mode="terminal", server=demo_server.http_url, offline=False, size=(1280, 800))
    t.until(lambda: t.app.sm.current == "home", timeout=20)
    _log_in(t, number)
    t.app.study.open_mine()
    t.until(lambda: t.app.sm.current == "my_study")
    t.frames(2)
    t.tap(t.screen().ids.services)
    t.until(lambda: t.app.sm.current == "services" and len(t.app.service_desk.category_rows) == 5, timeout=10)
    t.frames(2)
    t.tap(t.find(t.screen().ids.categories, "ServiceChoice", key="hardship"))
    t.until(lambda: any(r["selected"] and r["key"] == "hardship" for r in t.app.service_desk.category_rows))
    t.frames(2)
    phrase = t.find(t.screen().ids.phrases, "ServicePhrase")
    said = phrase.text
    t.tap(phrase)
    t.until(lambda: "已提交“困难帮扶”" in t.app.service_desk.status_text, timeout=10)
    t.frames(2)
    t.app.save_screenshot(shots / "terminal-services.png")
    with demo_server.runtime.session_factory() as s:
        req = s.scalar(select(ServiceRequest))
        assert req is not None and req.text == said and req.owner_user_id == secretary.id
        request_id = req.id

    admin = demo_server.app.test_client()
    login(admin, *SECRETARY)
    r = post(admin, f"/admin/services/{request_id}/answer", {"answer": "书记明天上门走访"}, page="/admin/services")
    assert r.status_code == 302
    t.app.back("my_study")
    t.app.service_desk.open()
    t.until(lambda: any("答复：书记明天上门走访" in row["text"] for row in t.app.service_desk.request_rows), timeout=10)
    t.frames(2)
    t.app.save_screenshot(shots / "terminal-services-answered.png")

    t.app.back("my_study")
    t.frames(1)
    t.tap(t.screen().ids.record)
    t.until(lambda: t.app.sm.current == "my_record" and name in t.app.service_desk.record_fields, timeout=10)
    assert phone in t.app.service_desk.record_fields  # decrypted, for the member themselves
    assert "申请更正" in t.app.service_desk.record_corrections
    t.frames(2)
    t.app.save_screenshot(shots / "terminal-record.png")
