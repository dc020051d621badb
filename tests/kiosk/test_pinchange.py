"""Choosing one's own PIN at a terminal, without a window: two entries that must agree, six digits."""

from __future__ import annotations

from kiosk import pinchange
from kiosk.httpclient import HttpError


def test_two_matching_entries_make_the_request() -> None:
    change = pinchange.PinChange("804213")
    assert change.prompt.startswith("首次使用")
    assert change.submit("58392") == ("新密码须为 6 位数字", None)
    assert change.submit("583920") == ("", None) and change.step == pinchange.REPEAT
    assert change.prompt == "请再输入一次新密码"
    error, body = change.submit("583921")
    assert "不一致" in error and body is None and change.step == pinchange.NEW
    change.submit("583920")
    assert change.submit("583920") == ("", {"pin": "804213", "new_pin": "583920", "repeat": "583920"})
    change.refused()
    assert change.step == pinchange.NEW and change.new == ""


def test_only_the_servers_code_starts_a_change() -> None:
    assert pinchange.required(HttpError(403, "pin_change_required", "…"))
    assert not pinchange.required(HttpError(401, "not_authenticated", "…"))
    assert not pinchange.required(None)
