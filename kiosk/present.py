"""Turning view state into the words and rows screens show: dates, levels, list rows, tiles.

Plain Python (no Kivy), so it is tested without a window. Every word goes through ``_``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.i18n import _

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
LEVELS = {"urgent": "紧急", "important": "重要", "normal": "通知"}


def clock_text(now: dt.datetime) -> str:
    return now.strftime("%H:%M")


def date_text(now: dt.datetime) -> str:
    return _("{y}年{m}月{d}日").format(y=now.year, m=now.month, d=now.day) + "  " + _(WEEKDAYS[now.weekday()])


def parse_time(value: str | None) -> dt.datetime | None:
    """Parse an ISO 8601 time from the server into local time; None when absent or malformed."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone()


def short_date(value: str | None) -> str:
    moment = parse_time(value)
    return (
        _("{m}月{d}日 {hm}").format(m=moment.month, d=moment.day, hm=moment.strftime("%H:%M"))
        if moment
        else ""
    )


def level_text(level: str | None) -> str:
    return _(LEVELS.get(level or "normal", LEVELS["normal"]))


def announcement_rows(
    announcements: tuple[dict[str, Any], ...] | list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The rows of the announcements list (RecycleView data)."""
    return [
        {
            "announcement_id": int(a.get("id") or 0),
            "title": str(a.get("title") or ""),
            "level": str(a.get("level") or "normal"),
            "level_text": level_text(a.get("level")),
            "date_text": short_date(a.get("publish_at")),
        }
        for a in announcements
    ]


def announcement_meta(a: dict[str, Any]) -> str:
    parts = [level_text(a.get("level")), _("发布于 {when}").format(when=short_date(a.get("publish_at")))]
    until = short_date(a.get("expires_at"))
    if until:
        parts.append(_("有效期至 {when}").format(when=until))
    return "  ·  ".join(parts)


def excerpt(text: str, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def connection_text(connection: str) -> str:
    return {"up": _("已连接"), "down": _("连接中断"), "connecting": _("正在连接")}.get(
        connection, _("正在连接")
    )


def signin_counts_text(signin: dict[str, Any] | None) -> str:
    counts = (signin or {}).get("counts") or {}
    if not counts:
        return ""
    return _("应到 {expected} 人  ·  已签到 {signed} 人  ·  请假 {on_leave} 人  ·  列席 {guests} 人").format(
        expected=counts.get("expected", 0),
        signed=counts.get("signed", 0),
        on_leave=counts.get("on_leave", 0),
        guests=counts.get("guests", 0),
    )


def signin_rate_text(signin: dict[str, Any] | None) -> str:
    counts = (signin or {}).get("counts") or {}
    return f"{round(float(counts.get('rate') or 0) * 100)}%" if counts else ""
