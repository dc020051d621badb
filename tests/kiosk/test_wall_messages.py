"""The message wall on a Kivy wall: the view state follows ``messages.updated`` (a late update to an old
topic never blanks the current one), the plan shows it after a poll and before the idle loop, and the
``wall_messages`` screen shows the topic, a QR to the phone page and the approved messages as plain text,
newest first. Screenshot: test-artifacts/kiosk/wall-messages.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk import wallplan
from kiosk.state import ViewState, apply
from screen_server import protocol
from tests.helpers.fake_room import ROOM

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)


def message(i: int, text: str, name: str = "张*明") -> dict[str, Any]:
    return {"id": i, "name": name, "branch": "机关一支部", "text": text, "at": f"2026-11-22T06:{i:02d}:00+00:00"}


def wall(topic_id: int = 7, *items: dict[str, Any], open_: bool = True, **extra: Any) -> dict[str, Any]:
    return {"id": topic_id, "title": "说说你心中的优秀共产党员", "open": open_, "branch": "", "path": f"/w/{topic_id}",
            "url": None, "approved": len(items), "messages": list(items)} | extra


def snapshot(seq: int = 5, **extra: Any) -> dict[str, Any]:
    state = {"device": {"id": 2, "name": "大屏", "role": "wall", "room": ROOM}, "room": ROOM, "announcements": [],
             "settings": {"room_name": "党员活动室", "idle_seconds": 120, "mask_names": True}} | extra
    return {"type": protocol.SNAPSHOT, "seq": seq, "state": state}


def update(seq: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": protocol.MESSAGES_UPDATED, "seq": seq, "message_wall": data}


def test_state_follows_the_topic() -> None:
    s = apply(ViewState(), snapshot(message_wall=wall(7, message(1, "一"))))
    assert s.message_wall is not None and s.message_wall["messages"][0]["text"] == "一"
    s = apply(s, update(6, wall(7, message(2, "二"), message(1, "一"))))
    assert [m["id"] for m in s.message_wall["messages"]] == [2, 1]
    assert apply(s, update(6, wall(7))) is s  # not newer than what it has: dropped
    s = apply(s, update(7, wall(3, open_=False)))  # an old topic, moderated late
    assert s.message_wall is not None and s.message_wall["id"] == 7
    s = apply(s, update(8, wall(7, open_=False)))
    assert s.message_wall is None
    assert apply(ViewState(), snapshot()).message_wall is None


def test_the_plan_shows_it_after_more_urgent_things() -> None:
    s = apply(ViewState(), snapshot(message_wall=wall(7)))
    assert wallplan.choose(s, NOW, 0) == wallplan.Choice("wall_messages", {}, "messages")
    poll = {"id": 1, "title": "投票", "open": True, "options": []}
    assert wallplan.choose(apply(s, {"type": protocol.POLL_UPDATED, "seq": 9, "poll": poll}), NOW, 0).screen == "wall_poll"
    signin = {"meeting": {"id": 9}, "qr": {}, "counts": {}, "recent": []}
    assert wallplan.choose(apply(s, {"type": protocol.SIGNIN_OPENED, "seq": 9, "signin": signin}), NOW, 0).screen == "signin_wall"
    emergency = {"type": protocol.EMERGENCY_CHANGED, "seq": 9, "emergencies": [{"id": 1, "title": "停电", "room_ids": []}]}
    assert wallplan.choose(apply(s, emergency), NOW, 0).screen == "wall_emergency"
    assert wallplan.choose(apply(s, update(9, wall(7, open_=False))), NOW, 0).reason == "loop"


LONG = ("坚持以人民为中心的发展思想，把群众的小事当作自己的大事，从群众关心的事情做起，从让群众满意的事情做起，"
        "带着感情和责任为群众办实事、解难题。作为一名老党员，我要继续发挥余热，参加社区志愿服务，"
        "帮助身边有困难的邻居，用实际行动践行入党誓言，做到退休不褪色。")

MEDIUM = "学习强国每天坚持打卡，收获了很多党史知识，也带动了身边的家人一起学习，共同进步。希望支部多组织这样的学习交流活动。"


@pytest.mark.kiosk
def test_the_screen_shows_approved_messages_as_text(kiosk: Any) -> None:
    from tests.kiosk.test_app import decode

    assert 120 <= len(LONG) <= 140 and 48 < len(MEDIUM) <= 85
    k = kiosk(mode="wall", server="http://127.0.0.1:8000")
    k.receive(snapshot(message_wall=wall(7)))
    assert k.app.sm.current == "wall_messages"
    screen = k.screen()
    assert screen.empty and not screen.cards() and screen.title == "说说你心中的优秀共产党员"
    assert decode(k.screenshot("wall-messages-empty")) == ["http://127.0.0.1:8000/w/7"]

    k.receive(update(6, wall(7, message(5, LONG, "欧**明"), message(4, "[b]不是标记[/b] <i>也不是 HTML</i>", "李*"),
                             message(3, MEDIUM, "赵*华"), message(2, "不忘初心，牢记使命！", "王*国"),
                             message(1, "第五条：四张卡片放不下", "孙*"))))
    cards = screen.cards()
    assert [c.message for c in cards] == [LONG, "[b]不是标记[/b] <i>也不是 HTML</i>", MEDIUM, "不忘初心，牢记使命！"]
    assert [c.name for c in cards] == ["欧**明 · 机关一支部", "李* · 机关一支部", "赵*华 · 机关一支部", "王*国 · 机关一支部"]
    assert cards[0].newest and not cards[1].newest and [c.length_class for c in cards] == [3, 1, 2, 0]
    labels = [w for c in cards for w in c.walk(restrict=True) if type(w).__name__ == "Label"]
    assert labels and not any(w.markup for w in labels)
    assert "已上墙 5 条" in screen.note and screen.scope == "全体党员均可留言"
    k.frames(5)
    for card in cards:  # every card shows all of its text (Kivy drops the lines that do not fit)
        label = card.children[-1]
        shown = "".join(w.text for line in label._label._cached_lines for w in line.words)
        assert shown.replace(" ", "") == card.message.replace(" ", ""), (card.message, shown)
    k.screenshot("wall-messages")

    k.receive(update(7, wall(7, open_=False)))
    assert k.app.sm.current == "wall"
