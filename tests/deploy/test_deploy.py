"""The deployment files and the operations guide stay true to the code: the example config, the
settings table, the install script, the systemd units, the nginx and compose files (read as text)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from kiosk.options import parse
from screen_server.config import ENV_PREFIX, Settings, load_settings
from tests.deploy.files import DEFAULTS, DEPLOY, ROOT, SERVE, SETTINGS, nginx_block, toml_literal, unit


# --- config.example.toml and docs/operations.md ------------------------------------------------------
def test_example_config_loads_to_the_defaults(tmp_path: Path) -> None:
    shutil.copy(DEPLOY / "config.example.toml", tmp_path / "config.toml")
    loaded = load_settings(tmp_path, env={})
    defaults = Settings(data_dir=tmp_path)
    assert loaded.extra == {}  # no misspelt keys (they would be ignored silently)
    for name in SETTINGS:
        if name != "secret_key":
            assert getattr(loaded, name) == getattr(defaults, name), name
    assert loaded.secret_key == (tmp_path / "secret_key").read_text().strip()  # empty: generated


def test_example_config_lists_every_setting_with_its_default_and_a_bilingual_comment() -> None:
    text = (DEPLOY / "config.example.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    assert list(raw) and set(raw) == set(SETTINGS)
    for name in SETTINGS:
        default = getattr(DEFAULTS, name)
        assert raw[name] == (list(default) if isinstance(default, tuple) else default), name
        lines = text.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{name} = "))
        comment = []
        while at > 0 and lines[at - 1].startswith("#"):
            at -= 1
            comment.append(lines[at])
        said = " ".join(comment)
        assert re.search(r"[\u4e00-\u9fff]", said) and re.search(r"[A-Za-z]{4}", said), name


def _settings_rows() -> dict[str, list[str]]:
    docs = (ROOT / "docs" / "operations.md").read_text("utf-8")
    rows = {}
    for line in docs.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 4:
            rows[cells[0].strip("`")] = cells
    return rows


def test_every_setting_is_documented_with_its_variable_and_default() -> None:
    rows = _settings_rows()
    for name in SETTINGS:
        assert name in rows, f"{name} is missing from the settings table of docs/operations.md"
        _name, env, default, meaning = rows[name][:4]
        assert f"`{ENV_PREFIX}{name.upper()}`" in env, name
        assert default == f"`{toml_literal(getattr(DEFAULTS, name))}`", name
        assert len(meaning) > 10, name
    assert "`DATABASE_URL`" in rows["database_url"][1] and "`REDIS_URL`" in rows["redis_url"][1]


# --- install.sh ---------------------------------------------------------------------------------------
def test_install_script_parses_and_passes_shellcheck() -> None:
    script = DEPLOY / "install.sh"
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    assert script.stat().st_mode & 0o111, "install.sh must be executable"
    assert "set -euo pipefail" in script.read_text("utf-8")
    # Make's apt-test installs shellcheck (APT_TEST); a missing tool is a broken setup, not a pass.
    found = subprocess.run(
        ["shellcheck", "--severity=style", str(script)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout


def test_install_script_and_units_agree_on_paths_and_users() -> None:
    script = (DEPLOY / "install.sh").read_text("utf-8")
    server, kiosk = unit("activity-room.service"), unit("activity-room-kiosk.service")
    assert "PREFIX=$ROOT/opt/activity-room" in script and "VENV=$PREFIX/venv" in script
    assert "DATA=$ROOT/var/lib/activity-room" in script
    assert server["User"] == ["activity-room"] and "SERVER_USER=activity-room" in script
    assert kiosk["User"] == ["activity-kiosk"] and "KIOSK_USER=activity-kiosk" in script
    assert "install -d -m 0700" in script
    for package in ("xserver-xorg", "xinit", "libgl1-mesa-dri", "libmtdev1"):
        assert package in script


# --- systemd ------------------------------------------------------------------------------------------
def test_server_unit_runs_the_contract_command_hardened() -> None:
    keys = unit("activity-room.service")
    assert keys["ExecStart"] == [SERVE]
    assert keys["Restart"] == ["on-failure"] and keys["KillSignal"] == ["SIGTERM"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "ReadWritePaths": "/var/lib/activity-room",
    }.items():
        assert keys[key] == [value], key
    assert keys["EnvironmentFile"] == ["-/etc/activity-room/server.env"]


def test_kiosk_unit_runs_the_kiosk_full_screen_from_its_env_file() -> None:
    keys = unit("activity-room-kiosk.service")
    (exec_start,) = keys["ExecStart"]
    assert exec_start.startswith("/usr/bin/xinit /opt/activity-room/venv/bin/activity-room kiosk ")
    assert "--server ${SERVER} --mode ${MODE} --production $KIOSK_ARGS" in exec_start
    assert keys["EnvironmentFile"] == ["/etc/activity-room/kiosk.env"]
    assert keys["TTYPath"] == ["/dev/tty1"] and keys["Conflicts"] == ["getty@tty1.service"]
    assert "MODE=wall" in (DEPLOY / "systemd" / "activity-room-kiosk.service").read_text("utf-8")


def test_kiosk_unit_command_is_one_the_kiosk_accepts() -> None:
    (exec_start,) = unit("activity-room-kiosk.service")["ExecStart"]
    client = exec_start.split(" kiosk ", 1)[1].split(" -- ", 1)[0]
    # What systemd makes of it with a kiosk.env as install.sh writes it, plus extra options.
    env = {
        "${SERVER}": "http://192.168.1.10:8000",
        "${MODE}": "wall",
        "$KIOSK_ARGS": "--size 1920x1080 --name 一楼大屏",
    }
    for name, value in env.items():
        client = client.replace(name, value)
    options = parse(client.split())
    assert options.server == "http://192.168.1.10:8000" and options.mode == "wall"
    assert options.production and options.size == (1920, 1080) and options.name == "一楼大屏"
    assert (
        parse(
            exec_start.split(" kiosk ", 1)[1]
            .split(" -- ")[0]
            .replace("$KIOSK_ARGS", "")
            .replace("${SERVER}", "http://s:8000")
            .replace("${MODE}", "terminal")
            .split()
        ).mode
        == "terminal"
    )


def test_server_unit_is_watched_and_backups_run_nightly() -> None:
    server = unit("activity-room.service")
    assert server["Type"] == ["notify"] and server["WatchdogSec"] == ["90"] and server["NotifyAccess"] == ["main"]
    kiosk = unit("activity-room-kiosk.service")
    assert kiosk["Restart"] == ["always"] and kiosk["StartLimitBurst"] == ["5"]
    assert kiosk["OnFailure"] == ["activity-room-kiosk-fallback.service"]
    fallback = unit("activity-room-kiosk-fallback.service")
    assert fallback["ExecStart"][-1] == "/usr/bin/systemctl start --no-block activity-room-kiosk.service"
    backup = unit("activity-room-backup.service")
    assert backup["ExecStart"] == [
        "/opt/activity-room/venv/bin/activity-room backup --data /var/lib/activity-room "
        "--out /var/backups/activity-room --keep-days 14"
    ]
    assert backup["User"] == ["activity-room"] and backup["Type"] == ["oneshot"]
    assert backup["ReadWritePaths"] == ["/var/lib/activity-room /var/backups/activity-room"]
    timer = unit("activity-room-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 02:30:00"] and timer["Persistent"] == ["true"]


UNITS = sorted(p.name for p in (DEPLOY / "systemd").iterdir())


def test_every_unit_is_checked() -> None:
    assert UNITS == ["activity-room-backup.service", "activity-room-backup.timer",
                     "activity-room-kiosk-fallback.service", "activity-room-kiosk.service", "activity-room.service"]


@pytest.mark.parametrize("name", UNITS)
def test_units_pass_systemd_analyze(name: str) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(DEPLOY / "systemd" / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    # The programs themselves are not installed here; anything else (an unknown key, a bad value) fails.
    problems = [line for line in done.stderr.splitlines() if line and "is not executable" not in line]
    assert not problems, problems


# --- nginx --------------------------------------------------------------------------------------------
def test_nginx_routes_the_websocket_with_upgrade_headers() -> None:
    conf = (DEPLOY / "nginx" / "activity-room.conf").read_text("utf-8")
    ws = nginx_block(conf, "location = /ws")
    assert "proxy_pass http://activity_room_ws;" in ws
    assert "proxy_http_version 1.1;" in ws
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    assert "proxy_set_header Host $host;" in ws  # the server checks Origin against Host
    timeout = re.search(r"proxy_read_timeout (\d+)s;", ws)
    assert timeout and int(timeout[1]) >= 3600
    assert f"server 127.0.0.1:{DEFAULTS.ws_port};" in nginx_block(conf, "upstream activity_room_ws")
    assert f"server 127.0.0.1:{DEFAULTS.port};" in nginx_block(conf, "upstream activity_room_http")
    assert "proxy_pass http://activity_room_http;" in nginx_block(conf, "location /")


def test_nginx_accepts_uploads_as_large_as_the_server_and_compresses_text() -> None:
    conf = (DEPLOY / "nginx" / "activity-room.conf").read_text("utf-8")
    assert f"client_max_body_size {DEFAULTS.max_upload_mb}m;" in conf
    assert "gzip on;" in conf and "application/json" in conf
    assert re.search(r"#\s*server 127\.0\.0\.1:8001;", conf)  # the commented second process


def test_compose_nginx_differs_only_in_its_upstreams() -> None:
    def without_upstreams(text: str) -> str:
        text = text[text.index("upstream activity_room_http") :]
        return re.sub(r"upstream \w+ \{.*?\n\}", "", text, flags=re.S)

    main = (DEPLOY / "nginx" / "activity-room.conf").read_text("utf-8")
    compose = (DEPLOY / "nginx" / "compose.conf").read_text("utf-8")
    assert without_upstreams(main) == without_upstreams(compose)
    assert "server server1:8000;" in compose and "server server2:8765;" in compose


# --- compose ------------------------------------------------------------------------------------------
def test_compose_runs_two_servers_on_shared_postgres_redis_and_key() -> None:
    text = (DEPLOY / "compose.yaml").read_text("utf-8")
    assert "not run in this project's CI" in text.replace("NOT", "not")
    shared = text[text.index("x-server-env:") : text.index("\nservices:")]
    for variable in (
        "DATABASE_URL: postgresql+psycopg://",
        "REDIS_URL: redis://",
        "ACTIVITY_ROOM_SECRET_KEY:",
    ):
        assert variable in shared
    assert '"serve", "--data", "/data"' in text
    for service in ("postgres", "redis", "server1", "server2", "nginx"):
        assert f"\n  {service}:\n" in text
    assert text.count("<<: *server-env") == 2
    # Every process runs the timed jobs; each job runs once across them, under its lease.
    assert "ACTIVITY_ROOM_RUN_JOBS" not in text
