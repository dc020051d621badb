"""Hosting the room's live contest at a terminal, as plain Python: the host-code keypad and what the
host screen says and offers for a contest state.

The state is the room's ``contest`` (``contest.state`` messages, the same the wall follows). The host
screen shows a headline in big type, one line under it, and at most two huge buttons, chosen here;
``kiosk.host`` (the UI desk) sends their actions to the server. Everything here is a pure function of
its arguments, so it is tested without a window.

No Kivy and no networking here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from kiosk.i18n import _
from kiosk.signin import BACKSPACE, CLEAR

CODE_LENGTH: Final = 6
# What a host button does: the first four are the server's actions, the others stay on the terminal.
START, NEXT, CLOSE, FINISH = "start", "next", "close", "finish"
ASK_FINISH, CANCEL, EXIT = "ask_finish", "cancel", "exit"
SERVER_ACTIONS: Final = frozenset({START, NEXT, CLOSE, FINISH})


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    action: str
    danger: bool = False


@dataclass(frozen=True, slots=True)
class HostView:
    headline: str  # in the biggest type: 等待开始, 第 n / N 题, 本题已结束, 已结束
    detail: str  # the line under it: 已加入 N 人, 剩余 s 秒, …
    note: str  # smaller: the question's stem (the host may read it out), the right answer
    buttons: tuple[Button, ...]  # at most two


def press(code: str, key: str) -> str:
    """The code after a key of the keypad: a digit (up to six), 清除 or 退格."""
    if key == CLEAR:
        return ""
    if key == BACKSPACE:
        return code[:-1]
    if key.isdigit() and len(key) == 1 and len(code) < CODE_LENGTH:
        return code + key
    return code


def code_text(code: str) -> str:
    """The code as typed so far, spaced, with a place for each digit still to come: ``1 2 3 _ _ _``."""
    return " ".join([*code, *["_"] * max(0, CODE_LENGTH - len(code))])


def seconds_left(contest: dict[str, Any], now: dt.datetime) -> int | None:
    """Whole seconds until the open question closes on the server's clock (``now`` already corrected)."""
    if contest.get("status") != "question":
        return None
    try:
        closes = dt.datetime.fromisoformat(str((contest.get("question") or {}).get("closes_at")))
    except ValueError:
        return None
    left = int((closes - now).total_seconds() + 0.999)
    return max(0, min(int(contest.get("seconds") or left), left))


def view(contest: dict[str, Any], now: dt.datetime, *, confirming: bool = False) -> HostView:
    """What the host screen shows for ``contest`` at ``now``; ``confirming``: 结束竞赛 was tapped once."""
    status = str(contest.get("status") or "")
    index, total = int(contest.get("index") or 0), int(contest.get("total") or 0)
    progress = _("第 {i} / {n} 题").format(i=index, n=total)
    stem = str((contest.get("question") or {}).get("stem") or "")
    ask_finish = Button(_("结束竞赛"), ASK_FINISH, danger=True)
    if status == "finished" or not contest:
        return HostView(_("已结束"), _("竞赛已结束，大屏正在公布最终成绩"), "", (Button(_("返回"), EXIT),))
    if confirming:
        return HostView(_("确定结束竞赛吗？"), _("结束后不能再答题，成绩以现在为准"), "",
                        (Button(_("确定结束"), FINISH, danger=True), Button(_("取消"), CANCEL)))
    if status == "lobby":
        players = _("已加入 {n} 人").format(n=int(contest.get("players") or 0))
        return HostView(_("等待开始"), players, _("共 {n} 题，选手扫描大屏二维码加入").format(n=total),
                        (Button(_("开始竞赛"), START), ask_finish))
    if status == "question":
        left = seconds_left(contest, now)
        detail = _("剩余 {s} 秒").format(s=left) if left is not None else ""
        return HostView(progress, detail, stem, (Button(_("结束本题"), CLOSE), ask_finish))
    if status == "reveal":
        answered = _("已作答 {n} 人").format(n=int(contest.get("answered") or 0))
        note = _("正确答案：{a}").format(a=contest.get("answer", "")) + "    " + stem
        if index >= total:  # after the last question "next" is the end: one button says so
            return HostView(_("本题已结束"), f"{progress} · {answered}", note,
                            (Button(_("公布最终成绩"), NEXT),))
        return HostView(_("本题已结束"), f"{progress} · {answered}", note, (Button(_("下一题"), NEXT), ask_finish))
    return HostView("", "", "", ())
