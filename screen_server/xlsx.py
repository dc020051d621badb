"""The look every .xlsx export shares (statistics, assessment), so that they open the same way in Excel
and WPS."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from screen_server.i18n import _

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def export_stamp(actor: Any, at: dt.datetime | None = None) -> str:
    """The line every export of personal data carries on the sheet itself: who made it, and when
    (Beijing time), so a printed or forwarded copy still says where it came from."""
    when = (at or dt.datetime.now(dt.UTC)).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
    who = getattr(actor, "display_name", "") or getattr(actor, "username", "")
    return _("导出人：{who}（{user}）；导出时间：{when}（北京时间）").format(
        who=who, user=getattr(actor, "username", ""), when=when)


def stamp_workbook(wb: Any, actor: Any) -> None:
    """Write ``export_stamp`` under the last row of every sheet of ``wb``."""
    line = export_stamp(actor)
    for ws in wb.worksheets:
        ws.cell(row=ws.max_row + 2, column=1, value=line).font = Font(italic=True, color="666666")


def write_sheet(ws: Worksheet, title: str, headings: list[str], widths: list[int], rows: list[list[Any]], *,
                percent_col: int = 0, date_col: int = 0) -> None:
    """A title row merged across the columns, red Chinese headings, thin borders, set widths, the header
    frozen and repeated on every printed page."""
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headings))
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = 24
    ws.append(headings)
    thin = Side(style="thin", color="999999")
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B71C1C")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            if percent_col and cell.row > 2 and cell.column == percent_col and isinstance(cell.value, float):
                cell.number_format = "0.0%"
            if date_col and cell.row > 2 and cell.column == date_col:
                cell.number_format = "yyyy-mm-dd"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
