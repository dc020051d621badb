"""Reading single cells: dates written every way (and refused when ambiguous), phone numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from screen_server.org.importing import values
from screen_server.org.models import DatePrecision

TODAY = dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("85.3", "年份必须写四位数"),
        ("85年3月12日", "年份必须写四位数"),
        ("3/12/85", "年份必须写四位数"),
        ("1985.13", "月份不存在：13月"),
        ("1985年2月30日", "日期不存在：2月30日"),
        ("2027-01-01", "日期晚于今天"),
        ("1985", "只有年份"),
        ("1985年", "只有年份"),
        ("去年春天", "无法识别的日期格式"),
        (31120, "这是一个数字"),
        (1985.1, "看不出是1月还是10月"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(value: Any, reason: str) -> None:
    with pytest.raises(values.CellProblem) as caught:
        values.parse_date(value, today=TODAY)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985-03-12", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        ("1985/3/12", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        ("1985.3.12", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        ("1985年3月12日", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        (" １９８５ 年 ３ 月 １２ 日 ", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        ("19850312", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        (19850312, (dt.date(1985, 3, 12), DatePrecision.DAY)),
        ("1985-03-12 00:00:00", (dt.date(1985, 3, 12), DatePrecision.DAY)),
        ("1985.03", (dt.date(1985, 3, 1), DatePrecision.MONTH)),
        ("1985.1", (dt.date(1985, 1, 1), DatePrecision.MONTH)),
        ("1985年3月", (dt.date(1985, 3, 1), DatePrecision.MONTH)),
        ("1985-03", (dt.date(1985, 3, 1), DatePrecision.MONTH)),
        (1985.03, (dt.date(1985, 3, 1), DatePrecision.MONTH)),
        (dt.datetime(1985, 3, 12, 8, 0), (dt.date(1985, 3, 12), DatePrecision.DAY)),
        (dt.date(2026, 3, 1), (dt.date(2026, 3, 1), DatePrecision.DAY)),
    ],
)
def test_dates_written_every_way(value: Any, expected: tuple[dt.date, DatePrecision]) -> None:
    assert values.parse_date(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("０２１－８７６５４３２１", "021-87654321"),
        ("(010)12345678", "010-12345678"),
        ("0755-1234567-123", "0755-1234567-123"),
        ("87654321", "87654321"),
    ],
)
def test_phones(value: str, expected: str) -> None:
    assert values.parse_phone(value) == expected
