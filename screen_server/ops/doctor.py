"""``activity-room doctor``: check a running installation and say, in plain Chinese, what is wrong and
what to do about it.

Each check is a function ``(Probe) -> Finding``; ``run_checks`` runs them all in order. A check whose
premise failed (the database cannot be reached, so its devices cannot be read) is *skipped*, not failed
again, so one fault gives one sentence. The exit code is 0 only when no check found a problem; ``--json``
prints the same findings for monitoring. Nothing here writes to the database.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shutil
import sqlite3
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from screen_server import __version__
from screen_server.config import Settings, load_settings
from screen_server.ops.backup import last_backup
from screen_server.ops.disk import disk_space

Status = Literal["ok", "problem", "skipped"]
CERT_DAYS = 30
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Finding:
    """One check's verdict: ``message`` says what is, ``advice`` what to do (empty when all is well)."""

    check: str
    title: str
    status: Status
    message: str
    advice: str = ""


@dataclass
class Probe:
    """What the checks look at; tests swap the parts that touch the machine."""

    settings: Settings
    url: str
    cert: str = ""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    disk_usage: Callable[[Path], Any] = shutil.disk_usage
    _engine: Engine | None = None
    database_ok: bool = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.settings.db_url, connect_args=_connect_args(self.settings.db_url))
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _connect_args(url: str) -> dict[str, Any]:
    return {"timeout": TIMEOUT_S} if url.startswith("sqlite") else {"connect_timeout": int(TIMEOUT_S)}


def _ok(check: str, title: str, message: str) -> Finding:
    return Finding(check, title, "ok", message)


def _problem(check: str, title: str, message: str, advice: str) -> Finding:
    return Finding(check, title, "problem", message, advice)


def _skipped(check: str, title: str) -> Finding:
    return Finding(check, title, "skipped", "数据库连不上，无法检查（先解决数据库的问题）。")


# --- the checks -----------------------------------------------------------------------------------------
def check_service(probe: Probe) -> Finding:
    title = "服务"
    try:
        with urllib.request.urlopen(f"{probe.url}/healthz", timeout=TIMEOUT_S) as answer:
            body = json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return _problem("service", title, f"服务器在 {probe.url} 回答了错误（HTTP {exc.code}）。",
                        "查看日志：journalctl -u activity-room -n 100；必要时重启：systemctl restart activity-room。")
    except (OSError, ValueError):
        return _problem("service", title, f"服务器在 {probe.url} 没有响应（未运行或卡住了）。",
                        "运行 systemctl status activity-room 查看状态，systemctl restart activity-room 重启；"
                        "原因见 journalctl -u activity-room -n 100。")
    if body.get("status") != "ok":
        return _problem("service", title, f"服务器在 {probe.url} 报告不正常：{body}。",
                        "查看日志：journalctl -u activity-room -n 100。")
    return _ok("service", title, f"服务器在 {probe.url} 正常响应（版本 {body.get('version', '?')}）。")


def check_database(probe: Probe) -> Finding:
    title = "数据库"
    url = probe.settings.db_url
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        if not path.exists():
            return _problem("database", title, f"找不到数据库文件 {path}。",
                            "检查 --data 是否指向活动室的数据目录；如数据已丢失，用 activity-room restore 从备份恢复。")
        try:
            lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=TIMEOUT_S)
            try:
                result = lite.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                lite.close()
        except sqlite3.Error as exc:
            return _problem("database", title, f"无法读取数据库 {path}（{exc}）。",
                            "检查文件权限（属主应为 activity-room）和磁盘；无法修复时用 activity-room restore 从备份恢复。")
        if result != "ok":
            return _problem("database", title, f"数据库完整性检查未通过：{result}。",
                            "停止服务（systemctl stop activity-room），用 activity-room restore 把最近的备份恢复到新目录，"
                            "再把服务指向它。")
        probe.database_ok = True
        return _ok("database", title, "SQLite 数据库可读，完整性检查通过。")
    try:
        with probe.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return _problem("database", title, f"连不上数据库（{type(exc).__name__}）。",
                        "检查 PostgreSQL 是否运行（systemctl status postgresql）以及 DATABASE_URL 是否正确。")
    probe.database_ok = True
    return _ok("database", title, "PostgreSQL 数据库可以连接。")


def check_disk(probe: Probe) -> Finding:
    title = "磁盘空间"
    space = disk_space(probe.settings.data_dir, probe.disk_usage)
    if space.nearly_full:
        return _problem("disk", title, f"数据目录所在磁盘快满了：只剩 {space.free_gb:.1f} GB（{space.share:.0%}）。"
                        "磁盘满时新的签到和学习记录会被拒绝。",
                        "删除旧备份或不用的文件（du -sh /var/lib/activity-room/*），或者加大磁盘。")
    return _ok("disk", title, f"可用 {space.free_gb:.1f} GB（{space.share:.0%}）。")


def check_clock(probe: Probe) -> Finding:
    title = "时钟"
    if not probe.database_ok:
        return _skipped("clock", title)
    from screen_server.devices import services as devices
    from screen_server.devices.models import Device, DeviceStatus

    with probe.engine.connect() as conn:
        rows = conn.execute(select(Device.name, Device.clock_offset_s, Device.last_seen_at, Device.status)
                            .where(Device.status == DeviceStatus.APPROVED)).all()
    skewed = [f"{r.name or '未命名'}（{r.clock_offset_s:+.0f} 秒）" for r in rows
              if devices.is_clock_skewed(r) and devices.is_online(r, probe.settings, probe.now)]  # type: ignore[arg-type]
    if skewed:
        return _problem("clock", title, f"这些设备的时钟与服务器相差超过 {devices.CLOCK_SKEW_S:.0f} 秒：{'、'.join(skewed)}。"
                        "签到二维码和学习时间以服务器时钟为准，差太多会出错。",
                        "让服务器和终端都自动对时：timedatectl set-ntp true（并检查 timedatectl status）。")
    return _ok("clock", title, "在线设备的时钟与服务器一致。")


def check_tls(probe: Probe) -> Finding:
    title = "TLS 证书"
    path = probe.cert or probe.settings.tls_cert
    if not path:
        return _ok("tls", title, "未配置证书（tls_cert 为空），跳过。")
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        return _problem("tls", title, f"读不出证书 {path}（{type(exc).__name__}）。",
                        "检查设置 tls_cert 的路径和文件权限。")
    left = cert.not_valid_after_utc - probe.now
    if left < dt.timedelta(days=CERT_DAYS):
        when = cert.not_valid_after_utc.strftime("%Y-%m-%d")
        said = "已经过期" if left.total_seconds() <= 0 else f"将在 {left.days} 天后过期"
        return _problem("tls", title, f"证书 {path} {said}（{when}）。",
                        "续签证书（例如 certbot renew），然后 systemctl reload nginx。")
    return _ok("tls", title, f"证书还有 {left.days} 天到期。")


def check_devices(probe: Probe) -> Finding:
    title = "设备"
    if not probe.database_ok:
        return _skipped("devices", title)
    from screen_server.devices import services as devices
    from screen_server.devices.models import Device, DeviceStatus

    with probe.engine.connect() as conn:
        rows = conn.execute(select(Device.name, Device.version, Device.last_seen_at, Device.status)
                            .where(Device.status == DeviceStatus.APPROVED)).all()
    offline = [r.name or "未命名" for r in rows
               if not devices.is_online(r, probe.settings, probe.now)]  # type: ignore[arg-type]
    behind = [f"{r.name or '未命名'}（{r.version}）" for r in rows if devices.is_behind(r)]  # type: ignore[arg-type]
    said, todo = [], []
    if offline:
        said.append(f"{len(offline)} 台设备离线：{'、'.join(offline)}。")
        todo.append("检查这些设备的电源和网络，在设备上运行 systemctl status activity-room-kiosk。")
    if behind:
        said.append(f"{len(behind)} 台设备的程序版本低于服务器（{__version__}）：{'、'.join(behind)}。")
        todo.append("在这些设备上升级：sudo deploy/update.sh --kiosk-only（或重新运行 install.sh）。")
    if said:
        return _problem("devices", title, "".join(said), "".join(todo))
    return _ok("devices", title, f"{len(rows)} 台设备在线，版本与服务器一致。")


def check_backup(probe: Probe) -> Finding:
    title = "备份"
    status = last_backup(probe.settings.data_dir)
    if status is None:
        return _problem("backup", title, "还没有做过备份。",
                        "启用每晚自动备份：systemctl enable --now activity-room-backup.timer；"
                        "或手动：activity-room backup --data /var/lib/activity-room --out /var/backups/activity-room/")
    age = status.age(probe.now)
    when = status.finished_at.astimezone().strftime("%Y-%m-%d %H:%M")
    if status.is_too_old(probe.now):
        return _problem("backup", title, f"最近一次备份是 {when}（{age.days} 天前），已超过 2 天。",
                        "检查自动备份：systemctl status activity-room-backup.timer 和 "
                        "journalctl -u activity-room-backup；并立即手动备份一次。")
    return _ok("backup", title, f"最近一次备份：{when}，{status.size / 1024 / 1024:.1f} MB。")


def check_redis(probe: Probe) -> Finding:
    title = "Redis"
    url = probe.settings.redis_url
    if not url:
        return _ok("redis", title, "未配置 Redis（单进程），跳过。")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        return _problem("redis", title, f"配置了 Redis（{url}）但连不上（{type(exc).__name__}）：各进程之间的实时推送会中断。",
                        "检查 Redis 是否运行（systemctl status redis-server）和 REDIS_URL 是否正确。")
    return _ok("redis", title, "Redis 可以连接。")


def check_migrations(probe: Probe) -> Finding:
    title = "数据库结构"
    if not probe.database_ok:
        return _skipped("migrations", title)
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1] / "migrations"))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with probe.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current != heads:
        return _problem("migrations", title, "数据库结构不是最新的（有未执行的升级）。",
                        "重启服务即可自动升级：systemctl restart activity-room；若启动失败，见 journalctl -u activity-room。")
    return _ok("migrations", title, "数据库结构是最新的。")


CHECKS: tuple[Callable[[Probe], Finding], ...] = (
    check_service, check_database, check_disk, check_clock, check_tls, check_devices, check_backup,
    check_redis, check_migrations,
)


def run_checks(probe: Probe, only: set[str] | None = None) -> list[Finding]:
    """Run every check (or those named in ``only``) in order, the database before those that read it."""
    findings = []
    try:
        for check in CHECKS:
            name = check.__name__.removeprefix("check_")
            if only and name not in only and not (name == "database" and only & {"clock", "devices", "migrations"}):
                continue
            try:
                findings.append(check(probe))
            except Exception as exc:  # a check that breaks is a finding, not a traceback
                findings.append(_problem(name, name, f"检查时出错：{type(exc).__name__}: {exc}",
                                         "把这段输出发给维护人员。"))
    finally:
        probe.close()
    return findings


def render(findings: list[Finding]) -> str:
    marks = {"ok": "✔", "problem": "✘", "skipped": "–"}
    lines = []
    for f in findings:
        lines.append(f"{marks[f.status]} {f.title}：{f.message}")
        if f.advice:
            lines.append(f"    怎么办：{f.advice}")
    problems = sum(f.status == "problem" for f in findings)
    lines.append("一切正常。" if not problems else f"发现 {problems} 个问题，请按上面的“怎么办”处理。")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """The command: check, print (text or JSON), exit 0 only when nothing is wrong."""
    data = Path(args.data)
    if not data.is_dir():
        finding = _problem("data", "数据目录", f"数据目录 {data} 不存在。", "检查 --data（通常是 /var/lib/activity-room）。")
        findings = [finding]
    else:
        settings = load_settings(data)
        url = (args.url or f"http://127.0.0.1:{settings.port}").rstrip("/")
        only = {n.strip() for n in (getattr(args, "only", "") or "").split(",") if n.strip()}
        unknown = only - {c.__name__.removeprefix("check_") for c in CHECKS}
        if unknown:
            print(f"未知的检查：{'、'.join(sorted(unknown))}", file=sys.stderr)
            return 2
        findings = run_checks(Probe(settings, url, cert=args.cert or ""), only or None)
    ok = all(f.status != "problem" for f in findings)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [dataclasses.asdict(f) for f in findings]}, ensure_ascii=False,
                         indent=1))
    else:
        print(render(findings), file=sys.stdout)
    return 0 if ok else 1
