"""One parser for a number typed into an admin form (the alert thresholds and the assessment weights
share it): a finite number, or a message naming the field."""

from __future__ import annotations

import pytest
from flask import Flask

from admin.web import form_number
from screen_server.errors import Invalid


@pytest.mark.parametrize("raw, value", [("12", 12.0), (" 7.5 ", 7.5), ("-3", -3.0), ("0", 0.0)])
def test_numbers_are_read(raw: str, value: float) -> None:
    with Flask(__name__).test_request_context(method="POST", data={"threshold": raw}):
        assert form_number("threshold", "阈值") == value


@pytest.mark.parametrize("raw", ["", "十二", "nan", "inf", "-Infinity", "1e999"])
def test_anything_else_is_refused_with_the_fields_name(raw: str) -> None:
    with Flask(__name__).test_request_context(method="POST", data={"threshold": raw}), \
            pytest.raises(Invalid, match="“阈值”必须是数字"):
        form_number("threshold", "阈值")
