"""``activity-room doctor``: every check once healthy and once broken, the exit code and ``--json``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from screen_server import __version__
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.ops import backup, doctor
from screen_server.runner import RoomServer
from tests.helpers.db import is_postgres
from tests.helpers.factories import make_device

Usage = namedtuple("Usage", "total used free")
GB = 1024**3


@pytest.fixture
def healthy(server: RoomServer, tmp_path: Path) -> doctor.Probe:
    """A running room with a fresh backup and one online terminal on time and up to date."""
    with server.runtime.session_factory() as s:
        make_device(s, name="一楼终端", version=__version__, last_seen_at=utcnow(), clock_offset_s=0.4)
        s.commit()
    backup._record(server.settings.data_dir, backup.BackupStatus(utcnow(), str(tmp_path / "b.tar.gz"), 2048,
                                                                 "sqlite"))
    return doctor.Probe(server.settings, server.http_url, disk_usage=lambda _p: Usage(100 * GB, 50 * GB, 50 * GB))


def finding(probe: doctor.Probe, check: str) -> doctor.Finding:
    return next(f for f in doctor.run_checks(probe) if f.check == check)


def test_all_well_gives_no_problem(healthy: doctor.Probe) -> None:
    findings = doctor.run_checks(healthy)
    assert [f.check for f in findings] == ["service", "database", "disk", "clock", "tls", "devices", "backup",
                                           "redis", "migrations"]
    assert all(f.status == "ok" for f in findings), [f for f in findings if f.status != "ok"]
    assert "一切正常" in doctor.render(findings)


def test_service_down(healthy: doctor.Probe) -> None:
    from bench.procs import free_port

    healthy.url = f"http://127.0.0.1:{free_port()}"
    f = finding(healthy, "service")
    assert f.status == "problem" and "没有响应" in f.message and "systemctl restart activity-room" in f.advice


def test_database_missing_and_damaged(healthy: doctor.Probe, tmp_path: Path) -> None:
    if is_postgres(healthy.settings.db_url):
        healthy.settings = dataclasses.replace(healthy.settings,
                                               database_url="postgresql+psycopg://root@127.0.0.1:1/nothing")
        f = finding(healthy, "database")
        assert f.status == "problem" and "连不上数据库" in f.message
        return
    missing = dataclasses.replace(healthy.settings, database_url=f"sqlite:///{tmp_path}/gone.sqlite3")
    f = finding(doctor.Probe(missing, healthy.url), "database")
    assert f.status == "problem" and "找不到数据库文件" in f.message and "restore" in f.advice
    broken = tmp_path / "broken.sqlite3"
    conn = sqlite3.connect(broken)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("CREATE INDEX ix_t_v ON t (v)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(f"value {i}" * 5,) for i in range(3000)])
    conn.commit()
    conn.close()
    raw = bytearray(broken.read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 3000] = os.urandom(3000)
    broken.write_bytes(bytes(raw))
    damaged = dataclasses.replace(healthy.settings, database_url=f"sqlite:///{broken}")
    findings = doctor.run_checks(doctor.Probe(damaged, healthy.url))
    f = next(f for f in findings if f.check == "database")
    assert f.status == "problem" and ("完整性检查未通过" in f.message or "无法读取数据库" in f.message)
    # The checks that read the database say they could not, once, instead of failing again.
    assert {x.check for x in findings if x.status == "skipped"} == {"clock", "devices", "migrations"}


def test_disk_nearly_full(healthy: doctor.Probe) -> None:
    healthy.disk_usage = lambda _p: Usage(100 * GB, 99.5 * GB, int(0.5 * GB))
    f = finding(healthy, "disk")
    assert f.status == "problem" and "磁盘快满了" in f.message and "0.5 GB" in f.message


def test_clock_skewed_terminal(healthy: doctor.Probe, server: RoomServer) -> None:
    with server.runtime.session_factory() as s:
        make_device(s, name="二楼终端", version=__version__, last_seen_at=utcnow(), clock_offset_s=-312.0)
        s.commit()
    f = finding(healthy, "clock")
    assert f.status == "problem" and "二楼终端（-312 秒）" in f.message and "timedatectl" in f.advice


def _cert(path: Path, days: int) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "room.example.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days)).sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_tls_certificate_expiring(healthy: doctor.Probe, tmp_path: Path) -> None:
    healthy.cert = str(_cert(tmp_path / "good.pem", 200))
    assert finding(healthy, "tls").status == "ok"
    healthy.cert = str(_cert(tmp_path / "soon.pem", 12))
    f = finding(healthy, "tls")
    assert f.status == "problem" and "天后过期" in f.message and "certbot" in f.advice
    healthy.cert = str(tmp_path / "missing.pem")
    assert finding(healthy, "tls").status == "problem"


def test_devices_offline_or_behind(healthy: doctor.Probe, server: RoomServer) -> None:
    with server.runtime.session_factory() as s:
        make_device(s, name="大屏", version=__version__, last_seen_at=utcnow() - dt.timedelta(hours=3))
        make_device(s, name="旧终端", version="0.0.9", last_seen_at=utcnow())
        s.commit()
    f = finding(healthy, "devices")
    assert f.status == "problem"
    assert "1 台设备离线：大屏" in f.message and "旧终端（0.0.9）" in f.message and "升级" in f.advice


def test_backup_missing_or_too_old(healthy: doctor.Probe) -> None:
    data = healthy.settings.data_dir
    backup._record(data, backup.BackupStatus(healthy.now - dt.timedelta(days=3), "x", 1, "sqlite"))
    f = finding(healthy, "backup")
    assert f.status == "problem" and "3 天前" in f.message and "activity-room-backup.timer" in f.advice
    (data / backup.STATUS_FILE).unlink()
    assert "还没有做过备份" in finding(healthy, "backup").message


def test_redis_configured_but_unreachable(healthy: doctor.Probe) -> None:
    from bench.procs import free_port

    healthy.settings = dataclasses.replace(healthy.settings, redis_url="redis://127.0.0.1:6379/5")
    assert finding(healthy, "redis").status == "ok"
    healthy.settings = dataclasses.replace(healthy.settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    f = finding(healthy, "redis")
    assert f.status == "problem" and "连不上" in f.message


def test_migrations_pending(healthy: doctor.Probe) -> None:
    with healthy.engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'e0status01'"))
    try:
        f = finding(healthy, "migrations")
    finally:  # on PostgreSQL the next test reuses this database (only the data tables are emptied)
        with healthy.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        healthy.close()
    assert f.status == "problem" and "未执行的升级" in f.message and "restart" in f.advice


def _doctor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screen_server.cli", "doctor", *args], capture_output=True,
                          text=True, timeout=120, check=False, env={**os.environ, "PYTHONPATH": os.getcwd(), **env})


def test_command_exit_code_and_json(healthy: doctor.Probe, settings: Settings) -> None:
    env = {"DATABASE_URL": settings.db_url, "ACTIVITY_ROOM_SECRET_KEY": settings.secret_key}
    ok = _doctor("--data", str(settings.data_dir), "--url", healthy.url, "--json", env=env)
    report = json.loads(ok.stdout)
    # The real disk of this machine may be fuller than a room's should be; everything else is well.
    assert {c["check"] for c in report["checks"] if c["status"] == "problem"} <= {"disk"}
    assert ok.returncode == (0 if report["ok"] else 1)
    backup_line = next(c for c in report["checks"] if c["check"] == "backup")
    assert backup_line["status"] == "ok" and backup_line["title"] == "备份"
    (settings.data_dir / backup.STATUS_FILE).unlink()
    bad = _doctor("--data", str(settings.data_dir), "--url", healthy.url, env=env)
    assert bad.returncode == 1 and "✘ 备份：还没有做过备份。" in bad.stdout and "怎么办：" in bad.stdout
    assert "Traceback" not in bad.stderr
