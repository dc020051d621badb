"""Reading a roster file into numbered raw rows: .xlsx through openpyxl, CSV/TSV in whatever encoding
Chinese Excel saved it (UTF-8 with or without BOM, UTF-16 "Unicode text", GB18030/GBK).

Cells come back as Excel holds them (dates as dates, numbers as numbers), except where the cell's number
format says more than the value: a number shown with two decimals becomes that text ("1985.10"), and a
date shown without its day becomes "1985年3月". Interpreting the cells is ``checking``'s job.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from typing import BinaryIO

from screen_server.errors import Invalid
from screen_server.i18n import _
from screen_server.org.importing.columns import find_header
from screen_server.org.importing.report import CellValue, RawRow

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, or an encrypted .xlsx


def read_member_file(data: bytes | BinaryIO, filename: str) -> list[RawRow]:
    """Read every row of a roster (.xlsx, .csv, .tsv or .txt), numbered from 1 as the spreadsheet shows.

    From a workbook, the active sheet is read if a header can be found in it, else the first sheet
    that has one, else the active sheet.

    Raises:
        Invalid: the file is too large, an old or encrypted Excel file, or cannot be read at all.
    """
    raw = data if isinstance(data, bytes) else data.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise Invalid(_("文件太大（超过20MB）"))
    if not raw.strip():
        raise Invalid(_("文件是空的"))
    if raw.startswith(_OLE_MAGIC):
        raise Invalid(
            _("不支持旧版 .xls 文件或加密的 Excel 文件，请在 Excel 中“另存为” .xlsx（不要设置密码）")
        )
    if raw.startswith(_ZIP_MAGIC):
        return _read_xlsx(raw)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".et", ".wps")):
        raise Invalid(_("文件内容不是 Excel 工作簿（.xlsx），可能已损坏"))
    return _read_csv(raw)


# --- xlsx ------------------------------------------------------------------------------------------------
def _read_xlsx(raw: bytes) -> list[RawRow]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions that files from WPS and older Excel carry.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                sheets = [_sheet_rows(ws) for ws in book.worksheets if hasattr(ws, "iter_rows")]
                active = book.worksheets.index(book.active) if book.active in book.worksheets else 0
            finally:
                book.close()
    except Invalid:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise Invalid(_("无法读取这个 Excel 文件，请确认它是 .xlsx 格式")) from exc
    if not sheets:
        raise Invalid(_("工作簿中没有工作表"))
    order = [active] + [i for i in range(len(sheets)) if i != active]
    for i in order:
        if find_header(sheets[i]) is not None:
            return sheets[i]
    return sheets[active]


def _sheet_rows(ws: object) -> list[RawRow]:
    ws.reset_dimensions()  # type: ignore[attr-defined]  # files from other tools often state wrong ones
    rows: list[RawRow] = []
    filled = 0
    for number, cells in enumerate(ws.iter_rows(), start=1):  # type: ignore[attr-defined]
        row = RawRow(number, tuple(_cell_value(c) for c in cells))
        if not row.is_blank():
            filled += 1
            if filled > MAX_ROWS:
                raise Invalid(_("文件超过{n}行，请分成几个文件导入").format(n=MAX_ROWS))
        rows.append(row)
    while rows and rows[-1].is_blank():
        rows.pop()
    return rows


def _cell_value(cell: object) -> CellValue:
    value = getattr(cell, "value", None)
    fmt = str(getattr(cell, "number_format", "") or "General")
    if isinstance(value, float) and not value.is_integer():
        decimals = re.fullmatch(r"0\.(0+)", fmt)
        if decimals:
            return f"{value:.{len(decimals.group(1))}f}"
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        shown = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt).lower()
        if "d" not in shown and "y" in shown and "m" in shown and value.day == 1:  # type: ignore[union-attr]
            return f"{value.year}年{value.month}月"  # type: ignore[union-attr]
    return value  # type: ignore[return-value]


# --- csv -------------------------------------------------------------------------------------------------
def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise Invalid(_("无法识别文件的编码，请在 Excel 中另存为 .xlsx 或 “CSV UTF-8” 格式")) from exc


def _read_csv(raw: bytes) -> list[RawRow]:
    text = _decode(raw)
    best: list[RawRow] | None = None
    for delimiter in (",", "\t"):
        rows = _csv_rows(text, delimiter)
        if find_header(rows) is not None:
            return rows
        if best is None or _width(rows) > _width(best):
            best = rows
    assert best is not None
    return best


def _width(rows: Iterable[RawRow]) -> int:
    return max((len(r.cells) for r in rows), default=0)


def _csv_rows(text: str, delimiter: str) -> list[RawRow]:
    rows: list[RawRow] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            rows.append(RawRow(number, tuple(c if c.strip() else None for c in cells)))
            if number > MAX_ROWS * 2:
                raise Invalid(_("文件超过{n}行，请分成几个文件导入").format(n=MAX_ROWS))
    except csv.Error as exc:
        raise Invalid(_("CSV 文件格式有误：{error}").format(error=exc)) from exc
    while rows and rows[-1].is_blank():
        rows.pop()
    return rows
