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
