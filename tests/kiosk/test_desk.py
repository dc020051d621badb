"""The terminal's sign-in flow under Xvfb, by taps, against a real RoomServer: the tile, branch and name
tiles (paged), the PIN keypad, the confirmation; a wrong PIN; a repeat; a room with no open meeting.

Screenshots land in test-artifacts/kiosk/ (signin-*.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from screen_server import protocol
from screen_server.meetings.models import Attendance, SignInMethod
from screen_server.runner import RoomServer
from tests.helpers.factories import PIN
from tests.kiosk.signin_room import SignInRoom, pair, seed_room

pytestmark = pytest.mark.kiosk


def start_terminal(kiosk: Any, server: RoomServer, seeded: SignInRoom, tmp_path: Path) -> Any:
    pair(tmp_path / "state", server, seeded)
    k = kiosk(server=server.http_url, offline=False, state_dir=tmp_path / "state")
    k.until(lambda: k.app.sm.current == "home" and k.app.connection == "up", timeout=15)
    return k


def tile(k: Any, text: str) -> Any:
    return k.until(
        lambda: next(
            (w for w in k.screen().walk() if type(w).__name__ == "PickTile" and w.text == text), None
        )
    )


def key(k: Any, name: str) -> Any:
    return k.find(k.screen(), "PinKey", key=name)


def type_pin(k: Any, pin: str) -> None:
    for digit in pin:
        k.tap(key(k, digit))


def attendances(server: RoomServer) -> list[Any]:
    with server.runtime.session_factory() as s:
        return [(a.member_id, a.method, a.client_id) for a in s.scalars(select(Attendance))]


def test_a_member_signs_in_by_taps(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(14, 2))
    k = start_terminal(kiosk, server, seeded, tmp_path)
    signin_tile = k.find(k.screen(), "Tile", key="signin")
    k.until(lambda: signin_tile.ready and signin_tile.note == "十一月主题党日活动")
    k.screenshot("signin-home")

    k.tap(signin_tile)
    k.until(lambda: k.app.desk.step == "branches")
    assert k.app.sm.current == "signin_pick" and k.app.desk.heading == "请选择您所在的党支部"
    k.screenshot("signin-branches")
    k.tap(tile(k, "第1支部"))
    assert k.app.desk.heading == "第1支部：请选择您的姓名" and k.app.desk.page_label == "第 1 / 2 页"
    k.screenshot("signin-names")
    k.tap(k.screen().ids.next)
    member_id, name = seeded.branches["第1支部"][13]
    k.tap(tile(k, name))

    assert k.app.sm.current == "signin_pin" and k.app.desk.member_name == name
    type_pin(k, "98")
    k.tap(key(k, "back"))
    k.tap(key(k, "back"))
    type_pin(k, PIN)
    assert k.app.desk.pin_dots == "● ● ● ● ● ●"
    k.screenshot("signin-pin")
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.sm.current == "signin_result")
    assert k.app.desk.result_ok and k.app.desk.result_title == f"{name} 同志，签到成功"
    assert "签到成功" in k.app.desk.result_message and "十一月主题党日活动" in k.app.desk.result_detail
    assert attendances(server) == [(member_id, SignInMethod.TERMINAL, k.app.desk.client_id)]
    k.screenshot("signin-done")

    k.app.desk._home_event.timeout = 0  # the confirmation's own timer takes the terminal home
    k.until(lambda: k.app.sm.current == "home")


def test_a_wrong_pin_is_refused_with_the_servers_message_and_writes_nothing(
    kiosk: Any, server: RoomServer, tmp_path: Path
) -> None:
    seeded = seed_room(server, branch_sizes=(2,))
    k = start_terminal(kiosk, server, seeded, tmp_path)
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    member_id, name = seeded.branches["第1支部"][1]
    k.tap(tile(k, name))  # one branch: straight to the names
    k.tap(k.screen().ids.confirm)
    assert k.app.desk.pin_error == "请输入 4–8 位数字密码"
    type_pin(k, "000000")
    k.tap(k.screen().ids.confirm)
    k.until(lambda: "不正确" in k.app.desk.pin_error)
    assert k.app.sm.current == "signin_pin" and k.app.desk.pin_error.startswith("党员编号或密码不正确。")
    assert k.app.desk.pin_dots == "○ ○ ○ ○"
    k.screenshot("signin-wrong-pin")
    assert attendances(server) == []

    type_pin(k, PIN)  # the retry
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.sm.current == "signin_result")
    assert attendances(server)[0][0] == member_id

    k.tap(k.screen().ids.home)
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    k.tap(tile(k, name))
    type_pin(k, PIN)
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.sm.current == "signin_result" and k.app.desk.result_kind == "repeat")
    assert k.app.desk.result_title == f"{name} 同志，您已签到" and "无需重复签到" in k.app.desk.result_message
    assert len(attendances(server)) == 1


def test_back_buttons_walk_the_flow_backwards(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(1, 1))
    k = start_terminal(kiosk, server, seeded, tmp_path)
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    k.tap(tile(k, "第2支部"))
    k.tap(tile(k, seeded.branches["第2支部"][0][1]))
    type_pin(k, "12")

    def back() -> None:
        k.tap(k.find(k.screen(), "BigButton", text="‹ 返回"))

    back()
    assert k.app.sm.current == "signin_pick" and k.app.desk.step == "names" and k.app.desk.pin == ""
    back()
    assert k.app.desk.step == "branches"
    back()
    assert k.app.sm.current == "home"


def test_without_an_open_meeting_the_tile_says_so(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, open_meeting=False)
    k = start_terminal(kiosk, server, seeded, tmp_path)
    signin_tile = k.find(k.screen(), "Tile", key="signin")
    assert not signin_tile.ready and signin_tile.note == "当前没有正在签到的会议"
    k.tap(signin_tile)
    notice = k.find(k.app.root_window, "NoticeView")
    assert notice.message == "当前没有正在签到的会议" and k.app.sm.current == "home"
    k.screenshot("signin-none-open")
    notice.dismiss(animation=False)


def test_sign_in_closing_mid_flow_goes_home(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(2,))
    k = start_terminal(kiosk, server, seeded, tmp_path)
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    k.tap(tile(k, seeded.branches["第1支部"][0][1]))
    assert k.app.sm.current == "signin_pin"
    k.receive({"type": protocol.SIGNIN_CLOSED, "seq": k.app.state.seq + 1, "meeting_id": seeded.meeting_id})
    assert k.app.sm.current == "home" and not k.app.desk.is_open
    notice = k.find(k.app.root_window, "NoticeView")
    assert notice.message == "本次会议的签到已经结束。"
    notice.dismiss(animation=False)


def test_an_unreachable_server_is_said_plainly_with_a_retry(kiosk: Any) -> None:
    from tests.kiosk.test_app import SIGNIN, snapshot

    k = kiosk()  # offline: no link at all
    k.receive(snapshot(signin=SIGNIN))
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    assert k.app.sm.current == "signin_result" and not k.app.desk.result_ok
    assert k.app.desk.result_title == "暂时无法签到" and "无法连接服务器" in k.app.desk.result_message
    assert k.screen().ids.retry.opacity == 1
    k.screenshot("signin-unreachable")
    k.tap(k.screen().ids.retry)
    assert k.app.sm.current == "signin_result"
    k.tap(k.screen().ids.home)
    assert k.app.sm.current == "home"


def test_an_initial_pin_from_a_slip_is_replaced_before_signing_in(
    kiosk: Any, server: RoomServer, tmp_path: Path
) -> None:
    from screen_server.org import pins
    from screen_server.org.models import Member, Role
    from screen_server.security import verify_secret
    from tests.helpers.factories import make_user

    seeded = seed_room(server, branch_sizes=(2,))
    member_id, name = seeded.branches["第1支部"][0]
    with server.runtime.session_factory() as s:
        slip = pins.reset_pin(s, make_user(s, Role.ADMIN), member_id)
        s.commit()
    k = start_terminal(kiosk, server, seeded, tmp_path)
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    k.tap(tile(k, name))
    type_pin(k, slip.pin)
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.desk.changing_pin)
    assert k.app.sm.current == "signin_pin" and "初始密码" in k.app.desk.pin_error
    assert k.app.desk.pin_prompt == "首次使用：请设置您自己的 6 位数字密码" and attendances(server) == []
    k.screenshot("signin-choose-pin")
    for pin in ("123456", "123456"):  # the server refuses a sequence: nothing changes, choose again
        type_pin(k, pin)
        k.tap(k.screen().ids.confirm)
    k.until(lambda: "连续" in k.app.desk.pin_error)
    assert k.app.desk.pin_prompt.startswith("首次使用") and attendances(server) == []
    for pin in ("583920", "583921"):
        type_pin(k, pin)
        k.tap(k.screen().ids.confirm)
    assert "不一致" in k.app.desk.pin_error
    for pin in ("583920", "583920"):
        type_pin(k, pin)
        k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.sm.current == "signin_result")
    assert k.app.desk.result_ok and attendances(server)[0][0] == member_id
    with server.runtime.session_factory() as s:
        member = s.get(Member, member_id)
        assert member is not None and not member.pin_must_change and verify_secret(member.pin_hash, "583920")


def test_with_the_server_down_a_member_signs_in_against_the_pin_cache(kiosk: Any, server: RoomServer,
                                                                     tmp_path: Path) -> None:
    """Offline: the roster from disk, the PIN checked against the terminal's cache, the sign-in queued and
    said so; delivered once when the server is back."""
    import dataclasses

    from screen_server.runtime import build_runtime
    from tests.helpers.fake_room import wait_until

    seeded = seed_room(server, branch_sizes=(3,))
    k = start_terminal(kiosk, server, seeded, tmp_path)
    k.until(lambda: k.app.link.pins is not None and k.app.link.pins.has_cache(), timeout=15)
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    k.until(lambda: k.app.desk.step == "names")  # the roster, now also kept on disk
    k.app.desk.leave()  # the member walks away (the back button does the same)
    k.until(lambda: k.app.sm.current == "home")

    server.stop()  # the server goes down
    k.tap(k.find(k.screen(), "Tile", key="signin"))
    member_id, name = seeded.branches["第1支部"][2]
    k.tap(tile(k, name))
    type_pin(k, PIN)
    k.tap(k.screen().ids.confirm)
    k.until(lambda: k.app.sm.current == "signin_result", timeout=15)
    assert k.app.desk.result_ok and k.app.desk.result_title == f"{name} 同志，签到已记录"
    assert "恢复连接后自动提交" in k.app.desk.result_message
    k.screenshot("signin-offline-queued")
    assert [r["member_id"] for r in k.app.outbox.pending_records("signin")] == [member_id]

    settings = dataclasses.replace(server.settings, port=server.http_port, ws_port=server.runtime.ws_port)
    again = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    try:
        wait_until(lambda: not k.app.outbox.pending_records("signin"), 30)
        assert attendances(again) == [(member_id, SignInMethod.TERMINAL, k.app.desk.client_id)]
    finally:
        again.stop()
