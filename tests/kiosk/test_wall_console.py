"""The wall follows the meeting console: its step comes before everything but an emergency; the sign-in
screen gives way when the console shows something else; a hidden ballot shows only the turnout; the
revealed 民主评议 shows the counts; ending the console hands the wall back to its plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk import present, wallplan
from kiosk.state import ViewState, apply
from screen_server import protocol
from tests.kiosk.test_wall_messages import snapshot

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
COUNTS = {"expected": 12, "signed": 10, "guests": 0, "on_leave": 1, "rate": 0.8333, "voting_expected": 11,
          "voting_signed": 9, "quorum_rule": "half", "quorum": True, "quorum_needed": 6}
MEETING = {"id": 9, "title": "第四季度支部党员大会", "type_label": "支部党员大会", "host": "王书记"}


def console(step: str, **extra: Any) -> dict[str, Any]:
    return {"meeting": MEETING, "step": step, "ref": None, "title": "",
            "agenda": ["主持人宣布到会情况", "传达学习上级精神", "民主评议党员"], "counts": COUNTS,
            "signin_open": False} | extra


def ballot(**extra: Any) -> dict[str, Any]:
    return {"id": 5, "title": "民主评议党员", "kind": "single", "form": "appraisal", "open": True, "anonymous": True,
            "voters": 4, "eligible": 10, "hidden": True, "revealed": False,
            "options": [{"index": i, "text": t} for i, t in enumerate(["优秀", "合格", "基本合格", "不合格"])]} | extra


def test_the_console_step_comes_first() -> None:
    signin = {"meeting": {"id": 9}, "qr": {}, "counts": COUNTS, "recent": []}
    s = apply(ViewState(), snapshot(signin=signin))
    assert wallplan.choose(s, NOW, 0).screen == "signin_wall"
    s = apply(s, {"type": protocol.CONSOLE_UPDATED, "seq": 9, "console": console("agenda")})
    assert wallplan.choose(s, NOW, 0) == wallplan.Choice("wall_agenda", s.console or {}, "console")
    s = apply(s, {"type": protocol.CONSOLE_UPDATED, "seq": 10, "console": console("poll", poll=ballot())})
    assert wallplan.choose(s, NOW, 0).screen == "wall_poll"
    revealed = ballot(open=False, hidden=False, revealed=True)
    s = apply(s, {"type": protocol.POLL_UPDATED, "seq": 11, "poll": revealed})
    assert (s.console or {})["poll"]["revealed"] and s.poll is None  # the closed ballot stays on the console
    emergency = {"type": protocol.EMERGENCY_CHANGED, "seq": 12, "emergencies": [{"id": 1, "title": "停电", "room_ids": []}]}
    assert wallplan.choose(apply(s, emergency), NOW, 0).screen == "wall_emergency"
    s = apply(s, {"type": protocol.CONSOLE_UPDATED, "seq": 13, "console": None})
    assert wallplan.choose(s, NOW, 0).screen == "signin_wall"  # no step: the automatic order again
    s = apply(s, {"type": protocol.SIGNIN_CLOSED, "seq": 14, "meeting_id": 9})
    assert wallplan.choose(s, NOW, 0).reason == "loop"


def test_steps_whose_subject_is_not_running_show_the_agenda() -> None:
    s = apply(ViewState(), snapshot(console=console("contest")))
    assert wallplan.choose(s, NOW, 0).screen == "wall_agenda"
    item = console("item", item={"item_id": 3, "show": "item", "kind": "video", "title": "党课视频"})
    assert wallplan.choose(apply(ViewState(), snapshot(console=item)), NOW, 0) == \
        wallplan.Choice("wall_media", item["item"], "console")


def test_quorum_line() -> None:
    assert present.quorum_line(COUNTS) == "有表决权实到 9 / 11  ·  已达到法定人数"
    assert "至少 6 人" in present.quorum_line(COUNTS | {"quorum": False, "voting_signed": 5})
    assert present.quorum_line(COUNTS | {"quorum": None}) == ""


@pytest.mark.kiosk
def test_the_wall_shows_each_step(kiosk: Any) -> None:
    k = kiosk(mode="wall", server="http://127.0.0.1:8000")
    k.receive(snapshot(console=console("agenda")))
    assert k.app.sm.current == "wall_agenda"
    screen = k.screen()
    assert screen.quorum_text == "已达到法定人数" and screen.agenda[0] == "1. 主持人宣布到会情况"
    k.screenshot("console-agenda")
    k.receive({"type": protocol.CONSOLE_UPDATED, "seq": 9, "console": console("poll", poll=ballot())})
    assert k.app.sm.current == "wall_poll"
    poll_screen = k.screen()
    assert poll_screen.note.endswith("已投 4 / 10 人") and [r["name"] for r in poll_screen.ids.bars.rows] == ["投票进度"]
    k.screenshot("console-ballot-turnout")
    subjects = [{"index": i, "text": f"党员{i}", "count": max(0, 9 - i), "detail": ""}
                for i in range(15)]
    k.receive({"type": protocol.POLL_UPDATED, "seq": 10,
               "poll": ballot(open=False, hidden=False, revealed=True, voters=10, options=subjects)})
    bars = k.screen().ids.bars
    assert [r["value"] for r in bars.rows][:6] == [9, 8, 7, 6, 5, 4] and len(bars.rows) == 15
    k.frames(5)
    lines = [w for w in bars.children if w.height == bars.row_height]
    # all fifteen rows inside the chart's box: none runs up over the title and the note
    assert len(lines) == 15 and min(w.to_window(w.x, w.y)[1] for w in lines) >= bars.to_window(bars.x, bars.y)[1] - 1
    k.screenshot("console-ballot-revealed")
    k.receive({"type": protocol.CONSOLE_UPDATED, "seq": 11, "console": None})
    assert wallplan.choose(k.app.state, dt.datetime.now(dt.UTC), 0).reason == "loop"
    assert k.app.sm.current in {"wall", "wall_stats", "wall_board"}
