"""The password rule: length, not the username, not on the shipped list of common passwords."""

from __future__ import annotations

import pytest

from screen_server.errors import Invalid
from screen_server.org.passwords import MIN_LENGTH, check_password, common_passwords


def test_the_shipped_list_is_read_and_holds_thousands_of_lowercase_entries() -> None:
    words = common_passwords()
    assert len(words) > 1500
    assert "1qaz2wsx3edc" in words and "woaini1314" in words
    assert all(w == w.lower() and not w.startswith("#") for w in words)


@pytest.mark.parametrize(
    ("password", "username", "message"),
    [
        ("short-1", "zhang", f"至少需要 {MIN_LENGTH} 个字符"),
        ("", "zhang", "至少需要"),
        ("zhangsan2026", "ZhangSan2026", "不能与用户名相同"),
        ("6202nasgnahz", "zhangsan2026", "不能与用户名相同"),
        ("1qaz2wsx3edc", "zhang", "太常见"),
        ("QWERTYUIOP", "zhang", "太常见"),
        ("ｑｗｅｒｔｙｕｉｏｐ", "zhang", "太常见"),  # full-width letters are the same password
        ("aaaaaaaaaaaa", "zhang", "太常见"),
        ("abababababab", "zhang", "太常见"),
    ],
)
def test_a_weak_password_is_refused_with_a_chinese_reason(password: str, username: str, message: str) -> None:
    with pytest.raises(Invalid) as exc:
        check_password(password, username)
    assert message in exc.value.message


def test_a_good_password_passes() -> None:
    check_password("红旗-river-2026", "zhang")
    check_password("correct horse battery", "admin")
