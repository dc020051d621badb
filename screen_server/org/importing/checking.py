"""The dry run: turn raw rows into checked ``MemberRow``s and a report of every row that cannot be read.

Nothing here writes. Row checks (each cell), then checks across rows (the same number twice), then checks
against the database (unknown branch or group, a number already taken, a branch outside the user's scope).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.errors import Invalid
from screen_server.i18n import _
from screen_server.org.importing import values as v
from screen_server.org.importing.columns import (
    Header,
    describe_missing_header,
    find_header,
    footer_text,
    label,
)
from screen_server.org.importing.reading import read_member_file
from screen_server.org.importing.report import CellValue, ImportReport, MemberRow, NewGroup, RawRow, RowError
from screen_server.org.models import Branch, Committee, DatePrecision, Member, PartyGroup

_TEXT_LIMITS = {"education": 30, "title": 50, "employment_type": 30}


def prepare_member_import(
    session: Session,
    data: bytes | BinaryIO,
    filename: str,
    *,
    update_existing: bool = False,
    allowed_branch_ids: set[int] | None = None,
    default_branch_id: int | None = None,
    today: dt.date | None = None,
    create_branches: bool = False,
) -> ImportReport:
    """Read and check a roster file in one call; a file that cannot be read becomes a file error."""
    raw_bytes = data if isinstance(data, bytes) else data.read()
    try:
        rows = read_member_file(raw_bytes, filename)
    except Invalid as exc:
        report = ImportReport(filename=filename, update_existing=update_existing, file_errors=[exc.message])
    else:
        report = check_member_rows(
            session,
            rows,
            update_existing=update_existing,
            allowed_branch_ids=allowed_branch_ids,
            default_branch_id=default_branch_id,
            today=today,
            create_branches=create_branches,
        )
        report.filename = filename
    report.file_sha256 = hashlib.sha256(raw_bytes).hexdigest()
    return report


def check_member_rows(
    session: Session,
    raw: Sequence[RawRow],
    *,
    update_existing: bool = False,
    allowed_branch_ids: set[int] | None = None,
    default_branch_id: int | None = None,
    today: dt.date | None = None,
    create_branches: bool = False,
) -> ImportReport:
    """Check every row and return the report of what an import would do.

    Args:
        update_existing: members whose number is already in the database are updated instead of refused.
        allowed_branch_ids: the branches the user may import into (None: every branch).
        default_branch_id: the branch for rows without one (the file is one branch's roster); with it
            the branch column becomes optional, and a row naming another branch is an error.
        today: the date "in the future" is measured against (tests pin it).
        create_branches: branches and party groups the file names that do not exist yet are listed in
            ``new_branches`` / ``new_groups`` to be created by the import instead of being errors (branches
            only for a user who may import into every branch, and only under an existing committee).
    """
    report = ImportReport(update_existing=update_existing, create_branches=create_branches)
    header = find_header(raw)
    if header is None:
        report.file_errors.append(describe_missing_header(raw))
        return report
    report.header_row = header.row
    report.columns = dict(header.headers)
    report.ignored_columns = list(header.ignored)
    report.file_errors.extend(header.errors)
    required = ["number", "name"] + ([] if default_branch_id is not None else ["branch"])
    missing = [label(f) for f in required if f not in header.index]
    if missing:
        report.file_errors.append(_("缺少必需的列：{columns}").format(columns="、".join(missing)))
    default_branch = session.get(Branch, default_branch_id) if default_branch_id is not None else None
    if default_branch_id is not None and default_branch is None:
        report.file_errors.append(_("指定的支部不存在"))
    elif default_branch and allowed_branch_ids is not None and default_branch.id not in allowed_branch_ids:
        report.file_errors.append(_("无权导入其他支部的党员"))
    elif default_branch and not default_branch.active:
        report.file_errors.append(_("“{name}”已停用，不能再导入党员").format(name=default_branch.name))
    if report.file_errors:
        return report

    checker = _RowChecker(session, header, default_branch, allowed_branch_ids, today or dt.date.today(),
                          create_branches)
    candidates: list[MemberRow] = []
    in_footer = False
    for row in raw:
        if row.row <= header.row:
            continue
        if row.is_blank():
            if not in_footer:
                report.blank_skipped += 1
            continue
        footer = footer_text(row)
        if in_footer or footer is not None:
            in_footer = True  # signatures and notes: nothing under them is a member
            shown = footer or next((v.display(c) for c in row.cells if v.display(c)), "")
            report.footer_skipped.append((row.row, shown[:60]))
            continue
        report.total_rows += 1
        parsed, errors = checker.check(row)
        report.errors.extend(errors)
        if parsed is not None and not errors:
            candidates.append(parsed)
    _check_duplicates(raw, header, report, candidates)
    _check_existing(session, header, report, candidates, update_existing, allowed_branch_ids)
    report.new_branches = list(checker.new_branches)
    report.new_groups = [NewGroup(b, g) for b, g in checker.new_groups]
    if report.new_branches:
        committee = session.scalar(select(Committee).order_by(Committee.id).limit(1))
        if committee is None:
            report.file_errors.append(_("系统中还没有党委，无法创建支部：请先在“首次设置”中为党委命名，再导入。"))
        else:
            report.committee_id = committee.id
    if not report.file_errors and report.total_rows == 0:
        report.file_errors.append(_("表头下面没有党员数据"))
    report.errors.sort(key=lambda e: (e.row, checker.column_order(e.column)))
    bad_rows = {e.row for e in report.errors}
    report.rows_ok = [c for c in candidates if c.row not in bad_rows]
    return report


class _RowChecker:
    """Reads the cells of one row; branches and groups are looked up once per import."""

    def __init__(
        self,
        session: Session,
        header: Header,
        default_branch: Branch | None,
        allowed: set[int] | None,
        today: dt.date,
        create_branches: bool = False,
    ) -> None:
        self.header = header
        self.create_branches = create_branches
        self.new_branches: dict[str, str] = {}  # key → name as first written
        self.new_groups: dict[tuple[str, str], tuple[str, str]] = {}  # (branch key, group key) → names
        self.default_branch = default_branch
        self.allowed = allowed
        self.today = today
        self.branches: dict[str, list[Branch]] = defaultdict(list)
        for branch in session.scalars(select(Branch).order_by(Branch.id)):
            for name in {v.key(branch.name), v.key(branch.short_name)} - {""}:
                self.branches[name].append(branch)
        self.groups: dict[tuple[int, str], PartyGroup] = {
            (g.branch_id, v.key(g.name)): g for g in session.scalars(select(PartyGroup))
        }

    def column_order(self, column: str | None) -> int:
        order = list(self.header.headers.values())
        return order.index(column) if column in order else -1

    def cell(self, row: RawRow, field: str) -> CellValue:
        index = self.header.index.get(field)
        if index is None or index >= len(row.cells):
            return None
        value = row.cells[index]
        return None if isinstance(value, str) and not v.key(value) else value

    def check(self, row: RawRow) -> tuple[MemberRow | None, list[RowError]]:
        errors: list[RowError] = []
        found: dict[str, Any] = {}

        def read(field: str, parse: Any, *, required: bool = False) -> None:
            value = self.cell(row, field)
            column = self.header.headers.get(field, label(field))
            if value is None:
                if required:
                    errors.append(
                        RowError(row.row, column, "", _("{label}不能为空").format(label=label(field)))
                    )
                return
            try:
                found[field] = parse(value)
            except v.CellProblem as exc:
                errors.append(RowError(row.row, column, v.display(value), str(exc)))

        def read_date(value: CellValue) -> tuple[dt.date, DatePrecision]:
            return v.parse_date(value, today=self.today)

        read("number", v.parse_number, required=True)
        read("name", v.parse_name, required=True)
        read("gender", v.parse_gender)
        read("birth_date", read_date)
        read("joined_party_on", read_date)
        read("phone", v.parse_phone)
        read("party_status", v.parse_party_status)
        for field, limit in _TEXT_LIMITS.items():
            read(field, lambda value, limit=limit: v.parse_text(value, limit))
        errors.extend(self._check_dates(row, found))
        branch, branch_errors = self._branch(row)
        errors.extend(branch_errors)
        group, group_errors = self._group(row, branch)
        errors.extend(group_errors)
        if errors or branch is None or not found.get("number") or not found.get("name"):
            return None, errors
        new_branch = isinstance(branch, str)
        new_group = isinstance(group, str)
        member = MemberRow(
            row=row.row,
            number=found["number"],
            name=found["name"],
            branch_id=0 if isinstance(branch, str) else branch.id,
            branch_name=branch if isinstance(branch, str) else branch.name,
            gender=found.get("gender"),
            group_id=None if group is None or isinstance(group, str) else group.id,
            group_name="" if group is None else group if isinstance(group, str) else group.name,
            present=frozenset(set(found) | {"branch"} | ({"group"} if group else set())),
            new_branch=new_branch,
            new_group=new_group,
        )
        if "party_status" in found:
            member.party_status = found["party_status"]
        if "birth_date" in found:
            member.birth_date, member.birth_date_precision = found["birth_date"]
        if "joined_party_on" in found:
            member.joined_party_on, member.joined_party_precision = found["joined_party_on"]
        for field in ("phone", *_TEXT_LIMITS):
            if field in found:
                setattr(member, field, found[field])
        return member, errors

    def _check_dates(self, row: RawRow, found: dict[str, Any]) -> list[RowError]:
        errors = []
        birth_col = self.header.headers.get("birth_date", label("birth_date"))
        join_col = self.header.headers.get("joined_party_on", label("joined_party_on"))
        birth = found.get("birth_date")
        joined = found.get("joined_party_on")
        if birth and birth[0] < v.EARLIEST_BIRTH:
            errors.append(
                RowError(row.row, birth_col, v.display(self.cell(row, "birth_date")), _("出生日期早于1900年"))
            )
            found.pop("birth_date")
            birth = None
        if joined and v.latest(*joined) < v.PARTY_FOUNDED:
            errors.append(
                RowError(
                    row.row,
                    join_col,
                    v.display(self.cell(row, "joined_party_on")),
                    _("入党时间早于建党（1921年7月）"),
                )
            )
        elif birth and joined and v.latest(*joined) < v.add_years(birth[0], v.ADULT_AGE):
            errors.append(
                RowError(
                    row.row,
                    join_col,
                    v.display(self.cell(row, "joined_party_on")),
                    _("入党时不满18岁（出生日期与入党时间不符）"),
                )
            )
        return errors

    def _branch(self, row: RawRow) -> tuple[Branch | str | None, list[RowError]]:
        """The row's branch, or its name (a str) when the import will create it."""
        value = self.cell(row, "branch")
        column = self.header.headers.get("branch", label("branch"))
        if value is None:
            if self.default_branch is not None:
                return self.default_branch, []
            return None, [RowError(row.row, column, "", _(
                "所在支部为空：请在这一行填写该党员所在的支部（与其他行写法一致），否则整个文件都不会导入"))]
        matches = self.branches.get(v.key(value), [])
        shown = v.display(value)
        if not matches:
            if self.create_branches and self.allowed is None and self.default_branch is None:
                name = v.plain(value)
                if len(name) > 100:
                    return None, [RowError(row.row, column, shown, _("支部名称超过100个字符"))]
                return self.new_branches.setdefault(v.key(value), name), []
            if self.create_branches:
                return None, [RowError(row.row, column, shown, _("只有系统管理员可以在导入时创建支部"))]
            return None, [RowError(row.row, column, shown, _(
                "没有这个支部（请与系统中的支部名称或简称一致，或选择“创建文件中的新支部”）"))]
        if len(matches) > 1:
            return None, [RowError(row.row, column, shown, _("这个名称对应多个支部，请写支部全称"))]
        branch = matches[0]
        if not branch.active:
            return None, [RowError(row.row, column, shown, _(
                "“{name}”已停用，不能再导入党员：请改写为现在所在的支部，或先在“组织架构”中恢复它").format(
                name=branch.name))]
        if self.allowed is not None and branch.id not in self.allowed:
            return None, [RowError(row.row, column, shown, _("无权导入其他支部的党员"))]
        if self.default_branch is not None and branch.id != self.default_branch.id:
            return None, [
                RowError(
                    row.row,
                    column,
                    shown,
                    _("与指定的支部“{name}”不一致").format(name=self.default_branch.name),
                )
            ]
        return branch, []

    def _group(self, row: RawRow, branch: Branch | str | None) -> tuple[PartyGroup | str | None, list[RowError]]:
        """The row's party group, or its name (a str) when the import will create it."""
        value = self.cell(row, "group")
        if value is None or branch is None:
            return None, []
        if isinstance(branch, str) or (group := self.groups.get((branch.id, v.key(value)))) is None:
            branch_name = branch if isinstance(branch, str) else branch.name
            if self.create_branches:
                name = v.plain(value)
                if len(name) > 100:
                    column = self.header.headers.get("group", label("group"))
                    return None, [RowError(row.row, column, v.display(value), _("党小组名称超过100个字符"))]
                key = (v.key(branch_name), v.key(value))
                return self.new_groups.setdefault(key, (branch_name, name))[1], []
            column = self.header.headers.get("group", label("group"))
            reason = _("“{branch}”中没有这个党小组（请先在系统中建立，或选择“创建文件中的新支部和党小组”）").format(
                branch=branch_name)
            return None, [RowError(row.row, column, v.display(value), reason)]
        if not group.active:
            column = self.header.headers.get("group", label("group"))
            reason = _("党小组“{name}”已停用：请改写为现在的党小组，或先在“组织架构”中恢复它").format(name=group.name)
            return None, [RowError(row.row, column, v.display(value), reason)]
        return group, []


def _check_duplicates(
    raw: Sequence[RawRow], header: Header, report: ImportReport, rows: list[MemberRow]
) -> None:
    """Report every row whose number appears more than once in the file (all of them, not the later ones)."""
    seen: dict[str, list[int]] = defaultdict(list)
    for row in raw:
        if row.row <= header.row or "number" not in header.index or header.index["number"] >= len(row.cells):
            continue
        try:
            number = v.parse_number(row.cells[header.index["number"]])
        except v.CellProblem:
            continue
        if number:
            seen[number].append(row.row)
    column = header.headers["number"]
    for number, where in seen.items():
        if len(where) > 1:
            listed = "、".join(str(n) for n in where)
            for n in where:
                report.errors.append(
                    RowError(n, column, number, _("党员编号在文件中重复（第{rows}行）").format(rows=listed))
                )


def _check_existing(
    session: Session,
    header: Header,
    report: ImportReport,
    rows: list[MemberRow],
    update_existing: bool,
    allowed: set[int] | None,
) -> None:
    numbers = [r.number for r in rows]
    existing: dict[str, tuple[int, int]] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        stmt = select(Member.number, Member.id, Member.branch_id).where(Member.number.in_(chunk))
        existing.update({number: (mid, bid) for number, mid, bid in session.execute(stmt)})
    column = header.headers["number"]
    for row in rows:
        if row.number not in existing:
            continue
        member_id, branch_id = existing[row.number]
        if not update_existing:
            reason = _("系统中已有这个党员编号（如要更新已有党员，请选择“更新已有党员”）")
            report.errors.append(RowError(row.row, column, row.number, reason))
        elif allowed is not None and branch_id not in allowed:
            report.errors.append(RowError(row.row, column, row.number, _("这个党员属于其他支部，无权修改")))
        else:
            row.existing_member_id = member_id
