"""The terminal's study login (登录学习) with an initial PIN from a slip, against a real RoomServer under
Xvfb: the member is asked for their own PIN twice, a weak one is refused by the server, then they are
logged in with the new one. Screenshot: test-artifacts/kiosk/study-login-choose-pin.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screen_server.org import pins
from screen_server.org.models import Member, Role
from screen_server.runner import RoomServer
from screen_server.security import verify_secret
from tests.helpers.factories import make_user
from tests.kiosk.signin_room import pair, seed_room

pytestmark = pytest.mark.kiosk


def test_study_login_with_an_initial_pin(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(1,), open_meeting=False)
    member_id, name = seeded.branches["第1支部"][0]
    with server.runtime.session_factory() as s:
        slip = pins.reset_pin(s, make_user(s, Role.ADMIN), member_id)
        member = s.get(Member, member_id)
        assert member is not None
        number = member.number
        s.commit()
    pair(tmp_path / "state", server, seeded)
    k = kiosk(server=server.http_url, offline=False, state_dir=tmp_path / "state")
    k.until(lambda: k.app.sm.current == "home" and k.app.connection == "up", timeout=15)
    study = k.app.study

    def type_keys(text: str) -> None:
        for key in text:
            k.tap(k.find(k.screen().ids.keypad, "KeyButton", key=key))

    study.open_login()
    k.until(lambda: k.app.sm.current == "study_login")
    type_keys(number)
    k.tap(k.screen().ids.next)
    type_keys(slip.pin)
    k.tap(k.screen().ids.next)
    k.until(lambda: study.login_step == "new_pin", timeout=10)
    assert "初始密码" in study.login_error and study.login_prompt.startswith("首次使用") and not study.member_name
    k.screenshot("study-login-choose-pin")
    for pin in ("111111", "111111"):
        type_keys(pin)
        k.tap(k.screen().ids.next)
    k.until(lambda: "重复" in study.login_error, timeout=10)
    assert study.login_step == "new_pin" and study.login_prompt.startswith("首次使用")
    for pin in ("583920", "583920"):
        type_keys(pin)
        k.tap(k.screen().ids.next)
    k.until(lambda: study.member_name == name, timeout=10)
    with server.runtime.session_factory() as s:
        member = s.get(Member, member_id)
        assert member is not None and not member.pin_must_change and verify_secret(member.pin_hash, "583920")
