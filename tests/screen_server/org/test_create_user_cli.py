"""``activity-room create-user`` as a script runs it: a real process on an empty data directory, the
password on standard input, one Chinese line (never a traceback) when something is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from screen_server.org.models import Branch, Committee, Role, User
from screen_server.security import verify_secret

ROOT = Path(__file__).resolve().parents[3]
GOOD = "Maple-harbour-42"


def _cli(data: Path, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "screen_server.cli", "create-user", *argv, "--data", str(data)],
        input=stdin, capture_output=True, text=True, env=env, timeout=120,
        stdin=subprocess.DEVNULL if stdin is None else None,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip() and " INFO " not in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _users(data: Path) -> list[User]:
    engine = create_engine(f"sqlite:///{data / 'activity-room.sqlite3'}")
    try:
        with Session(engine) as s:
            return list(s.scalars(select(User).order_by(User.id)))
    finally:
        engine.dispose()


def test_without_a_terminal_it_says_to_use_password_stdin(tmp_path: Path) -> None:
    result = _cli(tmp_path / "data", "root", "--role", "admin")
    assert result.returncode == 2
    assert "--password-stdin" in _one_line(result)
    assert not (tmp_path / "data" / "activity-room.sqlite3").exists()  # nothing was written


def test_a_weak_password_is_refused_in_one_line(tmp_path: Path) -> None:
    result = _cli(tmp_path / "data", "root", "--role", "admin", "--password-stdin", stdin="password123\n")
    assert result.returncode == 1
    assert "太常见" in _one_line(result)
    result = _cli(tmp_path / "data", "rootroot12", "--role", "admin", "--password-stdin", stdin="ROOTROOT12\n")
    assert result.returncode == 1 and "不能与用户名相同" in _one_line(result)


def test_users_are_created_from_stdin_and_secretaries_by_branch_name(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _cli(data, "root", "--role", "admin", "--password-stdin", stdin=GOOD + "\n")
    assert result.returncode == 0, result.stderr
    assert "已创建用户 root" in result.stdout
    [root] = _users(data)
    assert root.role is Role.ADMIN and verify_secret(root.password_hash, GOOD)

    missing = _cli(data, "wang", "--role", "secretary", "--branch", "第一党支部", "--password-stdin", stdin=GOOD)
    assert missing.returncode == 1 and "没有名为“第一党支部”的支部" in _one_line(missing)
    no_branch = _cli(data, "wang", "--role", "secretary", "--password-stdin", stdin=GOOD)
    assert no_branch.returncode == 1 and "必须属于一个支部" in _one_line(no_branch)

    engine = create_engine(f"sqlite:///{data / 'activity-room.sqlite3'}")
    with Session(engine) as s:
        committee = Committee(name="机关党委")
        s.add(Branch(committee=committee, name="第一党支部", short_name="一支部"))
        s.commit()
    engine.dispose()
    result = _cli(data, "wang", "--role", "secretary", "--branch", "一支部", "--password-stdin", stdin=GOOD)
    assert result.returncode == 0, result.stderr
    again = _cli(data, "wang", "--role", "editor", "--password-stdin", stdin=GOOD)
    assert again.returncode == 1 and "已存在" in _one_line(again)
    users = _users(data)
    assert [u.username for u in users] == ["root", "wang"]
    assert users[1].role is Role.SECRETARY and users[1].branch_id is not None
