"""The host screen's words and buttons for each contest state, and the code keypad, without a window."""

from __future__ import annotations

import datetime as dt

from kiosk import hosting
from kiosk.signin import BACKSPACE, CLEAR

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)


def contest(status: str, **extra: object) -> dict[str, object]:
    return {"id": 3, "title": "党章知识竞赛", "status": status, "index": 0, "total": 3, "seconds": 20,
            "players": 0, **extra}


def buttons(view: hosting.HostView) -> list[tuple[str, str]]:
    return [(b.text, b.action) for b in view.buttons]


def test_the_keypad_takes_six_digits_clear_and_backspace() -> None:
    code = ""
    for key in "1234567":
        code = hosting.press(code, key)
    assert code == "123456"
    assert hosting.press(code, BACKSPACE) == "12345" and hosting.press(code, CLEAR) == ""
    assert hosting.press("", BACKSPACE) == "" and hosting.press("1", "x") == "1"
    assert hosting.code_text("12") == "1 2 _ _ _ _" and hosting.code_text("") == "_ _ _ _ _ _"


def test_each_state_has_its_words_and_at_most_two_buttons() -> None:
    lobby = hosting.view(contest("lobby", players=12), NOW)
    assert (lobby.headline, lobby.detail) == ("等待开始", "已加入 12 人")
    assert buttons(lobby) == [("开始竞赛", hosting.START), ("结束竞赛", hosting.ASK_FINISH)]
    assert lobby.buttons[1].danger and not lobby.buttons[0].danger

    closes = (NOW + dt.timedelta(seconds=14.2)).isoformat()
    question = hosting.view(contest("question", index=2, question={"stem": "党的宗旨是什么？", "closes_at": closes}), NOW)
    assert (question.headline, question.detail, question.note) == ("第 2 / 3 题", "剩余 15 秒", "党的宗旨是什么？")
    assert buttons(question) == [("结束本题", hosting.CLOSE), ("结束竞赛", hosting.ASK_FINISH)]
    late = hosting.view(contest("question", index=2, question={"closes_at": closes}), NOW + dt.timedelta(minutes=1))
    assert late.detail == "剩余 0 秒"

    reveal = hosting.view(contest("reveal", index=2, answered=9, answer="B", question={"stem": "题干"}), NOW)
    assert (reveal.headline, reveal.detail) == ("本题已结束", "第 2 / 3 题 · 已作答 9 人")
    assert reveal.note.startswith("正确答案：B")
    assert buttons(reveal) == [("下一题", hosting.NEXT), ("结束竞赛", hosting.ASK_FINISH)]
    last = hosting.view(contest("reveal", index=3, answered=1, answer="A"), NOW)
    assert buttons(last) == [("公布最终成绩", hosting.NEXT)]  # "next" after the last question is the end

    over = hosting.view(contest("finished", index=3), NOW)
    assert over.headline == "已结束" and buttons(over) == [("返回", hosting.EXIT)]
    assert hosting.view({}, NOW).headline == "已结束"


def test_ending_the_contest_asks_first() -> None:
    asking = hosting.view(contest("question", index=1, question={"closes_at": NOW.isoformat()}), NOW, confirming=True)
    assert asking.headline == "确定结束竞赛吗？"
    assert buttons(asking) == [("确定结束", hosting.FINISH), ("取消", hosting.CANCEL)]
    assert hosting.view(contest("finished"), NOW, confirming=True).headline == "已结束"  # nothing left to end
