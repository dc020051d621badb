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


ROOM_TZ = [dt.timezone(dt.timedelta(hours=8), "CST")]  # the organisation's time zone (the server says)


def set_room_offset(minutes: int) -> None:
    """Show times in the room's zone (UTC+8 unless the server says otherwise), not this machine's."""
    ROOM_TZ[0] = dt.timezone(dt.timedelta(minutes=minutes))


def parse_time(value: str | None) -> dt.datetime | None:
    """Parse an ISO 8601 time from the server into the room's time; None when absent or malformed."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ROOM_TZ[0])


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


def hm_text(value: str | None) -> str:
    moment = parse_time(value)
    return moment.strftime("%H:%M") if moment else ""


def signin_numbers(signin: dict[str, Any] | None) -> dict[str, str]:
    """The wall's big numbers: signed in, expected, the rate, and a line with leave and guests."""
    counts = (signin or {}).get("counts") or {}
    extra = [_("请假 {n} 人").format(n=counts.get("on_leave", 0))]
    if counts.get("guests"):
        extra.append(_("列席 {n} 人").format(n=counts.get("guests", 0)))
    if counts.get("quorum") is not None:
        extra.append(quorum_line(counts))
    return {
        "signed": str(counts.get("signed", 0)),
        "expected": str(counts.get("expected", 0)),
        "rate": f"{round(float(counts.get('rate') or 0) * 100)}%",
        "extra": "  ·  ".join(extra),
    }


def quorum_line(counts: dict[str, Any]) -> str:
    """有表决权实到 n / 应到 m · 已达到（未达到）法定人数; empty when the meeting has no quorum rule."""
    if counts.get("quorum") is None:
        return ""
    reached = _("已达到法定人数") if counts.get("quorum") else _("未达到法定人数（至少 {k} 人）").format(
        k=counts.get("quorum_needed", 0))
    return _("有表决权实到 {n} / {m}").format(n=counts.get("voting_signed", 0),
                                          m=counts.get("voting_expected", 0)) + "  ·  " + reached


def meeting_line(meeting: dict[str, Any]) -> str:
    """会议类型 · 开始时间, for the wall's header."""
    parts = [str(meeting.get("type_label") or "")]
    moment = parse_time(meeting.get("starts_at"))
    if moment:
        today = moment.date() == dt.datetime.now(ROOM_TZ[0]).date()
        when = moment.strftime("%H:%M") if today else short_date(meeting.get("starts_at"))
        parts.append(_("{when} 开始").format(when=when))
    return "  ·  ".join(p for p in parts if p)


def attendee_chips(recent: list[dict[str, Any]] | None, limit: int) -> list[dict[str, Any]]:
    """The names on the wall (RecycleView data), newest first, marked 迟到 / 列席."""
    chips = []
    for i, a in enumerate((recent or [])[:limit]):
        marks = [_("迟到") if a.get("late") else "", _("列席") if a.get("guest") else ""]
        chips.append(
            {
                "name": str(a.get("name") or ""),
                "branch": str(a.get("branch") or ""),
                "time": hm_text(a.get("signed_at")),
                "mark": " ".join(m for m in marks if m),
                "newest": i == 0,
            }
        )
    return chips


def qr_address(qr: dict[str, Any] | None, server: str) -> str:
    """What the wall's QR encodes: the server's public URL when it has one, else ``server`` + the path."""
    qr = qr or {}
    return str(qr.get("url") or (server.rstrip("/") + str(qr.get("path") or "")))


def qr_hint(qr: dict[str, Any] | None) -> str:
    seconds = int((qr or {}).get("rotate_seconds") or 0)
    return _("二维码每 {n} 秒更新，请在现场扫码").format(n=seconds) if seconds else ""


def signin_tile_note(signin: dict[str, Any] | None) -> str:
    """The terminal's 会议签到 tile: the open meeting, or that none is open."""
    if not signin:
        return _("当前没有正在签到的会议")
    return excerpt(str((signin.get("meeting") or {}).get("title") or ""), 14)
