"""Backup and restore: an online backup while 20 threads sign in and study loses nothing acknowledged
before it started; a damaged or mismatching archive is refused with nothing written."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from content.models import Item, ItemKind, ReviewStatus
from screen_server.config import Settings, load_settings
from screen_server.db import utcnow
from screen_server.devices import logins
from screen_server.devices.models import Device
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.meetings import qr
from screen_server.meetings.models import MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.ops import backup
from screen_server.org.models import Member, Role
from screen_server.runner import RoomServer
from tests.helpers.db import is_postgres
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user

MEMBERS = 600
THREADS = 20


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screen_server.cli", *args], capture_output=True, text=True,
                          timeout=120, check=False, env=env or {**os.environ, "PYTHONPATH": os.getcwd()})


@pytest.fixture
def sqlite_only(settings: Settings) -> None:
    if is_postgres(settings.db_url):
        pytest.skip("the SQLite path; PostgreSQL goes through pg_dump in test_postgres_round_trip")


@pytest.mark.usefixtures("sqlite_only")
def test_online_backup_under_load_keeps_everything_acknowledged_before_it(server: RoomServer,
                                                                          tmp_path: Path) -> None:
    settings = server.settings
    media = settings.media_dir / "ab" / "abcdef.png"
    media.parent.mkdir(parents=True)
    media.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    with server.runtime.session_factory() as s:
        branch = make_branch(s)
        members = [make_member(s, branch_id=branch.id) for _ in range(MEMBERS)]
        room = make_room(s)
        # One terminal per thread: study counts only for the member logged in at that terminal.
        terminals = [make_device(s, room_id=room.id) for _ in range(THREADS)]
        tokens = [tok for _d, tok in terminals]
        terminal_ids = [d.id for d, _t in terminals]
        item = Item(kind=ItemKind.ARTICLE, title="学习党章", status=ReviewStatus.PUBLISHED, published_at=utcnow())
        s.add(item)
        now = utcnow()
        meeting = create_meeting(
            s, settings, make_user(s, Role.ADMIN), title="支部党员大会", type=MeetingType.BRANCH_GENERAL,
            branch_ids=[branch.id], room_id=room.id, starts_at=now + dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=2), signin_opens_at=now - dt.timedelta(minutes=1))
        s.commit()
        cookies = [(m.id, phone_cookie_value(settings.secret_key, m)) for m in members]
        meeting_id, item_id = meeting.id, item.id

    acked_signins: list[tuple[float, int]] = []  # (time acknowledged, member id)
    acked_spans: list[tuple[float, str]] = []
    stop = threading.Event()
    errors: list[str] = []

    def worker(n: int) -> None:
        http = requests.Session()
        mine = cookies[n::THREADS]
        for i, (member_id, cookie) in enumerate(mine):
            if stop.is_set():
                return
            t = qr.current(settings.secret_key, meeting_id, utcnow(), settings.qr_rotate_seconds).token
            r = http.post(f"{server.http_url}/api/meetings/{meeting_id}/signins",
                          json={"token": t, "client_id": uuid.uuid4().hex}, cookies={PHONE_COOKIE: cookie},
                          timeout=60)
            if r.status_code == 201:
                acked_signins.append((time.monotonic(), member_id))
            else:
                errors.append(r.text)
            start = utcnow() - dt.timedelta(seconds=40)
            with server.runtime.session_factory() as s:
                terminal = s.get(Device, terminal_ids[n])
                assert terminal is not None
                logins.start(s, terminal, s.get(Member, member_id), now=start - dt.timedelta(seconds=1))  # type: ignore[arg-type]
                s.commit()
            span_id = uuid.uuid4().hex
            r = http.post(f"{server.http_url}/api/study/spans", headers={"Authorization": f"Bearer {tokens[n]}"},
                          json={"spans": [{"id": span_id, "item_id": item_id, "member_id": member_id,
                                           "started_at": start.isoformat(),
                                           "ended_at": (start + dt.timedelta(seconds=30)).isoformat(),
                                           "active_seconds": 30 + i % 3}]}, timeout=60)
            if r.status_code == 200 and span_id in r.json().get("accepted", []) + r.json().get("duplicates", []):
                acked_spans.append((time.monotonic(), span_id))
            else:
                errors.append(r.text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    while len(acked_signins) < MEMBERS // 4 and not errors:
        time.sleep(0.05)
    began = time.monotonic()
    out = tmp_path / "backups"
    out.mkdir()
    path, status = backup.make_backup(settings, out / "nightly")
    ended = time.monotonic()
    stop.set()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert [p.name for p in out.iterdir()] == ["nightly.tar.gz"] == [path.name]
    assert status.size == path.stat().st_size and backup.last_backup(settings.data_dir) == status
    writes_during = [m for when, m in acked_signins if began < when < ended]
    assert len(acked_signins) > MEMBERS // 4

    target = tmp_path / "restored"
    done = _cli("restore", str(path), "--data", str(target))
    assert done.returncode == 0, done.stderr
    assert "已从" in done.stdout
    db = sqlite3.connect(target / backup.SQLITE_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    signed = {r[0] for r in db.execute("SELECT member_id FROM attendances WHERE meeting_id = ?", (meeting_id,))}
    spans = {r[0] for r in db.execute("SELECT id FROM study_spans")}
    db.close()
    before = {m for when, m in acked_signins if when < began}
    assert before and before <= signed
    assert {s for when, s in acked_spans if when < began} <= spans
    assert (target / "secret_key").read_text() == settings.secret_key
    assert (target / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (target / "media/ab/abcdef.png").read_bytes() == media.read_bytes()
    print(f"acknowledged before: {len(before)} sign-ins; during the backup: {len(writes_during)}")

    # The restored room starts and answers.
    restored = load_settings(target, env={}, host="127.0.0.1", port=0, ws_port=0)
    srv = RoomServer(restored, jobs=False).start()
    try:
        assert requests.get(f"{srv.http_url}/healthz", timeout=10).json()["status"] == "ok"
    finally:
        srv.stop()


@pytest.fixture
def archive(settings: Settings, runtime: object, tmp_path: Path) -> Path:
    if is_postgres(settings.db_url):
        pytest.skip("SQLite archive")
    (settings.media_dir / "cd").mkdir(parents=True)
    (settings.media_dir / "cd" / "cdef.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 5000)
    (settings.data_dir / "config.toml").write_text('room_name = "二楼党员之家"\n', "utf-8")
    path, _status = backup.make_backup(settings, tmp_path / "room")
    return path


def test_one_flipped_byte_anywhere_is_refused_with_nothing_written(archive: Path, tmp_path: Path) -> None:
    data = archive.read_bytes()
    for at in (3, 9, len(data) // 3, len(data) // 2, len(data) - 40, len(data) - 2):
        broken = tmp_path / f"broken-{at}.tar.gz"
        flipped = bytearray(data)
        flipped[at] ^= 0x01
        broken.write_bytes(bytes(flipped))
        target = tmp_path / f"t{at}"
        done = _cli("restore", str(broken), "--data", str(target))
        assert done.returncode == 1, at
        assert "恢复失败，未写入任何文件" in done.stderr and "Traceback" not in done.stderr
        assert not target.exists()


def test_an_archive_whose_contents_differ_from_its_manifest_is_refused(archive: Path, tmp_path: Path) -> None:
    # Rebuilt with a member swapped and a fresh trailer: the file is intact, the manifest no longer matches.
    payload = archive.read_bytes()[: -backup.TRAILER_LEN]
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    (unpacked / "a.tar.gz").write_bytes(payload)
    with tarfile.open(unpacked / "a.tar.gz", "r:gz") as tar:
        tar.extractall(unpacked / "x", filter="data")
    (unpacked / "x" / "config.toml").write_text('room_name = "别处"\n', "utf-8")
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for name in ("database.sqlite3", "secret_key", "config.toml", "media", "manifest.json"):
            tar.add(unpacked / "x" / name, arcname=name)
    import hashlib

    body = forged.read_bytes()
    forged.write_bytes(body + backup.TRAILER_TAG + hashlib.sha256(body).hexdigest().encode() + b"\n")
    with pytest.raises(backup.BackupError, match="与清单不符|已损坏"):
        backup.restore(forged, tmp_path / "t")
    assert not (tmp_path / "t").exists()


def test_restore_refuses_a_directory_that_is_not_empty(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(backup.BackupError, match="不是空的"):
        backup.restore(archive, target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_restore_of_something_that_is_no_backup_says_so(tmp_path: Path) -> None:
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(os.urandom(500))
    with pytest.raises(backup.BackupError, match="不是活动室的备份文件"):
        backup.restore(junk, tmp_path / "t")
    with pytest.raises(backup.BackupError, match="找不到备份文件"):
        backup.restore(tmp_path / "missing.tar.gz", tmp_path / "t")


def test_a_directory_as_out_gets_a_dated_name_and_old_ones_are_pruned(settings: Settings, runtime: object,
                                                                       tmp_path: Path) -> None:
    if is_postgres(settings.db_url):
        pytest.skip("SQLite archive")
    out = tmp_path / "nightly"
    out.mkdir()
    old = out / "activity-room-20200101-020000.tar.gz"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    other = out / "notes.txt"
    other.write_text("not ours")
    os.utime(other, (time.time() - 20 * 86400,) * 2)
    done = _cli("backup", "--data", str(settings.data_dir), "--out", str(out), "--keep-days", "14",
                env={**os.environ, "PYTHONPATH": os.getcwd(), "DATABASE_URL": settings.db_url})
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and "notes.txt" in names and old.name not in names
    assert names[0].startswith("activity-room-2") and names[0].endswith(".tar.gz")
    assert "已删除" in done.stdout


def test_last_backup_older_than_two_days_is_too_old() -> None:
    now = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    fresh = backup.BackupStatus(finished_at=now - dt.timedelta(hours=30), path="x", size=1, database="sqlite")
    stale = backup.BackupStatus(finished_at=now - dt.timedelta(days=2, minutes=1), path="x", size=1,
                                database="sqlite")
    assert not fresh.is_too_old(now) and stale.is_too_old(now)


def test_postgres_round_trip_through_pg_dump(tmp_path: Path) -> None:
    """PostgreSQL: pg_dump into the archive, pg_restore into a new empty database; a non-empty target is
    refused. Runs where a PostgreSQL server answers (CI has one at 127.0.0.1)."""
    import shutil

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from screen_server.runtime import build_runtime

    base = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://root@127.0.0.1:5432/postgres"
    if not base.startswith("postgresql") or shutil.which("pg_dump") is None:
        pytest.skip("needs PostgreSQL and pg_dump")
    tag = os.environ.get("AR_TEST_TAG", "")
    names = [f"ar_backup_{tag}src", f"ar_backup_{tag}dst"]
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        pytest.skip("no PostgreSQL server reachable")
    src, dst = (make_url(base).set(database=n).render_as_string(hide_password=False) for n in names)
    try:
        settings = load_settings(tmp_path / "data", env={}, database_url=src, secret_key="pg-key")
        rt = build_runtime(settings)
        with rt.session_factory() as s:
            make_room(s, name="三楼会议室", slug="floor3")
            s.commit()
        rt.close()
        path, status = backup.make_backup(settings, tmp_path / "pg")
        assert status.database == "postgresql"
        with pytest.raises(backup.BackupError, match="不是空的"):
            backup.restore(path, tmp_path / "r1", env={"DATABASE_URL": src})
        assert not (tmp_path / "r1").exists()
        with pytest.raises(backup.BackupError, match="DATABASE_URL"):
            backup.restore(path, tmp_path / "r2", env={})
        manifest = backup.restore(path, tmp_path / "r3", env={"DATABASE_URL": dst})
        assert manifest["database"] == "postgresql"
        assert (tmp_path / "r3" / "secret_key").read_text() == "pg-key"
        assert not (tmp_path / "r3" / "database.pgdump").exists()  # loaded, then removed
        engine = create_engine(dst)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM rooms")).scalars().all() == ["三楼会议室"]
        engine.dispose()
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
