"""Spreadsheets the members area hands out: the initial PINs of a batch (for the secretary who gives out
the slips) and the member statistics. Built with the shared look of ``screen_server.xlsx``; each says who
made it and when. No database here: callers pass what to write."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from screen_server.i18n import _
from screen_server.org.pins import IssuedPin
from screen_server.xlsx import write_sheet

LOCAL = ZoneInfo("Asia/Shanghai")


def made_line(made_by: str, made_at: dt.datetime) -> str:
    return _("制表：{who}　生成时间：{at}（北京时间）").format(
        who=made_by, at=made_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"))


def pins_xlsx(issued: Sequence[IssuedPin], *, made_by: str, made_at: dt.datetime, instruction: str) -> bytes:
    """One row per member (branch, number, name, initial PIN), the instruction, and who made it when."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = _("初始密码")
    rows: list[list[Any]] = [[p.branch, p.number, p.name, p.pin, ""] for p in issued]
    write_sheet(ws, _("党员初始签到密码（请妥善保管，发放后销毁）"), [_("支部"), _("党员编号"), _("姓名"), _("初始密码"), _("领取人签字")],
                [22, 14, 12, 12, 16], rows)
    for cell in ws["D"][2:]:
        cell.number_format = "@"  # keep leading zeros
    ws.append([])
    ws.append([instruction])
    ws.append([made_line(made_by, made_at)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_xlsx(sheets: Sequence[tuple[str, list[str], list[list[Any]]]], *, title: str, made_by: str,
               made_at: dt.datetime) -> bytes:
    """Several small tables (name, headings, rows), one sheet each, with who made them and when."""
    book = Workbook()
    first = True
    for name, headings, rows in sheets:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        first = False
        ws.title = name[:31]
        write_sheet(ws, f"{title} · {name}", headings, [24] + [14] * (len(headings) - 1), rows, percent_col=3)
        ws.append([])
        ws.append([made_line(made_by, made_at)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
