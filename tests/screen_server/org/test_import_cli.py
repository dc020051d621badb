"""``import-members`` on the command line: the printed report, exit codes, and the real import."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from screen_server.audit.models import AuditEntry
from screen_server.db import Base
from screen_server.org import import_cli
from screen_server.org.models import Branch, Committee, Member

_TABLES = {"committees", "branches", "party_groups", "members", "users", "audit_entries"}
HEADER = "党员编号,姓名,出生年月,所在支部\r\n"


@pytest.fixture
def factory() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name in _TABLES])
    make = sessionmaker(bind=engine, expire_on_commit=False)
    with make() as s:
        committee = Committee(name="机关党委")
        s.add_all(
            [
                Branch(committee=committee, name="第一党支部", short_name="一支部"),
                Branch(committee=committee, name="第二党支部"),
            ]
        )
        s.commit()
    yield make
    engine.dispose()


def run(factory: sessionmaker[Session], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="activity-room")
    import_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import-members", *argv])
    out = io.StringIO()
    code = import_cli.run(args, factory, out=out)
    return code, out.getvalue()


def count(factory: sessionmaker[Session], model: Any = Member) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def write(tmp_path: Path, text: str, encoding: str = "gb18030") -> str:
    path = tmp_path / "花名册.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_errors_are_printed_as_a_table_and_nothing_is_written(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "第一党支部名单\r\n"
        + HEADER
        + "D1,张三,1985.03,第一党支部\r\nD2,李四,85.3,第九党支部\r\nD1,王五,,第一党支部\r\n",
    )
    code, out = run(factory, path)
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("行号") and "原因" in line for line in lines)
    assert any(line.startswith("4 ") and "出生年月" in line and "年份必须写四位数" in line for line in lines)
    assert any(line.startswith("4 ") and "没有这个支部" in line for line in lines)
    assert sum("党员编号在文件中重复（第3、5行）" in line for line in lines) == 2
    assert "检查未通过，没有导入任何数据。" in out
    assert count(factory) == 0


def test_dry_run_then_real_import(
    factory: sessionmaker[Session], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, HEADER + "D1,张三,1985.03,一支部\r\nD2,李四,1986年4月5日,第二党支部\r\n", "utf-8-sig"
    )
    code, out = run(factory, path, "--dry-run")
    assert (code, count(factory)) == (0, 0)
    assert "可导入 2 行（新增 2，更新 0）" in out and "试运行" in out

    code, out = run(factory, path)
    assert code == 0 and "导入完成：新增 2 人，更新 0 人。" in out
    assert "2/2" in capsys.readouterr().err  # the progress bar
    assert count(factory) == 2 and count(factory, AuditEntry) == 1

    code, out = run(factory, path)
    assert code == 1 and "系统中已有这个党员编号" in out
    code, out = run(factory, path, "--update-existing")
    assert code == 0 and "将更新已有党员的行：2、3" in out and "更新 2 人" in out


def test_branch_option(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "编号,姓名\r\nD7,赵六\r\n")
    code, out = run(factory, path)
    assert code == 1 and "缺少必需的列：所在支部" in out
    assert run(factory, path, "--branch", "第九党支部") == (1, "没有名为“第九党支部”的支部\n")
    code, _out = run(factory, path, "--branch", "第二党支部")
    assert code == 0
    with factory() as s:
        assert s.scalars(select(Member)).one().branch.name == "第二党支部"


def test_unreadable_file(factory: sessionmaker[Session], tmp_path: Path) -> None:
    code, out = run(factory, str(tmp_path / "missing.xlsx"))
    assert code == 1 and "无法读取文件" in out


# --- a roster as branches keep it, into an organisation that has only its committee ----------------------
@pytest.fixture
def committee_only() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name in _TABLES])
    make = sessionmaker(bind=engine, expire_on_commit=False)
    with make() as s:
        s.add(Committee(name="某某公司党委"))
        s.commit()
    yield make
    engine.dispose()


def test_create_branches_dry_run_lists_them_and_writes_nothing(
    committee_only: sessionmaker[Session], tmp_path: Path
) -> None:
    from tests.helpers import rosters

    path = tmp_path / "花名册.xlsx"
    path.write_bytes(rosters.messy_roster())
    code, out = run(committee_only, str(path), "--create-branches", "--dry-run")
    assert code == 0, out
    assert "表头在第 3 行" in out
    assert "将创建的支部：第一党支部、第二党支部、机关党支部" in out
    assert "将创建的党小组：第一党支部/第一党小组、第一党支部/第二党小组" in out
    assert "跳过第 13 行（表格下方的签字或说明，不是党员）：制表人：王芳" in out
    assert "跳过第 14 行" in out and "错误" not in out
    assert "可导入 7 行" in out and "跳过空行 2 行" in out
    assert count(committee_only) == 0 and count(committee_only, Branch) == 0
    assert count(committee_only, AuditEntry) == 0

    code, out = run(committee_only, str(path), "--create-branches")
    assert code == 0, out
    assert "导入完成：新增 7 人" in out
    with committee_only() as s:
        branches = {b.name: b for b in s.scalars(select(Branch))}
        assert set(branches) == set(rosters.BRANCHES)
        assert sorted(g.name for g in branches["第一党支部"].groups) == ["第一党小组", "第二党小组"]
        members = {m.number: m for m in s.scalars(select(Member))}
        assert set(members) == {n for n, _name, _b in rosters.MEMBERS}
        assert members["HY002"].phone == "13812345602" and members["HY002"].employment_type == "劳务派遣"
        assert members["HY001"].name == "王建国" and members["HY003"].party_status.value == "probationary"
        assert members["HY007"].branch.name == "机关党支部"
        actions = sorted(e.action for e in s.scalars(select(AuditEntry)))
        assert actions.count("org.branch.create") == 3 and actions.count("org.group.create") == 2
        assert "member.import" in actions


def test_without_create_branches_unknown_branches_are_errors(
    committee_only: sessionmaker[Session], tmp_path: Path
) -> None:
    from tests.helpers import rosters

    path = tmp_path / "花名册.xlsx"
    path.write_bytes(rosters.messy_roster())
    code, out = run(committee_only, str(path))
    assert code == 1
    assert "没有这个支部" in out and "没有导入任何数据" in out
    assert count(committee_only) == 0 and count(committee_only, Branch) == 0


def test_create_branches_without_a_committee_says_name_it_first(tmp_path: Path) -> None:
    from tests.helpers import rosters

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name in _TABLES])
    make = sessionmaker(bind=engine, expire_on_commit=False)
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(rosters.messy_roster())
    code, out = run(make, str(path), "--create-branches")
    assert code == 1
    assert "系统中还没有党委" in out
    assert count(make) == 0 and count(make, Branch) == 0 and count(make, Committee) == 0
    engine.dispose()


def test_empty_branch_cell_is_a_clear_error(committee_only: sessionmaker[Session], tmp_path: Path) -> None:
    text = "党员编号,姓名,所在支部\r\nA1,张三,第一党支部\r\nA2,李四,\r\n"
    code, out = run(committee_only, write(tmp_path, text), "--create-branches")
    assert code == 1
    assert "3       所在支部" in out and "所在支部为空：请在这一行填写该党员所在的支部" in out
    assert count(committee_only) == 0 and count(committee_only, Branch) == 0
