"""A member logging in at a kiosk terminal the way a member does: number and PIN on the study login
screen's keypad, each key tapped."""

from __future__ import annotations

from typing import Any

from screen_server.demo import MEMBER_PIN


def type_number_and_pin(t: Any, number: str, pin: str = MEMBER_PIN) -> None:
    """On the study login screen (already shown): tap the number, 下一步, the PIN, 登录; wait until the
    terminal greets the member."""
    for text in (number, pin):
        for key in text:
            t.tap(t.find(t.screen().ids.keypad, "KeyButton", key=key))
        t.tap(t.screen().ids.next)
    t.until(lambda: t.app.study.member_name != "", timeout=10)
