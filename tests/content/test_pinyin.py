from __future__ import annotations

import pytest

from content.pinyin import initials


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("党章党规", "DZDG"),
        ("党章", "DZ"),
        ("两学一做", "LXYZ"),
        ("重庆", "CQ"),  # polyphone read as the phrase: chong, not zhong
        ("重要", "ZY"),
        ("银行行长", "YHHZ"),
        ("长征", "CZ"),
        ("2024年ABC学习", "2024NABCXX"),
        ("ＰＤＦ资料", "PDFZL"),  # full-width letters fold to ASCII
        ("“两学一做”，学习教育！", "LXYZXXJY"),  # punctuation and spaces dropped
        ("绿色", "LS"),
        ("", ""),
    ],
)
def test_initials(text: str, expected: str) -> None:
    assert initials(text) == expected
