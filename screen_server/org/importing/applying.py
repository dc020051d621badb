"""Writing a checked import: all rows and one audit entry in one transaction, or nothing at all."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from screen_server.errors import Conflict, Invalid
from screen_server.i18n import _
from screen_server.org.importing.report import ImportReport, ImportResult, MemberRow
from screen_server.org.models import Branch, Member

BATCH = 200
_FIELDS = ("gender", "education", "title", "employment_type", "phone", "party_status")


def apply_member_import(
    session: Session,
    report: ImportReport,
    *,
    actor_user_id: int | None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Create and update the members of an ``ok`` report, record one audit entry, and flush (the caller
    commits: ``http.common.run`` or the CLI command).

    New members get no PIN (``pin_hash`` stays None; PINs are handed out separately). An update changes
    only the fields whose cells were filled in. ``progress(done, total)`` is called as rows are written.

    Raises:
        Invalid: the report has errors; nothing is written.
        Conflict: the database changed since the dry run (a number taken, a member gone) or refused a
            row; everything is rolled back.
    """
    if not report.ok:
        raise Invalid(_("导入检查未通过，没有写入任何数据，请先改正报告中的问题"), details=report.to_dict())
    from screen_server.audit.services import record

    total = len(report.rows_ok)
    members: list[Member] = []
    created: list[str] = []
    updated: list[str] = []
    try:
        _recheck(session, report.rows_ok)
        made_branches, made_groups = _create_units(session, report, actor_user_id)
        for done, row in enumerate(report.rows_ok, start=1):
            if row.existing_member_id is None:
                member = Member(number=row.number, pin_hash=None, active=True)
                _fill(member, row, everything=True)
                session.add(member)
                created.append(row.number)
            else:
                existing = session.get(Member, row.existing_member_id)
                if existing is None or existing.number != row.number:
                    raise Conflict(
                        _("第{row}行要更新的党员已被删除或修改，请重新检查后导入").format(row=row.row)
                    )
                _fill(existing, row, everything=False)
                member = existing
                updated.append(row.number)
            if done % BATCH == 0 or done == total:
                session.flush()
                if progress is not None:
                    progress(done, total)
            members.append(member)
        record(
            session,
            actor_user_id=actor_user_id,
            action="member.import",
            target_type="member",
            target_id=None,
            details={
                "filename": report.filename,
                "file_sha256": report.file_sha256,
                "created": len(created),
                "updated": len(updated),
                "branch_ids": sorted({r.branch_id for r in report.rows_ok}),
                "created_branches": made_branches,
                "created_groups": made_groups,
                "created_numbers": created,
                "updated_numbers": updated,
            },
        )
        session.flush()
    except SQLAlchemyError as exc:
        session.rollback()
        raise Conflict(_("写入数据库时出错，没有导入任何数据，请重新检查后再试")) from exc
    except BaseException:
        session.rollback()
        raise
    return ImportResult(created=len(created), updated=len(updated), member_ids=[m.id for m in members])


def _create_units(session: Session, report: ImportReport, actor_user_id: int | None) -> tuple[list[str], list[str]]:
    """Create the branches and groups the dry run listed, and point the rows at them."""
    if not report.new_branches and not report.new_groups:
        return [], []
    from screen_server.org.importing.values import key
    from screen_server.org.tree import add_branch, add_group

    if report.new_branches and report.committee_id is None:
        raise Invalid(_("系统中还没有党委，无法创建支部：请先为党委命名。"))
    branches: dict[str, int] = {}
    for name in report.new_branches:
        branches[key(name)] = add_branch(session, actor_user_id=actor_user_id, name=name).id
    for branch in session.scalars(select(Branch)):
        branches.setdefault(key(branch.name), branch.id)
    groups: dict[tuple[str, str], int] = {}
    for g in report.new_groups:
        branch_id = branches.get(key(g.branch))
        target = session.get(Branch, branch_id) if branch_id is not None else None
        if target is None:
            raise Conflict(_("支部“{b}”刚被修改或删除，请重新检查后导入").format(b=g.branch))
        groups[(key(g.branch), key(g.name))] = add_group(session, actor_user_id=actor_user_id,
                                                         branch=target, name=g.name).id
    for row in report.rows_ok:
        if row.new_branch:
            row.branch_id = branches[key(row.branch_name)]
        if row.new_group:
            row.group_id = groups[(key(row.branch_name), key(row.group_name))]
    return list(report.new_branches), [f"{g.branch}/{g.name}" for g in report.new_groups]


def _recheck(session: Session, rows: list[MemberRow]) -> None:
    """Refuse if a number meant to be new was taken since the dry run."""
    new = [r for r in rows if r.existing_member_id is None]
    for start in range(0, len(new), 500):
        chunk = new[start : start + 500]
        taken = set(
            session.scalars(select(Member.number).where(Member.number.in_([r.number for r in chunk])))
        )
        for row in chunk:
            if row.number in taken:
                raise Conflict(
                    _("第{row}行的党员编号 {number} 刚被别人添加到系统中，请重新检查后导入").format(
                        row=row.row, number=row.number
                    )
                )


def _fill(member: Member, row: MemberRow, *, everything: bool) -> None:
    def given(field: str) -> bool:
        return everything or field in row.present

    member.name = row.name
    if given("branch"):
        if member.branch_id is not None and member.branch_id != row.branch_id and not given("group"):
            member.group_id = None  # the old group belongs to the old branch
        member.branch_id = row.branch_id
    if given("group"):
        member.group_id = row.group_id
    if given("birth_date"):
        member.birth_date = row.birth_date
        member.birth_date_precision = row.birth_date_precision
    if given("joined_party_on"):
        member.joined_party_on = row.joined_party_on
        member.joined_party_precision = row.joined_party_precision
    for field in _FIELDS:
        if given(field):
            setattr(member, field, getattr(row, field))
