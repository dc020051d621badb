"""``activity-room import-members FILE``: the member import on the command line.

A dry run prints the report; a real import prints it too and, only when every row is good, writes all
rows under a progress bar. Exit 0 on success, 1 when anything is wrong (and then nothing is written).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.errors import DomainError
from screen_server.i18n import _
from screen_server.org.importing import ImportReport, apply_member_import, prepare_member_import
from screen_server.org.models import Branch

_WIDTHS = (6, 12, 20, 60)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``import-members`` command to an argparse subparsers object and return its parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import-members",
        help=_("从 Excel（.xlsx）或 CSV 花名册导入党员"),
        description=_(
            "从支部手工维护的花名册导入党员：先检查每一行，全部无误才写入（要么全部导入，要么都不导入）。"
        ),
    )
    parser.add_argument("file", metavar="FILE", type=Path, help=_("花名册文件（.xlsx、.csv）"))
    parser.add_argument("--dry-run", action="store_true", help=_("只检查并列出问题，不写入"))
    parser.add_argument(
        "--update-existing", action="store_true", help=_("系统中已有的党员编号：更新该党员（默认报错）")
    )
    parser.add_argument("--branch", metavar="NAME", help=_("文件属于哪个支部（没有“所在支部”列时必须指定）"))
    parser.add_argument(
        "--create-branches",
        action="store_true",
        help=_("文件中写到、系统中还没有的支部和党小组：随导入一起创建（试运行时只列出）"),
    )
    return parser


def run(
    args: argparse.Namespace, session_factory: Callable[[], Session], *, out: TextIO | None = None
) -> int:
    """Run ``import-members``: check the file, print the report, and import unless told not to."""
    out = out or sys.stdout
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(_("无法读取文件 {file}：{error}").format(file=args.file, error=exc.strerror or exc), file=out)
        return 1
    with session_factory() as session:
        branch_id = None
        if args.branch:
            branch_id = _find_branch(session, args.branch)
            if branch_id is None:
                print(_("没有名为“{name}”的支部").format(name=args.branch), file=out)
                return 1
        report = prepare_member_import(
            session,
            data,
            args.file.name,
            update_existing=args.update_existing,
            default_branch_id=branch_id,
            create_branches=bool(getattr(args, "create_branches", False)),
        )
        print_report(report, out)
        if not report.ok:
            print(_("检查未通过，没有导入任何数据。"), file=out)
            return 1
        if args.dry_run:
            print(_("检查通过（试运行，没有写入）。"), file=out)
            return 0
        try:
            result = _apply_with_bar(session, report)
            session.commit()  # the service flushes; this command is the unit of work
        except DomainError as exc:
            print(exc.message, file=out)
            return 1
    print(
        _("导入完成：新增 {created} 人，更新 {updated} 人。").format(
            created=result.created, updated=result.updated
        ),
        file=out,
    )
    return 0


def _apply_with_bar(session: Session, report: ImportReport) -> Any:
    from tqdm import tqdm

    with tqdm(total=len(report.rows_ok), unit=_("人"), desc=_("导入"), file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        return apply_member_import(session, report, actor_user_id=None, progress=progress)


def _find_branch(session: Session, name: str) -> int | None:
    wanted = "".join(unicodedata.normalize("NFKC", name).split())
    for branch in session.scalars(select(Branch).order_by(Branch.id)):
        if wanted in (
            "".join(unicodedata.normalize("NFKC", n).split()) for n in (branch.name, branch.short_name) if n
        ):
            return branch.id
    return None


def print_report(report: ImportReport, out: TextIO) -> None:
    """Print the report: file problems, then one table line per row problem, then the counts."""
    print(_("文件：{name}").format(name=report.filename), file=out)
    if report.header_row is not None:
        print(_("表头在第 {row} 行").format(row=report.header_row), file=out)
    if report.ignored_columns:
        print(_("未使用的列：{columns}").format(columns="、".join(report.ignored_columns)), file=out)
    for problem in report.file_errors:
        print(_("错误：{problem}").format(problem=problem), file=out)
    if report.errors:
        print(file=out)
        print(_row((_("行号"), _("列"), _("内容"), _("原因"))), file=out)
        print(_row(tuple("-" * w for w in _WIDTHS)), file=out)
        for e in report.errors:
            print(_row((str(e.row), e.column or "", e.value, e.reason)), file=out)
        print(file=out)
    c = report.counts
    print(
        _(
            "共 {total} 行：可导入 {ok} 行（新增 {create}，更新 {update}），有问题 {bad} 行，跳过空行 {blank} 行"
        ).format(
            total=c.total, ok=c.ok, create=c.create, update=c.update, bad=c.error_rows, blank=c.blank_skipped
        ),
        file=out,
    )
    if report.update_rows:
        print(_("将更新已有党员的行：{rows}").format(rows="、".join(map(str, report.update_rows))), file=out)
    for row, text in report.footer_skipped:
        print(_("跳过第 {row} 行（表格下方的签字或说明，不是党员）：{text}").format(row=row, text=text), file=out)
    if report.new_branches:
        print(_("将创建的支部：{names}").format(names="、".join(report.new_branches)), file=out)
    if report.new_groups:
        print(
            _("将创建的党小组：{names}").format(names="、".join(f"{g.branch}/{g.name}" for g in report.new_groups)),
            file=out,
        )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _row(cells: tuple[str, ...]) -> str:
    *head, last = cells
    return "  ".join(_fit(c, w) for c, w in zip(head, _WIDTHS, strict=False)) + "  " + last
