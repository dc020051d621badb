"""The question bank in the .xlsx template branches already use: 题干, 选项A…选项F, 答案, 解析, 分类, 难度
(题型 optional: without it the kind is read from the answer — 正确/错误 is true-false, several letters
multiple choice, one letter single choice, no options fill-in-the-blank).

``check_sheet`` reads every row and reports each bad one with its row number, column and reason (a
missing answer, an answer letter with no option, a question twice in the file or already in the
bank, an unknown category, a bad difficulty); ``import_sheet`` imports all or nothing, as submitted
questions waiting for the reviewer; ``export_sheet`` writes the same template back.
"""

from __future__ import annotations

import dataclasses
import io
import unicodedata
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.errors import ContentError, InvalidContent
from content.i18n import _
from content.models import Category, Question, QuestionKind, ReviewStatus
from content.questions import LABELS, create_question, normalise_answer
from content.services import submit

HEADERS = ["题型", "题干", *[f"选项{c}" for c in LABELS], "答案", "解析", "分类", "难度"]
KIND_NAMES = {"单选": QuestionKind.SINGLE, "单选题": QuestionKind.SINGLE, "多选": QuestionKind.MULTIPLE,
              "多选题": QuestionKind.MULTIPLE, "判断": QuestionKind.TRUE_FALSE, "判断题": QuestionKind.TRUE_FALSE,
              "填空": QuestionKind.FILL_BLANK, "填空题": QuestionKind.FILL_BLANK}
KIND_LABELS = {QuestionKind.SINGLE: "单选题", QuestionKind.MULTIPLE: "多选题", QuestionKind.TRUE_FALSE: "判断题",
               QuestionKind.FILL_BLANK: "填空题"}
DIFFICULTY_WORDS = {"易": 1, "容易": 1, "较易": 2, "中": 3, "中等": 3, "一般": 3, "较难": 4, "难": 5, "困难": 5}
MAX_ROWS = 5000


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("第 {r} 行“{c}”：{m}").format(r=self.row, c=self.column, m=self.message)


@dataclasses.dataclass
class SheetReport:
    questions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.questions)


class SheetRejected(ContentError):
    status = 400
    code = "sheet_rejected"

    def __init__(self, report: SheetReport) -> None:
        super().__init__(_("题库文件有 {n} 处问题，未导入任何题目。").format(n=len(report.errors)),
                         details=[str(e) for e in report.errors])
        self.report = report


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _rows(source: Path | str | IO[bytes]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception:
        raise InvalidContent(_("无法读取该文件，请上传 Excel（.xlsx）格式的题库。")) from None
    sheet = book.worksheets[0]
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        cells = [_text(v) for v in values]
        if not header:
            if "题干" in cells:  # title rows above the header are skipped
                header = [c.replace(" ", "") for c in cells]
            elif number > 10:
                break
            continue
        if any(cells):
            rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise InvalidContent(_("一次最多导入 {n} 道题。").format(n=MAX_ROWS))
    book.close()
    if not header:
        raise InvalidContent(_("没有找到表头：第一行（或标题行下面一行）应含有“题干”“答案”等列。"))
    return header, rows


def check_sheet(session: Session, source: Path | str | IO[bytes]) -> SheetReport:
    """Read and check every row; nothing is written."""
    header, rows = _rows(source)
    at = {name: i for i, name in enumerate(header) if name}
    if "答案" not in at:
        raise InvalidContent(_("表头缺少“答案”列。"))
    categories = {c.name: c.id for c in session.scalars(select(Category))}
    in_bank = set(session.scalars(select(Question.stem)))
    seen: dict[str, int] = {}
    report = SheetReport()

    def cell(cells: list[str], name: str) -> str:
        i = at.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    for number, cells in rows:
        errors: list[RowError] = []
        stem = cell(cells, "题干")
        options = {c: cell(cells, f"选项{c}") for c in LABELS if cell(cells, f"选项{c}")}
        answer = cell(cells, "答案").upper().replace("，", "").replace(",", "").replace(" ", "")
        if not stem:
            errors.append(RowError(number, "题干", _("题干为空。")))
        if not answer:
            errors.append(RowError(number, "答案", _("缺少答案。")))
        named = cell(cells, "题型")
        if named and named not in KIND_NAMES:
            errors.append(RowError(number, "题型", _("不认识的题型“{k}”（单选、多选、判断、填空）。").format(k=named)))
        if answer in ("正确", "错误", "对", "错", "√", "×"):
            kind = QuestionKind.TRUE_FALSE
        elif not options:
            kind = QuestionKind.FILL_BLANK
        else:
            kind = QuestionKind.MULTIPLE if len(answer) > 1 else QuestionKind.SINGLE
        kind = KIND_NAMES.get(named, kind)
        if answer and options and kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            missing = [c for c in answer if c not in options]
            if missing:
                errors.append(RowError(number, "答案", _("答案“{a}”中的 {m} 没有对应的选项。").format(
                    a=answer, m="、".join(missing))))
        if answer and not errors:
            try:
                answer = normalise_answer(kind, cell(cells, "答案"), sorted(options))
            except ContentError as exc:
                errors.append(RowError(number, "答案", exc.message))
        difficulty_text = cell(cells, "难度") or "2"
        difficulty = DIFFICULTY_WORDS.get(difficulty_text) or (int(difficulty_text) if difficulty_text.isdigit() else 0)
        if not 1 <= difficulty <= 5:
            errors.append(RowError(number, "难度", _("难度应是 1–5，或 易、较易、中、较难、难。")))
        category = cell(cells, "分类")
        if category and category not in categories:
            errors.append(RowError(number, "分类", _("分类“{c}”不存在，请先在后台添加或改为已有分类。").format(c=category)))
        if stem and stem in seen:
            errors.append(RowError(number, "题干", _("与第 {r} 行的题目重复。").format(r=seen[stem])))
        elif stem and stem in in_bank:
            errors.append(RowError(number, "题干", _("题库中已有这道题。")))
        if stem:
            seen.setdefault(stem, number)
        if errors:
            report.errors.extend(errors)
        else:
            report.questions.append({"row": number, "kind": kind, "stem": stem, "options": options, "answer": answer,
                                     "explanation": cell(cells, "解析"), "category_id": categories.get(category),
                                     "difficulty": difficulty})
    if not rows:
        report.errors.append(RowError(0, "题干", _("文件里没有题目。")))
    return report


def import_sheet(session: Session, source: Path | str | IO[bytes], *, actor_user_id: int | None,
                 source_name: str = "") -> SheetReport:
    """Check, then import every question (submitted for review) — or none, raising SheetRejected."""
    report = check_sheet(session, source)
    if not report.ok:
        raise SheetRejected(report)
    for q in report.questions:
        question = create_question(session, kind=q["kind"], stem=q["stem"], answer=q["answer"], options=q["options"],
                                   explanation=q["explanation"], category_id=q["category_id"],
                                   difficulty=q["difficulty"], source=source_name, author_user_id=actor_user_id)
        submit(session, question, actor_user_id=actor_user_id)
    session.flush()
    return report


def export_sheet(session: Session, *, status: ReviewStatus | None = ReviewStatus.PUBLISHED) -> bytes:
    """The bank (published questions by default) in the same template, ready to edit and import back."""
    query = select(Question).order_by(Question.id)
    if status is not None:
        query = query.where(Question.status == status)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "题库"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="A8101A")
        cell.alignment = Alignment(horizontal="center")
    for q in session.scalars(query):
        options = {o.label: o.text for o in q.options}
        sheet.append([KIND_LABELS[q.kind], q.stem, *[options.get(c, "") for c in LABELS], q.answer, q.explanation,
                      q.category.name if q.category else "", q.difficulty])
    for col, width in zip("ABCDEFGHIJKLM", (8, 48, 18, 18, 18, 18, 12, 12, 10, 40, 12, 6), strict=False):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
