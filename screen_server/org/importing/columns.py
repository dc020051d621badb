"""Which column holds what: header synonyms and finding the header row under a title row.

Headers are compared after NFKC, with spaces of any width, asterisks, colons and bracketed notes
("出生年月（格式：1985.03）") removed, so "姓  名", "出生年月*" and "ＸＸ" written full-width all match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from screen_server.i18n import _
from screen_server.org.importing.report import CellValue, RawRow
from screen_server.org.importing.values import display

HEADER_SEARCH_ROWS = 10

# field → (label used in messages, accepted headers)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "number": ("党员编号", ("党员编号", "编号", "学号", "党员号")),
    "name": ("姓名", ("姓名", "党员姓名")),
    "gender": ("性别", ("性别",)),
    "birth_date": ("出生日期", ("出生日期", "出生年月", "出生年月日", "生日")),
    "joined_party_on": ("入党时间", ("入党时间", "入党日期", "入党年月", "加入党组织日期", "入党年月日")),
    "branch": ("所在支部", ("所在支部", "支部", "党支部", "所在党支部", "支部名称", "所属支部", "所属党支部")),
    "group": ("党小组", ("党小组", "所在党小组", "小组", "所属党小组", "党小组名称")),
    "education": ("学历", ("学历", "文化程度", "最高学历")),
    "title": ("职务/职称", ("职务", "职称", "职务/职称", "职务职称")),
    "employment_type": ("人员类别", ("人员类别", "在职情况", "在职状态", "人员类型", "用工性质", "用工类别", "用工形式")),
    "party_status": ("党员类别", ("党员类别", "党员身份", "党员类型", "党籍状态", "正式/预备")),
    "phone": ("联系电话", ("联系电话", "手机", "手机号", "手机号码", "电话", "联系方式", "电话号码", "移动电话")),
}
_SYNONYMS = {header: name for name, (_label, headers) in FIELDS.items() for header in headers}
# A row whose first filled cell starts with one of these ends the members: signatures and notes under
# the table. It and every row after it are skipped and listed, never reported as errors.
FOOTER_MARKERS = ("制表人", "制表", "填表人", "审核人", "审核", "负责人", "填表说明", "说明", "备注", "注：", "注:",
                  "合计", "总计", "小计", "共计", "签字", "盖章", "填报单位", "报送日期", "填表日期")
_NOISE = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|[\s*:]")


def label(field_name: str) -> str:
    return FIELDS[field_name][0]


def normalise_header(value: CellValue) -> str:
    text = unicodedata.normalize("NFKC", display(value))
    return _NOISE.sub("", text.replace("\u200b", "").replace("\ufeff", ""))


def field_for(value: CellValue) -> str | None:
    return _SYNONYMS.get(normalise_header(value))


def footer_text(row: RawRow) -> str | None:
    """The first filled cell of a footer row (制表人：…, 合计, 填表说明…), or None for any other row."""
    for cell in row.cells:
        text = display(cell).strip()
        if text:
            squeezed = "".join(unicodedata.normalize("NFKC", text).split())
            return text if squeezed.startswith(FOOTER_MARKERS) else None
    return None


def is_header(row: RawRow) -> bool:
    """A header row names both the member number and the name."""
    found = {field_for(c) for c in row.cells}
    return "number" in found and "name" in found


@dataclass(slots=True)
class Header:
    """The header row found in a sheet: which cell index holds which field."""

    row: int
    index: dict[str, int] = field(default_factory=dict)  # field → cell index
    headers: dict[str, str] = field(default_factory=dict)  # field → header as written
    ignored: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def find_header(rows: Sequence[RawRow]) -> Header | None:
    """Return the first row among the first few non-blank rows that names a number and a name column."""
    for raw in _first_rows(rows):
        if is_header(raw):
            return _map(raw)
    return None


def describe_missing_header(rows: Sequence[RawRow]) -> str:
    """Explain why no header was found (for a file-level error)."""
    for raw in _first_rows(rows):
        if any(field_for(c) == "name" for c in raw.cells):
            return _("缺少必需的列：{columns}").format(columns=label("number"))
    return _("在文件前{n}行中没有找到表头：表头行需要同时有“姓名”和“党员编号”（或“编号”“学号”）列").format(
        n=HEADER_SEARCH_ROWS
    )


def _first_rows(rows: Sequence[RawRow]) -> list[RawRow]:
    return [r for r in rows if r.row <= HEADER_SEARCH_ROWS + _leading_blank(rows) and not r.is_blank()]


def _leading_blank(rows: Sequence[RawRow]) -> int:
    count = 0
    for raw in rows:
        if not raw.is_blank():
            break
        count += 1
    return count


def _map(raw: RawRow) -> Header:
    header = Header(row=raw.row)
    for i, cell in enumerate(raw.cells):
        written = display(cell)
        if not written:
            continue
        name = field_for(cell)
        if name is None:
            header.ignored.append(written)
        elif name in header.index:
            header.errors.append(
                _("“{a}”和“{b}”都是“{label}”列，请只保留一列").format(
                    a=header.headers[name], b=written, label=label(name)
                )
            )
        else:
            header.index[name] = i
            header.headers[name] = written
    return header
