"""Studying at a terminal, as plain Python: how items, members and search look on screen, the letter
keypad, the member-number keypad. Pure functions, tested without a window. No Kivy, no networking.
"""

from __future__ import annotations

import string
from typing import Any, Final

from kiosk.i18n import _

LETTERS: Final = tuple(string.ascii_uppercase)
CLEAR: Final = "clear"
BACKSPACE: Final = "back"
INITIALS_MAX: Final = 8
NUMBER_MAX: Final = 16
PIN_MAX: Final = 8
NEWEST: Final = -1  # the "最新" shelf
FOR_YOU: Final = -2  # the "为你推荐" shelf
FONT_SCALES: Final = (0.8, 1.0, 1.2, 1.45, 1.75)


def kind_label(kind: Any) -> str:
    return {"article": _("文章"), "video": _("视频"), "pdf": _("文件"), "poster": _("海报"),
            "audio": _("音频")}.get(str(kind), _("内容"))


def duration_text(seconds: Any) -> str:
    try:
        total = int(float(seconds or 0))
    except (TypeError, ValueError):
        return ""
    if total <= 0:
        return ""
    minutes, secs = divmod(total, 60)
    return _("{m} 分 {s:02d} 秒").format(m=minutes, s=secs) if minutes else _("{s} 秒").format(s=secs)


def clock_text(seconds: float) -> str:
    total = max(0, int(seconds))
    return f"{total // 60:d}:{total % 60:02d}"


def item_meta(item: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    parts = [kind_label(item.get("kind"))]
    if item.get("category"):
        parts.append(str(item["category"]))
    if item.get("kind") in ("video", "audio") and item.get("duration_seconds"):
        parts.append(duration_text(item["duration_seconds"]))
    if item.get("page_count"):
        parts.append(_("{n} 页").format(n=item["page_count"]))
    if record:
        parts.append(_("已学完") if record.get("completed") else
                     _("已学 {p}%").format(p=int(float(record.get("progress") or 0) * 100)))
    return " · ".join(parts)


def item_rows(items: list[dict[str, Any]], records: dict[int, dict[str, Any]] | None = None,
              reasons: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """RecycleView data for a list of item summaries (with the member's progress and why recommended)."""
    records, reasons = records or {}, reasons or {}
    rows = []
    for item in items:
        item_id = int(item.get("id") or 0)
        note = reasons.get(item_id) or str(item.get("summary") or "")
        rows.append({"item_id": item_id, "title": str(item.get("title") or ""),
                     "meta": item_meta(item, records.get(item_id)), "note": note.replace("\n", " ")[:80],
                     "badge": kind_label(item.get("kind")), "done": bool((records.get(item_id) or {}).get("completed"))})
    return rows


def press(text: str, key: str, limit: int) -> str:
    """A keypad key applied to ``text``."""
    if key == CLEAR:
        return ""
    if key == BACKSPACE:
        return text[:-1]
    return (text + key)[:limit]


def member_line(summary: dict[str, Any] | None) -> str:
    if not summary:
        return _("登录后，学习时长和积分将记在您的名下")
    member = summary.get("member") or {}
    if summary.get("offline"):
        return _("{name} 同志 · 离线登录：学习记录保存在本终端，联网后自动同步").format(name=member.get("name", ""))
    minutes, points = summary.get("minutes") or {}, summary.get("points") or {}
    return _("{name} 同志 · 今日学习 {m} 分钟 · 今日积分 {today} · 总积分 {total}").format(
        name=member.get("name", ""), m=minutes.get("today", 0), today=points.get("today", 0),
        total=points.get("total", 0))


def study_status(member_name: str, seconds: float, kind: str) -> str:
    if not member_name:
        return _("未登录：本次学习不计时长和积分")
    verb = _("观看") if kind in ("video", "audio") else _("阅读")
    return _("正在为 {name} 记录{verb}时长 · {t}").format(name=member_name, verb=verb, t=clock_text(seconds))


def recent_rows(summary: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for r in (summary or {}).get("recent") or []:
        progress = _("已学完") if r.get("completed") else _("已学 {p}%").format(p=int(float(r.get("progress") or 0) * 100))
        rows.append({"item_id": int(r.get("item_id") or 0), "title": str(r.get("title") or ""),
                     "meta": f"{kind_label(r.get('kind'))} · {progress} · " + _("{m} 分钟").format(m=r.get("minutes", 0)),
                     "note": "", "badge": kind_label(r.get("kind")), "done": bool(r.get("completed"))})
    return rows


def points_lines(summary: dict[str, Any] | None) -> str:
    lines = [f"{str(e.get('day') or '')[5:]}\u00a0\u00a0+{e.get('points')}\u00a0{e.get('reason')}"
             for e in (summary or {}).get("recent_points") or []]
    return "\n".join(lines) or _("还没有积分记录，学习一篇文章满 1 分钟即可获得积分")


def rank_rows(board: dict[str, Any], member_id: int | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """RecycleView data for the members' and the branches' boards (the member's own row highlighted)."""
    members = [{"rank": _("第{n}名").format(n=r.get("rank")), "name": str(r.get("name") or ""),
                "detail": str(r.get("branch") or ""), "value": _("{p:g} 分").format(p=float(r.get("points") or 0)),
                "mine": member_id is not None and r.get("id") == member_id} for r in board.get("members") or []]
    branches = [{"rank": _("第{n}名").format(n=r.get("rank")), "name": str(r.get("name") or ""),
                 "detail": _("{n} 人").format(n=r.get("members", 0)),
                 "value": _("{p:g} 分").format(p=float(r.get("points") or 0)), "mine": False}
                for r in board.get("branches") or []]
    return members, branches


def my_rank_line(name: str, rank: dict[str, Any]) -> str:
    return _("{name} 第 {r} 名 / {n} 人 · {p:g} 分").format(
        name=name, p=float(rank.get("points") or 0), r=rank.get("rank"), n=rank.get("of"))


def assessment_rows(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    """量化考核's four dimensions as bar rows (0–100)."""
    return [{"name": str(d.get("name") or ""), "value": float(d.get("score") or 0),
             "text": f"{float(d.get('score') or 0):g}"} for d in (data or {}).get("dimensions") or []]


def assessment_line(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    return _("综合 {t:g} 分\n全体第 {r}/{n} 名 · 支部内第 {br}/{bn} 名").format(
        t=float(data.get("total") or 0), r=data.get("rank"), n=data.get("of"), br=data.get("branch_rank"),
        bn=data.get("branch_of"))


def plan_rows(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    """学习计划's required items as item rows: done or not, which plan, its deadline; unfinished first."""
    rows = []
    for plan in (data or {}).get("plans") or []:
        try:
            due = _("{m}月{d}日").format(m=int(str(plan.get("due_on"))[5:7]), d=int(str(plan.get("due_on"))[8:10]))
        except ValueError:
            due = str(plan.get("due_on") or "")
        for it in plan.get("items") or []:
            done = bool(it.get("done"))
            state = _("已完成") if done else (_("已学 {m} 分钟，未完成").format(m=it.get("minutes")) if it.get("minutes")
                                              else _("未学习"))
            rows.append({"item_id": int(it.get("item_id") or 0), "title": str(it.get("title") or ""),
                         "meta": f"{kind_label(it.get('kind'))} · {state}",
                         "note": _("{plan} · {due}截止").format(plan=plan.get("title"), due=due),
                         "badge": _("已完成") if done else _("必学"), "done": done})
    rows.sort(key=lambda r: bool(r["done"]))
    return rows


def plan_line(data: dict[str, Any] | None) -> str:
    """One line per plan: its title and how many of its items are done."""
    plans = (data or {}).get("plans") or []
    if not plans:
        return _("目前没有需要完成的必学内容")
    return "\n".join(_("{t}：已完成 {d}/{n}，{left}").format(
        t=p.get("title"), d=p.get("done"), n=p.get("total"),
        left=(_("还有 {n} 天截止").format(n=p.get("days_left")) if int(p.get("days_left") or 0) > 0
              else _("今天截止") if int(p.get("days_left") or 0) == 0 else _("已截止"))) for p in plans)
