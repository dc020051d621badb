"""A roster in the layout branches really keep (built by the tests, not shipped): a merged title row, a
note row, the header on row 3, dates written several ways, full-width digits, a blank row, a 用工性质
column and a 制表人/审核人 footer. Three branches, one of them with two party groups."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

BRANCHES = ("第一党支部", "第二党支部", "机关党支部")
GROUPS = (("第一党支部", "第一党小组"), ("第一党支部", "第二党小组"))
TITLE = "某某公司党委党员花名册（2026年）"
HEADER = ("序号", "姓名", "党员编号", "性别", "出生年月", "入党时间", "所在党支部", "党小组", "用工性质",
          "党员身份", "手机号码", "学历")
# (number as the tests read it, name, branch)
MEMBERS = (
    ("HY001", "王建国", "第一党支部"),
    ("HY002", "李秀英", "第一党支部"),
    ("HY003", "张伟", "第一党支部"),
    ("HY004", "刘芳", "第二党支部"),
    ("HY005", "陈明", "第二党支部"),
    ("HY006", "赵丽", "机关党支部"),
    ("HY007", "孙强", "机关党支部"),
)
PROBATIONARY = {"HY003"}


def messy_roster() -> bytes:
    """The roster as an .xlsx file's bytes."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(["填报单位：某某公司党委", None, None, None, None, None, None, None, None, "填报日期：2026年11月"])
    ws.append(list(HEADER))
    rows = [
        [1, "王 建国", "HY001", "男", "1968.03", "1992年7月1日", "第一党支部", "第一党小组", "在职", "正式党员",
         "13812345601", "本科"],
        [2, "李秀英", "ＨＹ００２", "女", dt.datetime(1975, 6, 12), "1999/6/30", "第一党支部", "第二党小组", "劳务派遣",
         "正式党员", "１３８１２３４５６０２", "大专"],
        [3, "张伟", "HY003", "男", "1998年5月", "２０２５－０７－０１", " 第一党支部", "第一党小组", "在职", "预备党员",
         "138-1234-5603", "硕士研究生"],
        [None] * len(HEADER),
        [4, "刘芳", "HY004", "女", "19800214", "2003.06", "第二党支部", None, "退休", "正式", "13812345604",
         "高中"],
        [5, "陈明", "HY005", "男", "1972-11-02", "1995年10月", "第二党支部", None, "在职", "正式党员", None, "本科"],
        [6, "赵丽", "HY006", "女", "1990.1.5", "2014年6月", "机关党支部", None, "合同制", "正式党员", "13812345606",
         "本科"],
        [7, "孙强", "ＨＹ００７", "男", "1985年12月", "2010.07", "机关党支部", None, "在职", "正式党员", "13812345607",
         "博士研究生"],
    ]
    for row in rows:
        ws.append(row)
    ws.append([None] * len(HEADER))
    ws.append(["制表人：王芳", None, None, None, "审核人：李强", None, None, None, "日期：2026年11月30日"])
    ws.append(["填表说明：1. 出生年月写到月即可；2. 党员身份填正式党员或预备党员。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
