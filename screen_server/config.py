"""Settings: one object per process, read once — defaults, then ``config.toml`` in the data directory,
then environment variables (``ACTIVITY_ROOM_<NAME>``, plus ``DATABASE_URL`` and ``REDIS_URL``).

Every setting is documented in docs/operations.md.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "ACTIVITY_ROOM_"
MIN_AUDIT_RETENTION_DAYS = 180
TOTP_MODES = ("required", "optional")


class SettingsError(ValueError):
    """A setting has a value the room refuses to run with; the message says which and why (Chinese)."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "0.0.0.0"
    port: int = 8000
    ws_port: int = 8765
    database_url: str = ""  # empty: SQLite inside data_dir
    redis_url: str = ""  # empty: in-process event bus
    # Prefix of every Redis key and channel: installations (or test runs) sharing one Redis keep apart.
    redis_namespace: str = "activity-room"
    secret_key: str = ""  # empty: generated once into data_dir/secret_key
    data_key: str = ""  # Fernet key for members' phones and birth dates at rest; empty: data_dir/data_key
    # What clients are told to connect to; empty: derived from the Host of each request.
    ws_public_url: str = ""
    # Origins (scheme://host[:port]) allowed to open the WebSocket besides the server's own host.
    allowed_origins: tuple[str, ...] = ()
    room_name: str = "智慧党员活动室"
    language: str = "zh_CN"
    # Mask members' names on public screens (张*明).
    mask_names: bool = True
    # A terminal returns to its attract screen after this many idle seconds.
    idle_seconds: int = 120
    # Demo only: pairing requests are approved at once into the room with this slug.
    auto_approve_room: str = ""
    pairing_code_minutes: int = 15
    # Meeting sign-in: the QR changes this often; the window opens this long before the start.
    qr_rotate_seconds: int = 15
    signin_opens_minutes_before: int = 30
    # Absolute base URL printed into QR codes (e.g. http://192.168.1.10:8000); empty: each screen
    # prefixes the address it reaches the server at.
    public_url: str = ""
    # Run the timed jobs in this process (each job runs once across processes, under a lease).
    run_jobs: bool = True
    ws_ticket_seconds: int = 60
    device_offline_seconds: int = 90
    max_upload_mb: int = 512
    http_threads: int = 16
    log_level: str = "INFO"
    # Two-factor sign-in (TOTP) for system admins: "required" (enrol before anything else) or "optional".
    # ``activity-room demo`` makes it optional for its own logins unless set explicitly.
    admin_totp: str = "required"
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For / -Proto are believed: the
    # shipped nginx runs on the same host. Any other peer is the client itself.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    # Lockout: this many wrong passwords, PINs or codes per account and per address lock for this long.
    lockout_failures: int = 5
    lockout_minutes: int = 15
    # Admin sessions end after this long without a request, and this long after sign-in at the latest.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # The audit log keeps rows this many days (the Cybersecurity Law asks for six months: no fewer).
    audit_retention_days: int = 180
    # Write logs to this file, rotated (10 MB × 5); empty: standard error (journald rotates it).
    log_file: str = ""
    # SQLite's fsync discipline: FULL survives power loss for every acknowledged write; NORMAL is
    # faster but may lose the last commits on power loss (docs/operations.md, Durability).
    sqlite_synchronous: str = "FULL"
    # The TLS certificate nginx serves (PEM), so that `activity-room doctor` warns before it expires.
    tls_cert: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'activity-room.sqlite3').as_posix()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def _coerce(name: str, raw: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, tuple):
        if isinstance(raw, list | tuple):
            return tuple(str(x) for x in raw)
        return tuple(x.strip() for x in str(raw).split(",") if x.strip())
    if isinstance(default, Path):
        return Path(raw)
    return str(raw)


def load_settings(data_dir: Path | str, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read the settings for a server whose data lives in ``data_dir``.

    Order: defaults < data_dir/config.toml < environment < ``overrides`` (command-line options).
    Creates data_dir and its secret key on first use.
    """
    env = dict(os.environ if env is None else env)
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    defaults = Settings(data_dir=data_dir)
    values: dict[str, Any] = {}
    known = {f.name: f for f in dataclasses.fields(Settings) if f.name not in {"data_dir", "extra"}}

    toml_path = data_dir / "config.toml"
    extra: dict[str, Any] = {}
    if toml_path.exists():
        with toml_path.open("rb") as fh:
            for key, raw in tomllib.load(fh).items():
                if key in known:
                    values[key] = _coerce(key, raw, getattr(defaults, key))
                else:
                    extra[key] = raw
    for key in known:
        raw_env = env.get(ENV_PREFIX + key.upper())
        if raw_env is not None:
            values[key] = _coerce(key, raw_env, getattr(defaults, key))
    if env.get("DATABASE_URL"):
        values["database_url"] = env["DATABASE_URL"]
    if env.get("REDIS_URL"):
        values["redis_url"] = env["REDIS_URL"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    if not values.get("secret_key"):
        values["secret_key"] = _secret_key(data_dir)
    settings = dataclasses.replace(defaults, extra=extra, **values)
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    if settings.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
        raise SettingsError(f"audit_retention_days 不能少于 {MIN_AUDIT_RETENTION_DAYS} 天（网络安全法要求日志至少保存六个月），"
                            f"当前为 {settings.audit_retention_days}。")
    if settings.admin_totp not in TOTP_MODES:
        raise SettingsError(f"admin_totp 只能是 required 或 optional，当前为“{settings.admin_totp}”。")
    if settings.lockout_failures < 1 or settings.lockout_minutes < 1:
        raise SettingsError("lockout_failures 和 lockout_minutes 必须大于 0。")


def explicitly_set(data_dir: Path | str, name: str, env: dict[str, str] | None = None) -> bool:
    """Whether ``name`` was given in config.toml or the environment (rather than left at its default)."""
    env = dict(os.environ if env is None else env)
    if ENV_PREFIX + name.upper() in env:
        return True
    toml_path = Path(data_dir).expanduser() / "config.toml"
    if toml_path.exists():
        with toml_path.open("rb") as fh:
            return name in tomllib.load(fh)
    return False


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        # Created 0600 from the start: never readable by others, whatever the umask.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
