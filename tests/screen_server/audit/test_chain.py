"""The audit log's hash chain: rows are chained as they commit, ``activity-room audit verify`` passes
an intact log and names the first row of one edited, deleted or inserted by hand; concurrent writers
(threads, each its own connection) still make one unbroken chain; the retention job keeps it whole."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from screen_server import cli
from screen_server.audit import chain
from screen_server.audit.models import AuditEntry
from screen_server.audit.services import purge_expired, record
from screen_server.config import Settings, SettingsError, load_settings
from screen_server.runtime import Runtime


def _write(runtime: Runtime, n: int, action: str = "test.write") -> None:
    with runtime.session_factory() as s:
        for i in range(n):
            record(s, actor_user_id=None, actor_name="测试", action=action, target_type="member", target_id=i,
                   details={"n": i, "名称": "张三"}, ip="10.0.0.1")
        s.commit()


def _verify(settings: Settings, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["audit", "verify", "--data", str(settings.data_dir)])
    return code, capsys.readouterr().out


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """``activity-room`` reading the test's database (its URL in the environment, as an operator sets it)."""
    monkeypatch.setenv("DATABASE_URL", settings.db_url)
    monkeypatch.setenv("ACTIVITY_ROOM_SECRET_KEY", settings.secret_key)
    return settings


def test_an_intact_chain_verifies(runtime: Runtime, cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _write(runtime, 3)
    _write(runtime, 2)
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.row_hash)
                            .order_by(AuditEntry.seq)).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
    code, out = _verify(cli_env, capsys)
    assert code == 0 and "已校验 5 条" in out


def test_a_row_edited_by_hand_breaks_the_chain_and_is_named(runtime: Runtime, cli_env: Settings,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _write(runtime, 5)
    with runtime.engine.begin() as conn:
        third = conn.execute(select(AuditEntry.id).where(AuditEntry.seq == 3)).scalar_one()
        conn.execute(update(AuditEntry).where(AuditEntry.id == third).values(actor_name="别人"))
    code, out = _verify(cli_env, capsys)
    assert code == 1 and f"审计记录 #{third}（序号 3）" in out and "被改动" in out


def test_a_deleted_or_forged_row_is_named(runtime: Runtime) -> None:
    _write(runtime, 4)
    with runtime.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        verdict = chain.verify(conn)
        assert not verdict.intact and verdict.first is not None and verdict.first.seq == 3
        assert "缺少序号 2" in verdict.first.reason
        conn.rollback()
    with runtime.engine.begin() as conn:  # a row slipped in past the program (no place in the chain)
        conn.execute(insert(AuditEntry).values(at=dt.datetime.now(dt.UTC), actor_name="x", action="user.login",
                                               target_type="", details={}, ip="", result="ok"))
    with runtime.engine.connect() as conn:
        verdict = chain.verify(conn)
    assert verdict.first is not None and verdict.first.seq is None and "不在哈希链中" in verdict.first.reason


def test_concurrent_writers_make_one_chain(runtime: Runtime) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: _write(runtime, 3, f"test.thread{i}"), range(24)))
    with runtime.engine.connect() as conn:
        verdict = chain.verify(conn)
    assert verdict.intact and verdict.checked == 72


def test_retention_keeps_at_least_180_days_and_the_chain_whole(runtime: Runtime, session: Session,
                                                               tmp_path: Path) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    for i in range(3):
        session.add(AuditEntry(at=old + dt.timedelta(minutes=i), actor_name="", action="old.entry", details={}))
    session.commit()
    _write(runtime, 2)
    assert purge_expired(session, retention_days=30) == 3  # asked for 30 days: 180 are kept all the same
    session.commit()
    with runtime.engine.connect() as conn:
        verdict = chain.verify(conn)
    assert verdict.intact and verdict.checked == 3  # the two recent rows and the purge's own record
    with pytest.raises(SettingsError, match="不能少于 180 天"):
        load_settings(tmp_path / "d", env={"ACTIVITY_ROOM_AUDIT_RETENTION_DAYS": "90"})
