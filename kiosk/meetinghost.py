"""Running a meeting from the terminal, as plain Python: what the meeting host screen says and which big
buttons it offers for the server's answer (``POST /api/device/meeting-host``: the meeting, its sign-in
window, counts with quorum, the wall's current step, the learning items, photos and ballots).

Each button carries the request it makes (action and its fields). Pure functions, no Kivy, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.i18n import _

REOPEN_REASON = "主持人在终端重新开放签到（迟到人员）"
MAX_BUTTONS = 8


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    action: str
    extra: dict[str, Any] = field(default_factory=dict)
    current: bool = False  # the wall shows this step now
    danger: bool = False


@dataclass(frozen=True, slots=True)
class MeetingView:
    headline: str  # the meeting's title
    detail: str  # 签到中 / 签到已关闭 · 当前大屏
    quorum: str  # 应到 15 · 实到 10 · 有表决权实到 10 · 已达到法定人数
    buttons: tuple[Button, ...]


def quorum_text(counts: dict[str, Any]) -> str:
    parts = [_("应到 {n}").format(n=counts.get("expected", 0)), _("实到 {n}").format(n=counts.get("signed", 0)),
             _("有表决权实到 {n}").format(n=counts.get("voting_signed", 0))]
    reached = counts.get("quorum")
    if reached is not None:
        parts.append(_("已达到法定人数") if reached else _("未达到法定人数"))
    return "  ·  ".join(parts)


STEP_LABELS = {"agenda": "会议议程", "quorum": "到会情况", "item": "学习资料", "poll": "投票表决", "contest": "知识竞赛",
               "messages": "留言墙", "photo": "活动照片"}


def view(state: dict[str, Any]) -> MeetingView:
    """The host screen for the server's answer."""
    meeting = state.get("meeting") or {}
    step = state.get("step") or {}
    now = step.get("step")
    window = state.get("window")
    signin = {"open": _("签到中"), "closed": _("签到已关闭"), "not_open": _("签到未开始")}.get(str(window), "")
    showing = _("大屏：{s}").format(s=_(STEP_LABELS[now])) if now in STEP_LABELS else _("大屏：日常轮播")
    buttons: list[Button] = []
    if window == "open":
        buttons.append(Button(_("关闭签到"), "close_signin", danger=True))
    else:
        buttons.append(Button(_("重新开放签到"), "reopen_signin", {"reason": REOPEN_REASON, "minutes": 10}))
    buttons.append(Button(_("会议议程"), "step", {"step": "agenda"}, current=now == "agenda"))
    buttons.append(Button(_("到会情况"), "step", {"step": "quorum"}, current=now == "quorum"))
    items = state.get("items") or []
    video = next((i for i in items if i.get("kind") == "video"), items[0] if items else None)
    if video is not None:
        buttons.append(Button(_("播放：{t}").format(t=video.get("title", "")), "step",
                              {"step": "item", "ref": video["id"]}, current=now == "item"))
    for poll in state.get("polls") or []:
        if poll.get("closed") and not poll.get("revealed"):
            buttons.append(Button(_("公布结果：{t}").format(t=poll.get("title", "")), "reveal", {"ref": poll["id"]}))
        elif poll.get("open"):
            buttons.append(Button(_("结束并公布：{t}").format(t=poll.get("title", "")), "reveal", {"ref": poll["id"]},
                                  current=now == "poll"))
        elif not poll.get("closed"):
            buttons.append(Button(_("开始表决：{t}").format(t=poll.get("title", "")), "step",
                                  {"step": "poll", "ref": poll["id"]}))
    buttons.append(Button(_("结束，大屏回到轮播"), "end", danger=True))
    return MeetingView(str(meeting.get("title") or ""), "  ·  ".join(p for p in (signin, showing) if p),
                       quorum_text(state.get("counts") or {}), tuple(buttons[:MAX_BUTTONS - 1] + buttons[-1:])
                       if len(buttons) > MAX_BUTTONS else tuple(buttons))
