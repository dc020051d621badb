"""The question bank's .xlsx template: a good sheet imports (submitted for review) and exports back;
a sheet with a missing answer, an answer letter with no option or a duplicate question is refused,
each reported with its row and column, and nothing is imported."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content import question_xlsx as qx
from content.categories import ensure_builtin_categories
from content.models import Question, QuestionKind, ReviewStatus

HEADER = ["题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分类", "难度"]


def sheet(*rows: list[object], title: bool = True) -> io.BytesIO:
    book = Workbook()
    ws = book.active
    assert ws is not None
    if title:
        ws.append(["党支部题库（2026年11月）"])
    ws.append(HEADER)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


GOOD = [
    ["中国共产党成立于哪一年？", "1919年", "1921年", "1927年", "1949年", "B", "1921年7月召开一大。", "党史学习", 1],
    ["党员的权利包括哪些？", "参加党的有关会议", "行使表决权", "对党的工作提出建议", "", "a，b，c", "", "党章党规", "中"],
    ["党的最高理想是实现共产主义。", "", "", "", "", "正确", "", "", "易"],
    ["党的根本宗旨是全心全意为人民___。", "", "", "", "", "服务", "", "", 2],
]


def test_a_good_sheet_imports_and_exports_back(session: Session) -> None:
    ensure_builtin_categories(session)
    report = qx.import_sheet(session, sheet(*GOOD), actor_user_id=None)
    session.commit()
    assert len(report.questions) == 4
    kinds = {q.stem[:4]: (q.kind, q.answer, q.status) for q in session.scalars(select(Question))}
    assert kinds["中国共产"] == (QuestionKind.SINGLE, "B", ReviewStatus.SUBMITTED)
    assert kinds["党员的权"][:2] == (QuestionKind.MULTIPLE, "ABC")
    assert kinds["党的最高"][:2] == (QuestionKind.TRUE_FALSE, "正确")
    assert kinds["党的根本"][:2] == (QuestionKind.FILL_BLANK, "服务")
    for q in session.scalars(select(Question)):
        q.status = ReviewStatus.PUBLISHED
    session.commit()
    exported = io.BytesIO(qx.export_sheet(session))
    again = qx.check_sheet(session, exported)
    assert [str(e) for e in again.errors][:1] and all("题库中已有" in e.message for e in again.errors)


@pytest.mark.parametrize("row, column, message", [
    (["党的三大作风是什么？", "理论联系实际", "密切联系群众", "批评与自我批评", "", "", "", "", 2], "答案", "缺少答案"),
    (["下列哪项是党的纪律？", "政治纪律", "组织纪律", "", "", "E", "", "", 2], "答案", "E 没有对应的选项"),
    (GOOD[0], "题干", "与第 3 行的题目重复"),
])
def test_bad_rows_are_reported_and_nothing_is_imported(session: Session, row: list[object], column: str,
                                                       message: str) -> None:
    ensure_builtin_categories(session)
    report = qx.check_sheet(session, sheet(*GOOD, row))
    [error] = report.errors
    assert error.row == 7 and error.column == column and message in error.message
    with pytest.raises(qx.SheetRejected) as refused:
        qx.import_sheet(session, sheet(*GOOD, row), actor_user_id=None)
    assert "未导入任何题目" in refused.value.message and "第 7 行" in refused.value.details[0]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_unknown_category_and_bad_difficulty_and_no_header(session: Session) -> None:
    ensure_builtin_categories(session)
    report = qx.check_sheet(session, sheet(["题目一", "甲", "乙", "", "", "A", "", "不存在的分类", "9"]))
    assert {e.column for e in report.errors} == {"分类", "难度"}
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["随便", "写的"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with pytest.raises(qx.InvalidContent, match="没有找到表头"):
        qx.check_sheet(session, out)
