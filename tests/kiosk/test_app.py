"""The kiosk's screens under Xvfb: pairing, home tiles, announcements, offline banner, idle, wall.

Screenshots of each land in test-artifacts/kiosk/ for people to look at."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kiosk import state as st
from screen_server import protocol
from tests.helpers.fake_room import ROOM, announcement

pytestmark = pytest.mark.kiosk

ITEMS = [
    announcement(
        3,
        "关于召开十一月份党员大会的通知",
        level="important",
        publish_at="2026-11-20T01:00:00+00:00",
        body="定于11月25日（星期二）下午3时在党员活动室召开党员大会。\n\n请全体党员准时参加，"
        "因故不能参加的请提前向支部书记请假。" * 3,
    ),
    announcement(
        2,
        "党员活动室开放时间",
        publish_at="2026-11-18T01:00:00+00:00",
        body="周一至周五 8:30—17:30 开放，欢迎党员同志前来学习。",
    ),
    announcement(1, "紧急：今日下午停电检修", level="urgent", publish_at="2026-11-17T01:00:00+00:00"),
]


def snapshot(seq: int = 5, items: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    state = {
        "device": {"id": 1, "name": "一楼终端", "role": "terminal", "room": ROOM},
        "room": ROOM,
        "announcements": ITEMS if items is None else items,
        "settings": {"room_name": "党员活动室（一楼）", "idle_seconds": 120},
    } | extra
    return {"type": protocol.SNAPSHOT, "seq": seq, "state": state}


def test_pairing_screen_shows_the_code_large(kiosk: Any) -> None:
    k = kiosk()
    assert k.app.sm.current == "pairing"
    k.receive({"type": st.PAIRING_CODE, "pairing_code": "482915", "expires_at": ""})
    code = k.screen().ids.code
    assert code.text == "482 915" and code.font_size >= 140
    k.screenshot("pairing")
    k.receive({"type": st.PAIRING_APPROVED, "device": None})
    assert k.app.sm.current == "home"


def test_home_shows_the_room_and_honest_tiles(kiosk: Any) -> None:
    k = kiosk()
    k.receive(snapshot())
    assert k.app.sm.current == "home"
    home = k.screen()
    assert k.find(home, "Label", text="党员活动室（一楼）")
    tile = k.find(home, "Tile", key="announcements")
    assert tile.note == "共 3 条" and tile.height >= 200 and tile.width >= 200
    k.screenshot("home-1920x1080")
    k.tap(k.find(home, "Tile", key="stats"))
    assert k.app.sm.current == "wall_stats"  # the room's figures, with a way back
    k.tap(k.screen().ids.back)
    assert k.app.sm.current == "home"


def test_home_in_portrait_uses_two_columns(kiosk: Any) -> None:
    k = kiosk(size=(1080, 1920))
    k.receive(snapshot())
    assert k.app.tile_columns == 2
    k.screenshot("home-1080x1920")


def test_announcements_list_and_full_screen_detail(kiosk: Any) -> None:
    k = kiosk()
    k.receive(snapshot())
    k.tap(k.find(k.screen(), "Tile", key="announcements"))
    assert k.app.sm.current == "announcements"
    rows = k.until(lambda: [w for w in k.screen().walk() if type(w).__name__ == "AnnouncementRow"])
    assert [r.title for r in sorted(rows, key=lambda r: -r.y)] == [a["title"] for a in ITEMS]
    k.screenshot("announcements")
    k.tap(next(r for r in rows if r.announcement_id == 3))
    assert k.app.sm.current == "announcement"
    assert k.app.detail_title == ITEMS[0]["title"] and "党员大会" in k.app.detail_body
    k.screenshot("announcement-detail")
    # withdrawn while being read: back to the list, which no longer has it
    k.receive({"type": protocol.ANNOUNCEMENT_WITHDRAWN, "seq": 6, "id": 3})
    assert k.app.sm.current == "announcements"
    assert [r["announcement_id"] for r in k.app.announcement_rows] == [2, 1]


def test_a_burst_of_events_is_one_redraw(kiosk: Any) -> None:
    k = kiosk()
    k.receive(snapshot(items=[]))
    redraws: list[Any] = []
    k.app.bind(announcement_rows=lambda *_: redraws.append(1))
    for i in range(20):
        k.app.receive(
            {
                "type": protocol.ANNOUNCEMENT_PUBLISHED,
                "seq": 10 + i,
                "announcement": announcement(100 + i, f"公告{i}"),
            }
        )
    k.frames(2)
    assert len(redraws) == 1 and len(k.app.announcement_rows) == 20


def test_offline_banner_keeps_showing_what_it_has(kiosk: Any) -> None:
    k = kiosk()
    k.receive(snapshot(), {"type": st.LINK_STATUS, "status": st.UP})
    banner = k.find(k.app.root, "OfflineBanner")
    assert banner.height == 0
    k.receive({"type": st.LINK_STATUS, "status": st.DOWN, "detail": "refused"})
    assert banner.height > 0 and "服务器连接中断，正在重新连接…" in k.app.offline_text
    assert k.app.latest_title == ITEMS[0]["title"]  # still there
    k.screenshot("home-offline")
    k.receive({"type": st.LINK_STATUS, "status": st.UP})
    assert banner.height == 0


def test_idle_terminal_goes_to_attract_and_a_touch_wakes_it(kiosk: Any) -> None:
    k = kiosk(idle_seconds=30)
    k.receive(snapshot())
    k.app.last_touch = time.monotonic() - 20  # a margin, not a timing: a loaded machine may pause here
    k.app.check_idle()
    assert k.app.sm.current == "home"
    k.app.last_touch = time.monotonic() - 31
    k.app.check_idle()
    k.frames()
    assert k.app.sm.current == "attract"
    k.screenshot("attract")
    k.tap(k.screen())
    assert k.app.sm.current == "home"


def test_wall_home_rotates_announcements(kiosk: Any) -> None:
    k = kiosk(mode="wall")
    k.receive(snapshot())
    assert k.app.sm.current == "wall"
    assert k.app.wall_title == ITEMS[0]["title"] and k.app.wall_page == "1 / 3"
    k.screenshot("wall")
    k.app._wall_index += 1
    k.app.redraw()
    assert k.app.wall_title == ITEMS[1]["title"]


def attendee(member_id: int, name: str, *, late: bool = False, guest: bool = False) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "name": name,
        "branch": "机关一支部",
        "signed_at": f"2026-11-22T06:{member_id:02d}:00+00:00",
        "late": late,
        "guest": guest,
    }


SIGNIN = {
    "meeting": {
        "id": 9,
        "title": "学习贯彻党的二十届四中全会精神专题支部党员大会",
        "type_label": "支部党员大会",
        "starts_at": "2026-11-22T07:00:00+00:00",
        "host": "机关一支部书记",
    },
    "recent": [attendee(i, n) for i, n in enumerate(["王*国", "李*英", "赵*", "陈*华"], start=1)][::-1],
    "qr": {"path": "/s/9?t=1234.abcdefgh", "url": None, "expires_at": "", "rotate_seconds": 15},
    "counts": {"expected": 15, "signed": 4, "guests": 0, "on_leave": 1, "rate": 0.2667},
}


def decode(path: Any) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(path))]


def test_wall_switches_to_the_full_sign_in_screen_and_back(kiosk: Any) -> None:
    k = kiosk(mode="wall", server="http://127.0.0.1:8000")
    k.receive(snapshot(signin=SIGNIN))
    assert k.app.sm.current == "signin_wall"
    screen = k.screen()
    assert (
        screen.ids.signed.value == "4"
        and screen.ids.expected.value == "15"
        and screen.ids.rate.value == "27%"
    )
    qr = screen.ids.qr
    assert qr.side >= 0.4 * 1080 and qr.side % qr.texture.width == 0  # large, and every module equal
    assert decode(k.screenshot("wall-signin")) == ["http://127.0.0.1:8000/s/9?t=1234.abcdefgh"]

    k.receive(
        {
            "type": protocol.SIGNIN_RECORDED,
            "seq": 6,
            "meeting_id": 9,
            "attendee": attendee(20, "张*明", late=True),
            "counts": {**SIGNIN["counts"], "signed": 5, "rate": 0.3333},
        },
        {
            "type": protocol.SIGNIN_RECORDED,
            "seq": 7,
            "meeting_id": 9,
            "attendee": attendee(21, "欧**明", guest=True),
            "counts": {**SIGNIN["counts"], "signed": 5, "guests": 1, "rate": 0.3333},
        },
    )
    names = k.app.board.names
    assert [n["name"] for n in names[:3]] == ["欧**明", "张*明", "陈*华"]
    assert names[0]["mark"] == "列席" and names[1]["mark"] == "迟到" and names[0]["newest"]
    assert screen.ids.signed.value == "5" and "列席 1 人" in k.app.board.extra
    assert k.app.board.welcome == "欢迎 欧**明 同志"
    k.screenshot("wall-signin-arrivals")

    k.receive(
        {"type": protocol.SIGNIN_QR, "seq": 8, "meeting_id": 9, "qr": {**SIGNIN["qr"], "path": "/s/9?t=2"}}
    )
    assert decode(k.screenshot("wall-signin-rotated")) == ["http://127.0.0.1:8000/s/9?t=2"]
    k.receive({"type": protocol.SIGNIN_CLOSED, "seq": 9, "meeting_id": 9})
    assert k.app.sm.current == "wall"


def test_wall_sign_in_uses_the_public_url_and_fits_a_portrait_screen(kiosk: Any) -> None:
    k = kiosk(mode="wall", size=(1080, 1920), server="http://10.0.0.5:8000")
    qr = {**SIGNIN["qr"], "url": "https://dangjian.example.cn/s/9?t=1"}
    k.receive(snapshot(signin={**SIGNIN, "qr": qr}))
    assert k.screen().ids.qr.side >= 0.4 * 1080
    assert decode(k.screenshot("wall-signin-portrait")) == ["https://dangjian.example.cn/s/9?t=1"]


def test_english_ui_follows_the_language(kiosk: Any) -> None:
    from kiosk import i18n

    i18n.set_language("en")
    try:
        assert i18n._("公告通知") == "Notices"
    finally:
        i18n.set_language("zh_CN")


def test_font_proof_renders_simplified_shapes(kiosk: Any) -> None:
    """A screenshot for people to check 令 and 门 have their Simplified (not Japanese) shapes."""
    from kivy.uix.label import Label

    k = kiosk()
    proof = Label(text="令 门 党 员 活 动 室", font_size=140, halign="center")
    k.app.root.add_widget(proof, index=0)
    k.frames(3)
    assert proof.texture_size[0] > 0
    k.screenshot("font-proof")


def test_a_production_kiosk_cannot_be_closed(kivy_window: Any, tmp_path: Any) -> None:
    from kiosk.app import KioskApp
    from kiosk.options import Options

    assert KioskApp(Options(production=True, offline=True, state_dir=tmp_path)).on_request_close() is True
    assert KioskApp(Options(offline=True, state_dir=tmp_path)).on_request_close() is False
