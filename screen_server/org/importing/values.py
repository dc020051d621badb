"""Reading one cell of a hand-kept roster: text clean-up, dates, phone numbers, gender, member numbers.

Each parser returns the value or raises ``CellProblem`` with the reason in Chinese. Nothing is guessed:
a value that could mean two things (``85.3``, a bare number in a date column, ``1985.1`` stored as an
Excel number) is refused with a reason the user can act on. No database here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from screen_server.i18n import _
from screen_server.org.importing.report import CellValue
from screen_server.org.models import DatePrecision, Gender, PartyStatus

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_CJK_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\s]+$")

EARLIEST_BIRTH = dt.date(1900, 1, 1)
PARTY_FOUNDED = dt.date(1921, 7, 1)
ADULT_AGE = 18


class CellProblem(ValueError):
    """A cell that cannot be read; ``str(exc)`` is the reason for the user."""


def display(value: CellValue) -> str:
    """Return a cell as a person would read it in the report."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def plain(value: CellValue) -> str:
    """Return free text with invisible characters dropped and runs of spaces made one (no NFKC)."""
    text = display(value).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def key(value: CellValue) -> str:
    """Return the form used to compare names: NFKC, no spaces of any width, no invisible characters."""
    text = unicodedata.normalize("NFKC", display(value)).translate(_INVISIBLE)
    return _SPACES.sub("", text)


def parse_number(value: CellValue) -> str:
    """Read a member number (党员编号); Excel numbers lose their ``.0``."""
    if isinstance(value, float) and not value.is_integer():
        raise CellProblem(_("编号不能是小数"))
    text = key(value)
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", text, re.IGNORECASE):
        raise CellProblem(_("编号被 Excel 写成了科学计数法，请把该列设为文本后重新填写"))
    if len(text) > 32:
        raise CellProblem(_("编号超过32个字符"))
    return text


def parse_name(value: CellValue) -> str:
    """Read a name; the spaces rosters put inside two-character Chinese names to align them go."""
    text = plain(unicodedata.normalize("NFKC", display(value)))
    if _CJK_ONLY.match(text):
        text = _SPACES.sub("", text)
    if len(text) > 50:
        raise CellProblem(_("姓名超过50个字符"))
    return text


def parse_text(value: CellValue, limit: int) -> str:
    text = plain(value)
    if len(text) > limit:
        raise CellProblem(_("内容超过{limit}个字符").format(limit=limit))
    return text


_GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}


def parse_gender(value: CellValue) -> Gender:
    text = key(value)
    if text not in _GENDERS:
        raise CellProblem(_("性别只能填“男”或“女”"))
    return _GENDERS[text]


_STATUSES = {"正式": PartyStatus.FULL, "正式党员": PartyStatus.FULL, "中共党员": PartyStatus.FULL,
             "党员": PartyStatus.FULL, "预备": PartyStatus.PROBATIONARY, "预备党员": PartyStatus.PROBATIONARY,
             "中共预备党员": PartyStatus.PROBATIONARY}


def parse_party_status(value: CellValue) -> PartyStatus:
    """Read 党员类别: 正式党员 or 预备党员 (also 正式 / 预备 / 中共党员)."""
    text = key(value)
    if text not in _STATUSES:
        raise CellProblem(_("党员类别只能填“正式党员”或“预备党员”"))
    return _STATUSES[text]


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})(?:(?:-|转)(\d{1,6}))?")
_LOCAL = re.compile(r"\d{7,8}")


def parse_phone(value: CellValue) -> str:
    """Read an 11-digit mainland mobile number or a landline (区号-号码[-分机]); return it normalised."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = key(value)
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", text, re.IGNORECASE):
        raise CellProblem(_("电话号码被 Excel 写成了科学计数法，请把该列设为文本后重新填写"))
    text = re.sub(r"^(\+86|0086)-?", "", text)
    text = text.replace("(", "").replace(")", "-") if text.startswith("(") else text
    if _MOBILE.fullmatch(text.replace("-", "")):
        return text.replace("-", "")
    landline = _LANDLINE.fullmatch(text)
    if landline:
        area, number, ext = landline.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    if _LOCAL.fullmatch(text):
        return text
    raise CellProblem(_("不是有效的手机号（11位）或固定电话（如 010-12345678）"))


# --- dates ---------------------------------------------------------------------------------------------
_DAY_PATTERNS = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
_MONTH_PATTERNS = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(份)?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})"),
)
_TIME_SUFFIX = re.compile(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_TWO_DIGIT_YEAR = re.compile(r"\d{2}([-/.年]\d{1,2}([-/.月]\d{1,2}[日号]?)?月?|\d{4}|\d{2})")


def parse_date(value: CellValue, *, today: dt.date) -> tuple[dt.date, DatePrecision]:
    """Read a date written any of the ways rosters write them.

    Month-only dates (``1985.03``, ``1985年3月``, ``1985-03``) come back as the 1st with precision MONTH.

    Raises:
        CellProblem: the cell is not a date, is ambiguous, impossible, or in the future.
    """
    if isinstance(value, dt.datetime):
        found = value.date(), DatePrecision.DAY
    elif isinstance(value, dt.date):
        found = value, DatePrecision.DAY
    elif isinstance(value, bool | dt.time):
        raise CellProblem(_("不是日期"))
    elif isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        found = _parse_digits(str(int(value)))
    elif isinstance(value, float):
        text = repr(value)
        if re.fullmatch(r"\d{4}\.1", text):
            raise CellProblem(
                _(
                    "Excel 把它存成了数字 {text}，看不出是1月还是10月，请把该单元格设为文本后写成 {y}.01 或 {y}.10"
                ).format(text=text, y=text[:4])
            )
        found = _parse_text(text)
    else:
        found = _parse_text(str(value))
    day, precision = found
    if day > today:
        raise CellProblem(_("日期晚于今天"))
    return day, precision


def _parse_digits(text: str) -> tuple[dt.date, DatePrecision]:
    if len(text) in (6, 8):
        return _parse_text(text)
    if len(text) == 4:
        raise CellProblem(_("只有年份，缺少月份"))
    raise CellProblem(
        _("这是一个数字，不是日期（可能是没有设日期格式的 Excel 日期），请把单元格设为日期格式")
    )


def _parse_text(raw: str) -> tuple[dt.date, DatePrecision]:
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).strip()
    text = _SPACES.sub("", _TIME_SUFFIX.sub("", text))
    for pattern in _DAY_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _make(int(match["y"]), int(match["m"]), int(match["d"])), DatePrecision.DAY
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _make(int(match["y"]), int(match["m"]), 1), DatePrecision.MONTH
    if re.fullmatch(r"\d{4}年?", text):
        raise CellProblem(_("只有年份，缺少月份"))
    if _TWO_DIGIT_YEAR.fullmatch(text) or re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2}", text):
        raise CellProblem(_("年份必须写四位数（如 1985），两位数的年份看不出世纪"))
    raise CellProblem(_("无法识别的日期格式，请写成 1985-03-12、1985年3月12日 或 1985.03"))


def _make(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise CellProblem(_("月份不存在：{month}月").format(month=month))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem(_("日期不存在：{month}月{day}日").format(month=month, day=day)) from None


def latest(day: dt.date, precision: DatePrecision) -> dt.date:
    """Return the last day a date of this precision can mean."""
    if precision is DatePrecision.DAY:
        return day
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
