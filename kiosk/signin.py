"""Signing in at a terminal, as plain Python: the roster a terminal offers as tiles, paging, the PIN
keypad, and what to tell the member after the server answers.

The flow (driven by ``kiosk.desk``): branch tiles → name tiles → PIN keypad → the server's answer.
Everything here is a pure function of its arguments, so it is tested without a window.

No Kivy and no networking here.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any, Final

from kiosk.i18n import _

PIN_MIN: Final = 4
PIN_MAX: Final = 8
CLEAR: Final = "clear"
BACKSPACE: Final = "back"
KEYS: Final = ("1", "2", "3", "4", "5", "6", "7", "8", "9", CLEAR, "0", BACKSPACE)

OK, REPEAT, WRONG_PIN, FAILED = "ok", "repeat", "wrong_pin", "failed"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Branch:
    id: int
    name: str
    members: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class Roster:
    """GET /api/device/roster's answer: the open meeting and its expected members by branch."""

    meeting_id: int
    meeting_title: str
    branches: tuple[Branch, ...]

    @property
    def is_open(self) -> bool:
        return self.meeting_id > 0

    def branch(self, branch_id: int) -> Branch | None:
        return next((b for b in self.branches if b.id == branch_id), None)


def parse_roster(answer: dict[str, Any] | None) -> Roster:
    """Turn the server's roster JSON into a Roster (an empty one when no meeting is open)."""
    answer = answer or {}
    meeting = answer.get("meeting") or {}
    branches = tuple(
        Branch(
            int(b.get("id") or 0),
            str(b.get("name") or ""),
            tuple(Person(int(m.get("id") or 0), str(m.get("name") or "")) for m in b.get("members") or []),
        )
        for b in answer.get("branches") or []
        if b.get("members")
    )
    return Roster(int(meeting.get("id") or 0), str(meeting.get("title") or ""), branches)


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Any, ...]
    number: int  # 0-based, clamped into range
    count: int  # at least 1

    @property
    def has_prev(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.count

    @property
    def label(self) -> str:
        return _("第 {n} / {total} 页").format(n=self.number + 1, total=self.count) if self.count > 1 else ""


def page_of(items: tuple[Any, ...] | list[Any], number: int, per_page: int) -> Page:
    """Return page ``number`` of ``items`` (clamped, so a stale page number is harmless)."""
    count = max(1, math.ceil(len(items) / per_page))
    number = min(max(0, number), count - 1)
    return Page(tuple(items[number * per_page : (number + 1) * per_page]), number, count)


def press(pin: str, key: str) -> str:
    """Return the PIN after one key of the keypad: a digit, CLEAR or BACKSPACE (nothing past PIN_MAX)."""
    if key == CLEAR:
        return ""
    if key == BACKSPACE:
        return pin[:-1]
    if len(key) == 1 and key.isdigit() and len(pin) < PIN_MAX:
        return pin + key
    return pin


def key_label(key: str) -> str:
    return {CLEAR: _("清除"), BACKSPACE: _("退格")}.get(key, key)


def dots(pin: str) -> str:
    """The PIN as masked dots, with empty places up to the shortest PIN so the member sees what is left."""
    return " ".join(["●"] * len(pin) + ["○"] * max(0, PIN_MIN - len(pin)))


def pin_problem(pin: str) -> str:
    """Why ``pin`` cannot be sent yet ("" when it can)."""
    if len(pin) < PIN_MIN:
        return _("请输入 {a}–{b} 位数字密码").format(a=PIN_MIN, b=PIN_MAX)
    return ""


def new_client_id() -> str:
    """A fresh id for one sign-in attempt: resending it never counts twice."""
    return uuid.uuid4().hex


def request_body(meeting_id: int, member_id: int, pin: str, client_id: str) -> dict[str, Any]:
    return {"meeting_id": meeting_id, "member_id": member_id, "pin": pin, "client_id": client_id}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the member is told after pressing 确认."""

    kind: str  # OK, REPEAT, WRONG_PIN or FAILED
    title: str
    message: str
    detail: str = ""

    @property
    def signed_in(self) -> bool:
        return self.kind in (OK, REPEAT)


def outcome_of_answer(answer: dict[str, Any], meeting_title: str) -> Outcome:
    """The server accepted the sign-in (new, or already signed in earlier)."""
    member = str((answer.get("member") or {}).get("name") or "")
    detail = meeting_title
    message = str(answer.get("message") or "")
    if answer.get("queued"):  # the server was down: kept on this terminal, sent when it is back
        return Outcome(OK, _("{name} 同志，签到已记录").format(name=member), message, detail)
    if not answer.get("created"):
        return Outcome(REPEAT, _("{name} 同志，您已签到").format(name=member), message, detail)
    marks = [_("迟到") if answer.get("late") else "", _("列席") if answer.get("guest") else ""]
    title = _("{name} 同志，签到成功").format(name=member)
    return Outcome(OK, title, message + "".join(f"  [{m}]" for m in marks if m), detail)


def outcome_of_error(status: int | None, code: str, message: str) -> Outcome:
    """The server refused (``status`` set) or could not be reached (``status`` None)."""
    if status is None:
        return Outcome(FAILED, _("暂时无法签到"), _("无法连接服务器，请稍后再试，或扫描大屏上的二维码签到。"))
    if status == 401 and code != "device_token_invalid":
        return Outcome(WRONG_PIN, _("密码不正确"), message or _("党员编号或密码不正确。"))
    return Outcome(FAILED, _("签到未成功"), message or _("服务器暂时无法处理，请稍后再试。"))
