"""Backup and restore of a whole room: database, media, secret key and settings in one archive.

The archive is a gzip'd tar followed by one trailer line, ``AR-BACKUP-SHA256 <hex>\\n``, the SHA-256 of
every byte before it. Inside: ``manifest.json`` (format, when, server version, database kind, and the
size and SHA-256 of every other member), ``database.sqlite3`` (SQLite's online backup API: a consistent
copy while the server keeps writing) or ``database.pgdump`` (``pg_dump -Fc``), ``secret_key``, ``data_key``,
``config.toml`` and ``media/``. The trailer is what makes one flipped byte anywhere fatal: gzip's own
CRC does not cover its header, and tar ignores most of its header fields and its padding.

Restore checks everything (trailer, manifest, every member's checksum, no stray or unsafe names, an
empty target) before it writes a single file. No Flask here; the CLI calls ``make_backup`` and
``restore`` and prints what they return or raise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy.engine import make_url

from screen_server import __version__
from screen_server.config import Settings

FORMAT = 1
SUFFIX = ".tar.gz"
TRAILER_TAG = b"AR-BACKUP-SHA256 "
TRAILER_LEN = len(TRAILER_TAG) + 64 + 1
STATUS_FILE = "backup-status.json"
NAME_PREFIX = "activity-room-"
SQLITE_NAME = "activity-room.sqlite3"
CHUNK = 1024 * 1024
TOO_OLD = dt.timedelta(days=2)


class BackupError(Exception):
    """A backup could not be made or restored; ``str()`` is a Chinese sentence for the person."""


@dataclass(frozen=True)
class BackupStatus:
    """The last backup this data directory made (kept in ``<data>/backup-status.json``)."""

    finished_at: dt.datetime
    path: str
    size: int
    database: str

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (now or dt.datetime.now(dt.UTC)) - self.finished_at

    def is_too_old(self, now: dt.datetime | None = None) -> bool:
        return self.age(now) > TOO_OLD


def last_backup(data_dir: Path) -> BackupStatus | None:
    """The last recorded backup of ``data_dir``, or None when none was ever made (or the record is bad)."""
    try:
        raw = json.loads((data_dir / STATUS_FILE).read_text("utf-8"))
        return BackupStatus(finished_at=dt.datetime.fromisoformat(raw["finished_at"]), path=str(raw["path"]),
                            size=int(raw["size"]), database=str(raw["database"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def archive_path(out: Path, now: dt.datetime | None = None) -> Path:
    """Where a backup asked for at ``out`` goes: a directory gets a dated name; a file gets ``.tar.gz``."""
    if out.is_dir():
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
        return out / f"{NAME_PREFIX}{stamp}{SUFFIX}"
    return out if out.name.endswith(SUFFIX) else out.with_name(out.name + SUFFIX)


# --- making a backup ------------------------------------------------------------------------------------
class _Hashing(io.RawIOBase):
    """A read-only file that hashes what is read through it (tar reads each member once)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        return data


class _HashingWriter:
    """Writes through to a file and hashes every byte (for the trailer)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _snapshot_sqlite(db_file: Path, target: Path) -> None:
    """Copy the live database with SQLite's online backup API and check the copy."""
    if not db_file.exists():
        raise BackupError(f"找不到数据库文件 {db_file}，请检查 --data 是否指向活动室的数据目录。")
    src = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # All pages in one step: one read transaction, so the copy is one consistent moment while the
        # server's writers carry on (WAL readers do not block writers).
        src.backup(dst)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if result != "ok":
        raise BackupError(f"数据库完整性检查未通过（{result}），未生成备份。请先运行 activity-room doctor。")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes into PGPASSWORD, not the process list)."""
    u = make_url(url)
    env = {"PGPASSWORD": u.password} if u.password else {}
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _snapshot_postgres(url: str, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("找不到 pg_dump：请安装 postgresql-client（apt-get install postgresql-client）后重试。")
    conninfo, env = _libpq(url)
    done = subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), conninfo],
                          env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()[:500]}")


def _media_files(media: Path) -> Iterator[Path]:
    if not media.is_dir():
        return
    for path in sorted(media.rglob("*")):
        rel = path.relative_to(media)
        if rel.parts[0].startswith(".") or not path.is_file():  # .incoming: uploads in progress
            continue
        yield path


def make_backup(settings: Settings, out: Path, *, now: dt.datetime | None = None) -> tuple[Path, BackupStatus]:
    """Write a consistent backup of the room whose settings are ``settings``; return its path and status.

    Only the archive itself appears next to ``out`` (it is written under a hidden name and renamed).
    """
    now = now or dt.datetime.now(dt.UTC)
    target = archive_path(out, now)
    if not target.parent.is_dir():
        raise BackupError(f"备份目录 {target.parent} 不存在，请先创建它。")
    postgres = settings.db_url.startswith("postgresql")
    partial = target.with_name(f".{target.name}.partial")
    files: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=settings.data_dir) as tmp:
        db_name = "database.pgdump" if postgres else "database.sqlite3"
        db_copy = Path(tmp) / db_name
        if postgres:
            _snapshot_postgres(settings.db_url, db_copy)
        else:
            _snapshot_sqlite(Path(make_url(settings.db_url).database or ""), db_copy)
        # The key in force, wherever it was set (file, config.toml or server.env): without it every
        # remembered phone, session and printed QR of the restored room would be void.
        key = Path(tmp) / "secret_key"
        key.write_text(settings.secret_key)
        # The data key likewise: without it the restored room could not read members' encrypted fields.
        from screen_server import privacy

        data_key = Path(tmp) / "data_key"
        data_key.write_bytes(privacy.load_key(settings.data_dir, settings.data_key))
        members: list[tuple[str, Path]] = [(db_name, db_copy), ("secret_key", key), ("data_key", data_key)]
        if (settings.data_dir / "config.toml").is_file():
            members.append(("config.toml", settings.data_dir / "config.toml"))
        # Media after the database: a file the copied database names is never missing from the archive.
        members += [(f"media/{p.relative_to(settings.media_dir).as_posix()}", p)
                    for p in _media_files(settings.media_dir)]
        try:
            with partial.open("wb") as raw:
                sink = _HashingWriter(raw)
                with tarfile.open(fileobj=sink, mode="w:gz", compresslevel=1) as tar:  # type: ignore[call-overload]
                    for name, path in members:
                        try:
                            fh = path.open("rb")
                        except FileNotFoundError:  # a media file deleted meanwhile
                            continue
                        with fh:
                            info = tar.gettarinfo(fileobj=fh, arcname=name)
                            info.uid = info.gid = 0
                            info.uname = info.gname = ""
                            reader = _Hashing(fh)
                            tar.addfile(info, reader)  # type: ignore[arg-type]
                            files[name] = {"size": info.size, "sha256": reader.sha.hexdigest()}
                    manifest = json.dumps({
                        "format": FORMAT, "created_at": now.isoformat(), "version": __version__,
                        "database": "postgresql" if postgres else "sqlite", "files": files,
                    }, ensure_ascii=False, indent=1).encode("utf-8")
                    info = tarfile.TarInfo("manifest.json")
                    info.size, info.mtime, info.mode = len(manifest), int(now.timestamp()), 0o600
                    tar.addfile(info, io.BytesIO(manifest))
                raw.write(TRAILER_TAG + sink.sha.hexdigest().encode() + b"\n")
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    status = BackupStatus(finished_at=dt.datetime.now(dt.UTC), path=str(target), size=target.stat().st_size,
                          database="postgresql" if postgres else "sqlite")
    _record(settings.data_dir, status)
    return target, status


def _record(data_dir: Path, status: BackupStatus) -> None:
    raw = asdict(status) | {"finished_at": status.finished_at.isoformat()}
    tmp = data_dir / f".{STATUS_FILE}.tmp"
    tmp.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    os.replace(tmp, data_dir / STATUS_FILE)


def prune(directory: Path, keep_days: int, *, now: dt.datetime | None = None) -> list[Path]:
    """Delete our dated archives in ``directory`` older than ``keep_days``; return what was deleted."""
    cutoff = (now or dt.datetime.now(dt.UTC)).timestamp() - keep_days * 86400
    gone = []
    for path in sorted(directory.glob(f"{NAME_PREFIX}*{SUFFIX}")):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink()
            gone.append(path)
    return gone


# --- checking and restoring -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    manifest: dict[str, Any]
    payload_size: int  # bytes before the trailer


class _Bounded(io.RawIOBase):
    """The first ``limit`` bytes of a file (the archive without its trailer)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        data = self.raw.read(n)
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


def _safe(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and name == p.as_posix() and bool(name)


def check_archive(archive: Path) -> Checked:
    """Check the archive end to end without writing anything.

    Raises:
        BackupError: missing, not a backup, damaged (any byte), or its contents differ from the manifest.
    """
    damaged = f"备份文件 {archive} 已损坏或被改动（校验和不符），不能用于恢复。请换一份备份。"
    try:
        size = archive.stat().st_size
        with archive.open("rb") as fh:
            if size < TRAILER_LEN:
                raise BackupError(f"{archive} 不是活动室的备份文件。")
            fh.seek(size - TRAILER_LEN)
            trailer = fh.read(TRAILER_LEN)
            if not trailer.startswith(TRAILER_TAG) or not trailer.endswith(b"\n"):
                raise BackupError(f"{archive} 不是活动室的备份文件，或者文件不完整、已损坏。")
            fh.seek(0)
            sha, left = hashlib.sha256(), size - TRAILER_LEN
            while left > 0:
                chunk = fh.read(min(CHUNK, left))
                if not chunk:
                    raise BackupError(damaged)
                sha.update(chunk)
                left -= len(chunk)
            if sha.hexdigest().encode() != trailer[len(TRAILER_TAG):-1]:
                raise BackupError(damaged)
            fh.seek(0)
            seen: dict[str, dict[str, Any]] = {}
            manifest_raw = b""
            with tarfile.open(fileobj=io.BufferedReader(_Bounded(fh, size - TRAILER_LEN)), mode="r|gz") as tar:
                for info in tar:
                    if not info.isfile() or not _safe(info.name) or info.name in seen:
                        raise BackupError(damaged)
                    member = tar.extractfile(info)
                    assert member is not None
                    digest = hashlib.sha256()
                    while chunk := member.read(CHUNK):
                        digest.update(chunk)
                        if info.name == "manifest.json":
                            manifest_raw += chunk
                    seen[info.name] = {"size": info.size, "sha256": digest.hexdigest()}
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件 {archive}。") from None
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{damaged}（{type(exc).__name__}）") from None
    try:
        manifest = json.loads(manifest_raw.decode("utf-8"))
    except ValueError:
        raise BackupError(f"{archive} 里没有可读的清单（manifest.json），不能用于恢复。") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不是本版本能恢复的格式（{FORMAT}）。")
    seen.pop("manifest.json", None)
    if manifest.get("files") != seen:
        raise BackupError(f"备份内容与清单不符（文件缺失、多出或校验和不同），不能用于恢复：{archive}")
    if not any(name.startswith("database.") for name in seen):
        raise BackupError(f"备份里没有数据库，不能用于恢复：{archive}")
    return Checked(manifest=manifest, payload_size=size - TRAILER_LEN)


def _target_postgres(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL") or env.get("ACTIVITY_ROOM_DATABASE_URL") or ""
    if not url:
        raise BackupError("这是 PostgreSQL 的备份：请先设置环境变量 DATABASE_URL 指向一个空数据库，再恢复。")
    if shutil.which("pg_restore") is None:
        raise BackupError("找不到 pg_restore：请安装 postgresql-client 后重试。")
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    except Exception as exc:
        raise BackupError(f"连不上目标数据库（{type(exc).__name__}），请检查 DATABASE_URL。") from None
    finally:
        engine.dispose()
    if tables:
        raise BackupError("目标 PostgreSQL 数据库不是空的：为了不覆盖现有数据，请用一个新建的空数据库恢复。")
    return url


def restore(archive: Path, data_dir: Path, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Restore ``archive`` into the empty (or missing) ``data_dir``; return the archive's manifest.

    Raises:
        BackupError: the target is not empty, or the archive is damaged or mismatching; nothing written.
    """
    env = dict(os.environ if env is None else env)
    data_dir = data_dir.expanduser().absolute()
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(f"数据目录 {data_dir} 不是空的：恢复只写入空目录，以免覆盖现有数据。请换一个新目录。")
    checked = check_archive(archive)
    postgres = checked.manifest.get("database") == "postgresql"
    pg_url = _target_postgres(env) if postgres else ""
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with archive.open("rb") as fh, tarfile.open(
            fileobj=io.BufferedReader(_Bounded(fh, checked.payload_size)), mode="r|gz"
        ) as tar:
            for info in tar:
                if info.name == "manifest.json":
                    continue
                name = SQLITE_NAME if info.name == "database.sqlite3" else info.name
                dest = data_dir / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(info)
                assert src is not None
                with dest.open("wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                dest.chmod(0o600 if name in ("secret_key", "data_key", "config.toml", SQLITE_NAME) else 0o644)
        if postgres:
            _pg_restore(data_dir / "database.pgdump", pg_url)
            (data_dir / "database.pgdump").unlink()
        else:
            _check_sqlite(data_dir / SQLITE_NAME)
    except BaseException:
        _empty(data_dir, remove=created)
        raise
    return checked.manifest


def _check_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    if result != "ok":
        raise BackupError(f"恢复出的数据库完整性检查未通过（{result}）。")


def _pg_restore(dump: Path, url: str) -> None:
    conninfo, env = _libpq(url)
    done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", conninfo, str(dump)],
                          env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败：{done.stderr.strip()[:500]}")


def _empty(data_dir: Path, *, remove: bool) -> None:
    """Undo a half-done restore: the directory was empty before, so empty it again."""
    for child in data_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    if remove:
        data_dir.rmdir()

