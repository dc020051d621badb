"""kiosk.state: the view state as a pure function of the messages. No window."""

from __future__ import annotations

from typing import Any

from kiosk import state as st
from kiosk.state import ViewState, apply
from screen_server import protocol
from tests.helpers.fake_room import ROOM, announcement


def snap(seq: int, *items: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": protocol.SNAPSHOT,
        "seq": seq,
        "state": {
            "device": {"id": 4, "name": "终端", "role": "terminal", "room": ROOM},
            "room": ROOM,
            "announcements": list(items),
            "settings": {"room_name": "一楼活动室", "idle_seconds": 90},
            **extra,
        },
    }


def run(*messages: dict[str, Any], state: ViewState | None = None) -> ViewState:
    s = state or ViewState()
    for m in messages:
        s = apply(s, m)
    return s


def test_snapshot_fills_the_state_newest_first() -> None:
    s = run(
        snap(
            10,
            announcement(1, "旧", publish_at="2026-01-01T00:00:00+00:00"),
            announcement(2, "新", publish_at="2026-02-01T00:00:00+00:00"),
        )
    )
    assert s.paired and s.has_data and not s.from_cache and s.seq == 10
    assert [a["title"] for a in s.announcements] == ["新", "旧"]
    assert s.room_name == "一楼活动室" and s.settings["idle_seconds"] == 90


def test_events_at_or_before_the_snapshot_are_dropped() -> None:
    s = run(
        snap(10),
        {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 9, "announcement": announcement(1, "已包含")},
        {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 10, "announcement": announcement(2, "也已包含")},
        {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 11, "announcement": announcement(3, "新的")},
    )
    assert [a["id"] for a in s.announcements] == [3] and s.seq == 11
    again = apply(
        s, {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 11, "announcement": announcement(4, "重复")}
    )
    assert again is s


def test_a_snapshot_replaces_whatever_its_seq() -> None:
    s = run(snap(50, announcement(1, "重启前")), snap(3, announcement(2, "重启后")))
    assert s.seq == 3 and [a["id"] for a in s.announcements] == [2]


def test_publish_replaces_the_same_id_and_withdraw_removes_it() -> None:
    s = run(
        snap(1, announcement(5, "初稿")),
        {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 2, "announcement": announcement(5, "修订")},
        {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 3, "announcement": announcement(6, "另一条")},
    )
    assert {a["title"] for a in s.announcements} == {"另一条", "修订"}
    s = apply(s, {"type": protocol.ANNOUNCEMENT_WITHDRAWN, "seq": 4, "id": 5})
    assert [a["id"] for a in s.announcements] == [6]
    assert s.announcement(6) and s.announcement(5) is None


def test_heartbeat_acks_and_previews_do_not_move_seq() -> None:
    s = run(
        snap(5), {"type": protocol.HEARTBEAT_ACK, "seq": 99}, {"type": protocol.PREVIEW_REQUESTED, "seq": 98}
    )
    assert s.seq == 5
    s = apply(s, {"type": protocol.ANNOUNCEMENT_PUBLISHED, "seq": 6, "announcement": announcement(1, "到达")})
    assert s.announcements[0]["title"] == "到达"


def test_device_and_room_updates_rename_the_room() -> None:
    moved = {"id": 2, "name": "二楼活动室", "slug": "room-2"}
    s = run(
        snap(1),
        {
            "type": protocol.DEVICE_UPDATED,
            "seq": 2,
            "device": {"id": 4, "name": "终端", "role": "terminal", "room": moved},
        },
    )
    assert s.room == moved and s.room_name == "二楼活动室"
    s = apply(s, {"type": protocol.ROOM_UPDATED, "seq": 3, "room": {**moved, "name": "二楼党员之家"}})
    assert s.room_name == "二楼党员之家"


def test_revocation_forgets_the_room_content() -> None:
    s = run(snap(1, announcement(1, "内部通知")), {"type": protocol.DEVICE_REVOKED, "seq": 2})
    assert not s.paired and not s.announcements and s.device is None


def test_link_messages_drive_connection_and_pairing() -> None:
    s = run({"type": st.LINK_STATUS, "status": st.DOWN, "detail": "refused"})
    assert s.connection == st.DOWN and s.connection_detail == "refused"
    s = apply(s, {"type": st.PAIRING_CODE, "pairing_code": "123456", "expires_at": "x"})
    assert s.pairing_code == "123456" and not s.paired and s.connection == st.DOWN
    s = apply(
        s, {"type": st.PAIRING_APPROVED, "device": {"id": 1, "name": "n", "role": "wall", "room": ROOM}}
    )
    assert s.paired and s.pairing_code == "" and s.room == ROOM
    s = apply(s, {"type": protocol.WELCOME, "seq": 0, "client": {}})
    assert s.connection == st.UP
    s = apply(s, {"type": st.LINK_UNPAIRED, "reason": "401"})
    assert not s.paired and s.room is None


def test_a_cached_snapshot_is_marked() -> None:
    s = run({**snap(4, announcement(1, "缓存的")), "cached": True})
    assert s.from_cache and s.has_data and s.announcements[0]["title"] == "缓存的"


def test_sign_in_events_follow_the_open_meeting() -> None:
    signin = {
        "meeting": {"id": 9, "title": "主题党日"},
        "qr": {"path": "/s/1"},
        "counts": {"expected": 10, "signed": 0, "rate": 0.0},
        "recent": [],
    }
    s = run(
        snap(1),
        {"type": protocol.SIGNIN_OPENED, "seq": 2, "signin": signin},
        {"type": protocol.SIGNIN_QR, "seq": 3, "meeting_id": 9, "qr": {"path": "/s/2"}},
        {
            "type": protocol.SIGNIN_RECORDED,
            "seq": 4,
            "meeting_id": 9,
            "attendee": {"name": "李*"},
            "counts": {"expected": 10, "signed": 1, "rate": 0.1},
        },
        {"type": protocol.SIGNIN_RECORDED, "seq": 5, "meeting_id": 8, "attendee": {"name": "别的会"}},
    )
    assert s.signin is not None
    assert s.signin["qr"]["path"] == "/s/2" and [a["name"] for a in s.signin["recent"]] == ["李*"]
    assert s.signin["counts"]["signed"] == 1
    s = apply(s, {"type": protocol.SIGNIN_CLOSED, "seq": 6, "meeting_id": 9})
    assert s.signin is None


def test_unknown_messages_change_nothing() -> None:
    s = run(snap(1))
    assert apply(s, {"type": "something.new", "seq": 7}) is s
    assert apply(s, {"nonsense": True}) is s
