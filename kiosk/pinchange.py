"""Choosing one's own PIN at a terminal after the server answered ``pin_change_required`` (the member
typed the initial PIN from their slip): ask for six new digits, then the same again, then hand the
server ``{"pin": initial, "new_pin": …, "repeat": …}`` for ``POST /api/device/members/pin``.

Plain Python, no Kivy and no networking: the sign-in desk and the study login both drive it. The initial
PIN is held only until the server has answered; the server checks the rules (not 123456, not a birth
date…), this only refuses what cannot be six digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from kiosk.i18n import _

CODE: Final = "pin_change_required"
NEW: Final = "new"
REPEAT: Final = "repeat"
LENGTH: Final = 6


def required(error: Any) -> bool:
    """Whether a server refusal (``HttpError``) asks the member to choose their own PIN."""
    return getattr(error, "code", "") == CODE


@dataclass(slots=True)
class PinChange:
    initial: str
    step: str = NEW
    new: str = field(default="", repr=False)

    @property
    def prompt(self) -> str:
        if self.step == NEW:
            return _("首次使用：请设置您自己的 6 位数字密码")
        return _("请再输入一次新密码")

    def submit(self, digits: str) -> tuple[str, dict[str, str] | None]:
        """Take what was typed: (an error to show, or "" and the request body once both entries agree)."""
        if len(digits) != LENGTH or not digits.isdigit():
            return _("新密码须为 6 位数字"), None
        if self.step == NEW:
            self.new, self.step = digits, REPEAT
            return "", None
        if digits != self.new:
            self.new, self.step = "", NEW
            return _("两次输入的新密码不一致，请重新设置"), None
        return "", {"pin": self.initial, "new_pin": self.new, "repeat": digits}

    def refused(self) -> None:
        """The server refused the new PIN (too easy to guess): start the two entries again."""
        self.new, self.step = "", NEW
