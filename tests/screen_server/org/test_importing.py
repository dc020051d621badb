"""Member import: reading hand-made rosters, the dry-run report, and the all-or-nothing write."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any

import openpyxl
import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from screen_server.audit.models import AuditEntry
from screen_server.db import Base
from screen_server.errors import Conflict, Invalid
from screen_server.org.importing import (
    ImportReport,
    apply_member_import,
    check_member_rows,
    prepare_member_import,
    read_member_file,
)
from screen_server.org.models import Branch, Committee, DatePrecision, Gender, Member, PartyGroup

TODAY = dt.date(2026, 3, 1)
HEADER = ["序号", "党员编号", "姓名", "性别", "出生年月", "入党时间", "所在支部", "党小组", "联系电话"]


# --- fixtures and helpers ---------------------------------------------------------------------------------
@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _fk(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name in _TABLES])
    with Session(engine, expire_on_commit=False) as s:
        committee = Committee(name="机关党委")
        first = Branch(committee=committee, name="第一党支部", short_name="一支部", position=1)
        second = Branch(committee=committee, name="第二党支部", short_name="二支部", position=2)
        s.add_all([committee, first, second, PartyGroup(branch=first, name="第一党小组")])
        s.commit()
        yield s
    engine.dispose()


_TABLES = {"committees", "branches", "party_groups", "members", "users", "audit_entries"}


def branch(session: Session, name: str) -> Branch:
    return session.scalars(select(Branch).where(Branch.name == name)).one()


def member_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Member)) or 0


def make_xlsx(rows: Sequence[Sequence[Any]], formats: dict[str, str] | None = None, merge: str = "") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    for ref, fmt in (formats or {}).items():
        sheet[ref].number_format = fmt
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_csv(rows: Sequence[Sequence[Any]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def check(session: Session, rows: Sequence[Sequence[Any]], **options: Any) -> ImportReport:
    return prepare_member_import(session, make_csv(rows), "roster.csv", today=TODAY, **options)


def reasons(report: ImportReport) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.column, e.reason) for e in report.errors]


def good_row(
    number: str = "D0001", name: str = "张三", branch_name: str = "第一党支部", group_name: str = ""
) -> list[Any]:
    return [1, number, name, "男", "1985-03-12", "2005-07-01", branch_name, group_name, "13812345678"]


# --- the messy hand-made workbook -------------------------------------------------------------------------
def messy_workbook() -> bytes:
    # fmt: off
    header = ["序号", "党员编号", " 姓  名 ", "性别", "出生年月", "入党时间", "所在\u3000支部", "党小组*", "学历", "职务", "在职情况", "联系电话", "备注"]
    rows: list[list[Any]] = [
        ["第一党支部党员花名册（2026年）"],
        ["填表说明：日期写到月即可"],
        [],
        header,
        [1, "D0001", "张\u3000三", "男", dt.datetime(1985, 3, 12), "2005年7月1日", "第一党支部", "第一党小组", "本科", "工程师", "在职", "138 1234 5678", ""],
        [2, "Ｄ０００２", " 李四 ", "女", "1985.03", dt.datetime(2008, 6, 1), " 一支部 ", None, "大专", "", "退休", "０１０-１２３４５６７８"],
        [3, 1003, "王五", " 男 ", "1985/3/12", "2010-07-01", "第一党支部", "", "硕士研究生", "", "在职", 13812345678],
        [],
        [4, "D0004", "赵六", "女", "19850312", "2008年3月", "第一党支部", "", "", "", "", "", "已转出？"],
        [5, "D0005", "Ahmad  Ali", "", "1990.3.5", "2015-06", "第一党支部"],
        [6, "D0006", "钱七", "男", "１９８８年１２月３日", 2012.1, "第一党支部"],
        [7, "D0007", "孙八", "女", 1986.05, "2009.7.1", "第一党支部"],
        [8, "D0008", "周九", "男", dt.datetime(1980, 1, 2, 9, 30), "1999年10月", "第一党支部"],
    ]
    # fmt: on
    return make_xlsx(
        rows,
        # F6: a real date shown without its day; F11: 2012.10 typed as a number and shown with two decimals.
        formats={"E5": "yyyy-mm-dd", "F6": 'yyyy"年"m"月"', "F11": "0.00", "E13": "yyyy/m/d h:mm"},
        merge="A1:M1",
    )


def test_messy_workbook_imports_everything(session: Session) -> None:
    report = prepare_member_import(session, messy_workbook(), "花名册.xlsx", today=TODAY)
    assert report.errors == [] and report.file_errors == []
    assert report.ok
    assert report.header_row == 4
    assert report.ignored_columns == ["序号", "备注"]
    assert report.counts.total == 8 and report.counts.create == 8 and report.counts.blank_skipped == 1
    rows = {r.number: r for r in report.rows_ok}
    assert [r.row for r in report.rows_ok] == [5, 6, 7, 9, 10, 11, 12, 13]

    first = rows["D0001"]
    assert first.name == "张三" and first.gender is Gender.MALE
    assert (first.birth_date, first.birth_date_precision) == (dt.date(1985, 3, 12), DatePrecision.DAY)
    assert (first.joined_party_on, first.joined_party_precision) == (dt.date(2005, 7, 1), DatePrecision.DAY)
    assert first.group_name == "第一党小组" and first.phone == "13812345678"
    assert (first.education, first.title, first.employment_type) == ("本科", "工程师", "在职")

    second = rows["D0002"]
    assert second.name == "李四" and second.branch_name == "第一党支部"
    assert (second.birth_date, second.birth_date_precision) == (dt.date(1985, 3, 1), DatePrecision.MONTH)
    assert (second.joined_party_on, second.joined_party_precision) == (
        dt.date(2008, 6, 1),
        DatePrecision.MONTH,
    )
    assert second.phone == "010-12345678" and second.group_id is None

    assert rows["1003"].phone == "13812345678" and rows["1003"].birth_date == dt.date(1985, 3, 12)
    assert rows["D0004"].birth_date == dt.date(1985, 3, 12)
    assert rows["D0004"].joined_party_precision is DatePrecision.MONTH
    assert rows["D0005"].name == "Ahmad Ali" and rows["D0005"].gender is None
    assert rows["D0005"].joined_party_on == dt.date(2015, 6, 1)
    assert rows["D0006"].birth_date == dt.date(1988, 12, 3)
    assert rows["D0006"].joined_party_on == dt.date(2012, 10, 1)
    assert (rows["D0007"].birth_date, rows["D0007"].birth_date_precision) == (
        dt.date(1986, 5, 1),
        DatePrecision.MONTH,
    )
    assert rows["D0008"].birth_date == dt.date(1980, 1, 2)
    assert rows["D0008"].joined_party_on == dt.date(1999, 10, 1)

    progress: list[tuple[int, int]] = []
    result = apply_member_import(
        session, report, actor_user_id=None, progress=lambda d, t: progress.append((d, t))
    )
    assert (result.created, result.updated) == (8, 0)
    assert progress[-1] == (8, 8)
    stored = session.scalars(select(Member).where(Member.number == "D0002")).one()
    assert stored.birth_date_precision is DatePrecision.MONTH and stored.pin_hash is None
    assert stored.branch.name == "第一党支部"
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "member.import" and entry.details["created"] == 8
    assert entry.details["created_numbers"][0] == "D0001"


def test_roster_of_one_branch_without_branch_column(session: Session) -> None:
    rows = [["党员编号", "姓名"], ["D0101", "吴一"]]
    without = check(session, rows)
    assert without.file_errors == ["缺少必需的列：所在支部"]
    report = check(session, rows, default_branch_id=branch(session, "第二党支部").id)
    assert report.ok and report.rows_ok[0].branch_name == "第二党支部"
    other = check(
        session,
        [["编号", "姓名", "支部"], ["D0102", "吴二", "第一党支部"]],
        default_branch_id=branch(session, "第二党支部").id,
    )
    assert reasons(other) == [(2, "支部", "与指定的支部“第二党支部”不一致")]


# --- reading: encodings, delimiters, formats --------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("gb18030", ","), ("utf-8-sig", ","), ("utf-8", "\t"), ("utf-16", "\t"), ("gb18030", "\t")],
)
def test_csv_encodings_and_delimiters(session: Session, encoding: str, delimiter: str) -> None:
    rows = [["第一党支部党员名单"], HEADER, good_row(name="欧阳　娜娜"), good_row("D0002", "李四")]
    data = make_csv(rows, encoding, delimiter)
    report = prepare_member_import(session, data, "名单.csv", today=TODAY)
    assert report.ok, report.to_dict()
    assert [r.name for r in report.rows_ok] == ["欧阳娜娜", "李四"]
    assert report.header_row == 2


def test_old_xls_and_broken_files_are_file_errors(session: Session) -> None:
    old = prepare_member_import(session, b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls")
    assert "另存为" in old.file_errors[0] and not old.ok
    broken = prepare_member_import(session, b"not a workbook", "x.xlsx")
    assert broken.file_errors == ["文件内容不是 Excel 工作簿（.xlsx），可能已损坏"]
    with pytest.raises(Invalid):
        read_member_file(b"  ", "empty.csv")


def test_header_is_found_on_a_later_sheet(session: Session) -> None:
    book = openpyxl.Workbook()
    cover = book.active
    assert cover is not None
    cover.append(["说明：本表由支部填写"])
    data_sheet = book.create_sheet("名单")
    data_sheet.append(HEADER)
    data_sheet.append(good_row())
    out = io.BytesIO()
    book.save(out)
    rows = read_member_file(out.getvalue(), "book.xlsx")
    assert rows[0].cells[1] == "党员编号"


# --- wrong columns ----------------------------------------------------------------------------------------
def test_wrong_columns(session: Session) -> None:
    no_header = check(session, [["名单"], ["序号", "名字", "电话"], [1, "张三", "13812345678"]])
    assert "没有找到表头" in no_header.file_errors[0]
    no_number = check(session, [["姓名", "支部"], ["张三", "第一党支部"]])
    assert no_number.file_errors == ["缺少必需的列：党员编号"]
    twice = check(session, [["编号", "学号", "姓名", "支部"], ["1", "2", "张三", "第一党支部"]])
    assert twice.file_errors == ["“编号”和“学号”都是“党员编号”列，请只保留一列"]
    only_header = check(session, [HEADER])
    assert only_header.file_errors == ["表头下面没有党员数据"] and not only_header.ok


# --- dates ------------------------------------------------------------------------------------------------
def test_date_rules_between_columns(session: Session) -> None:
    rows = [
        HEADER,
        [1, "D1", "甲", "男", "1899-12-31", "1950-01-01", "第一党支部"],
        [2, "D2", "乙", "男", "1990-05-01", "2008-04-30", "第一党支部"],
        [3, "D3", "丙", "男", "1990.05", "2008.05", "第一党支部"],  # may have been 18 already: not refused
        [4, "D4", "丁", "男", "1900-01-01", "1920-12-01", "第一党支部"],
        [5, "D5", "戊", "男", "1985.3", "2005年2月30日", "第一党支部"],
    ]
    report = check(session, rows)
    assert reasons(report) == [
        (2, "出生年月", "出生日期早于1900年"),
        (3, "入党时间", "入党时不满18岁（出生日期与入党时间不符）"),
        (5, "入党时间", "入党时间早于建党（1921年7月）"),
        (6, "入党时间", "日期不存在：2月30日"),
    ]
    assert [e.value for e in report.errors] == ["1899-12-31", "2008-04-30", "1920-12-01", "2005年2月30日"]
    assert [r.number for r in report.rows_ok] == ["D3"]


# --- other cells ------------------------------------------------------------------------------------------
def test_bad_cells_are_each_reported(session: Session) -> None:
    rows = [
        HEADER,
        [1, "", "甲", "男", "", "", "第一党支部"],
        [2, "D2", " ", "男", "", "", "第一党支部"],
        [3, "D3", "丙", "M", "", "", "第一党支部", "", "1381234567"],
        [4, "D4", "丁", "女", "", "", "第一党支部", "", "1.38123E+10"],
        [5, "D5", "戊", "女", "", "", "第一党支部", "不存在的小组"],
        [6, "D6", "己", "女", "", "", "第九党支部"],
        [7, "D7", "庚", "女", "", "", ""],
        ["合计：7人"],
    ]
    report = check(session, rows)
    assert reasons(report) == [
        (2, "党员编号", "党员编号不能为空"),
        (3, "姓名", "姓名不能为空"),
        (4, "性别", "性别只能填“男”或“女”"),
        (4, "联系电话", "不是有效的手机号（11位）或固定电话（如 010-12345678）"),
        (5, "联系电话", "电话号码被 Excel 写成了科学计数法，请把该列设为文本后重新填写"),
        (6, "党小组", "“第一党支部”中没有这个党小组（请先在系统中建立，或选择“创建文件中的新支部和党小组”）"),
        (7, "所在支部", "没有这个支部（请与系统中的支部名称或简称一致，或选择“创建文件中的新支部”）"),
        (8, "所在支部", "所在支部为空：请在这一行填写该党员所在的支部（与其他行写法一致），否则整个文件都不会导入"),
    ]
    # The 合计 line under the table is a footer: skipped and listed, not an error.
    assert report.footer_skipped == [(9, "合计：7人")]
    assert report.counts.error_rows == 7 and report.rows_ok == [] and not report.ok


# --- duplicates, existing members, scope -------------------------------------------------------------------
def test_duplicate_numbers_in_the_file_report_every_row(session: Session) -> None:
    report = check(session, [HEADER, good_row("D1"), good_row("D2"), good_row("Ｄ1 ", "李四")])
    assert reasons(report) == [
        (2, "党员编号", "党员编号在文件中重复（第2、4行）"),
        (4, "党员编号", "党员编号在文件中重复（第2、4行）"),
    ]
    assert [r.number for r in report.rows_ok] == ["D2"]


def test_numbers_already_in_the_database(session: Session) -> None:
    first = branch(session, "第一党支部")
    session.add(
        Member(number="D0001", name="张三", branch_id=first.id, phone="13900000000", education="高中")
    )
    session.commit()
    rows = [HEADER + ["学历"], good_row("D0001", "张三丰") + ["本科"], good_row("D0002")]
    refused = check(session, rows)
    assert reasons(refused) == [
        (2, "党员编号", "系统中已有这个党员编号（如要更新已有党员，请选择“更新已有党员”）")
    ]

    rows[1][8] = ""  # a blank cell does not erase what the database holds
    report = check(session, rows, update_existing=True)
    assert report.ok and report.update_rows == [2]
    assert (report.counts.create, report.counts.update) == (1, 1)
    result = apply_member_import(session, report, actor_user_id=None)
    assert (result.created, result.updated) == (1, 1)
    stored = session.scalars(select(Member).where(Member.number == "D0001")).one()
    assert (stored.name, stored.education, stored.phone) == ("张三丰", "本科", "13900000000")
    assert member_count(session) == 2


def test_secretary_imports_only_into_their_own_branch(session: Session) -> None:
    first, second = branch(session, "第一党支部"), branch(session, "第二党支部")
    session.add(Member(number="D0009", name="旧人", branch_id=second.id))
    session.commit()
    rows = [HEADER, good_row("D0001"), good_row("D0002", branch_name="二支部"), good_row("D0009")]
    report = check(session, rows, allowed_branch_ids={first.id}, update_existing=True)
    assert reasons(report) == [
        (3, "所在支部", "无权导入其他支部的党员"),
        (4, "党员编号", "这个党员属于其他支部，无权修改"),
    ]
    scoped = check(
        session, [["编号", "姓名"], ["D5", "甲"]], allowed_branch_ids={first.id}, default_branch_id=second.id
    )
    assert scoped.file_errors == ["无权导入其他支部的党员"]
    own = check(session, rows[:3], allowed_branch_ids={first.id}, default_branch_id=first.id)
    assert reasons(own) == [(3, "所在支部", "无权导入其他支部的党员")]


def test_a_deactivated_branch_or_group_takes_no_one(session: Session) -> None:
    first, second = branch(session, "第一党支部"), branch(session, "第二党支部")
    second.active = False
    group = session.scalars(select(PartyGroup).where(PartyGroup.branch_id == first.id)).one()
    group.active = False
    session.commit()
    rows = [HEADER, good_row("D0001", branch_name="二支部"), good_row("D0002", group_name="第一党小组")]
    report = check(session, rows)
    assert reasons(report) == [
        (2, "所在支部", "“第二党支部”已停用，不能再导入党员：请改写为现在所在的支部，或先在“组织架构”中恢复它"),
        (3, "党小组", "党小组“第一党小组”已停用：请改写为现在的党小组，或先在“组织架构”中恢复它"),
    ]
    one_branch = check(session, [["编号", "姓名"], ["D5", "甲"]], default_branch_id=second.id)
    assert one_branch.file_errors == ["“第二党支部”已停用，不能再导入党员"]


# --- all or nothing ---------------------------------------------------------------------------------------
def test_a_failing_report_changes_nothing_and_cannot_be_applied(session: Session) -> None:
    session.add(Member(number="D0009", name="旧人", branch_id=branch(session, "第一党支部").id))
    session.commit()
    rows = [
        ["党员名单"],
        HEADER,
        good_row("D0001"),
        good_row("D0002"),
        [3, "D0003", "丙", "男", "1985.13", "2005-07-01", "第一党支部"],
        good_row("D0002", "重复"),
        good_row("D0009"),
        good_row("D0010", branch_name="第九党支部"),
    ]
    before = member_count(session)
    report = check(session, rows)
    assert not report.ok
    assert sorted({e.row for e in report.errors}) == [4, 5, 6, 7, 8]
    assert [r.row for r in report.rows_ok] == [3]
    with pytest.raises(Invalid):
        apply_member_import(session, report, actor_user_id=None)
    assert member_count(session) == before
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_database_error_midway_writes_nothing(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    report = check(session, [HEADER] + [good_row(f"D{i:04}") for i in range(450)])
    assert report.ok
    calls: list[tuple[int, int]] = []

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT INTO audit_entries", {}, Exception("disk I/O error"))

    monkeypatch.setattr("screen_server.audit.services.record", fail)
    with pytest.raises(Conflict):
        apply_member_import(session, report, actor_user_id=None, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(200, 450), (400, 450), (450, 450)]  # rows were flushed before the failure
    assert member_count(session) == 0


def test_a_number_taken_after_the_dry_run_writes_nothing(session: Session) -> None:
    report = check(session, [HEADER, good_row("D0001"), good_row("D0002")])
    assert report.ok
    session.add(Member(number="D0002", name="抢先", branch_id=branch(session, "第一党支部").id))
    session.commit()
    with pytest.raises(Conflict) as caught:
        apply_member_import(session, report, actor_user_id=None)
    assert "第3行" in caught.value.message
    assert member_count(session) == 1


def test_report_as_json(session: Session) -> None:
    report = check(session, [HEADER, good_row("D0001"), good_row("D0002", branch_name="第九党支部")])
    data = report.to_dict()
    assert data["ok"] is False
    assert data["counts"] == {
        "total": 2,
        "ok": 1,
        "error_rows": 1,
        "create": 1,
        "update": 0,
        "blank_skipped": 0,
        "footer_skipped": 0,
    }
    assert data["errors"] == [
        {
            "row": 3,
            "column": "所在支部",
            "value": "第九党支部",
            "reason": "没有这个支部（请与系统中的支部名称或简称一致，或选择“创建文件中的新支部”）",
        }
    ]
    assert data["rows_ok"][0]["birth_date"] == "1985-03-12" and data["rows_ok"][0]["action"] == "create"
    assert check_member_rows(
        session, read_member_file(make_csv([HEADER, good_row()]), "a.csv"), today=TODAY
    ).ok
