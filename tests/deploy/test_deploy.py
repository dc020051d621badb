"""The deployment files and the operations guide stay true to the code."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from screen_server.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {f.name for f in dataclasses.fields(Settings)} - {"data_dir", "extra"}


def test_example_config_loads_to_the_defaults(tmp_path: Path) -> None:
    shutil.copy(ROOT / "deploy" / "config.example.toml", tmp_path / "config.toml")
    loaded = load_settings(tmp_path, env={})
    defaults = Settings(data_dir=tmp_path)
    assert loaded.extra == {}  # no unknown keys
    for name in SETTINGS - {"secret_key"}:
        assert getattr(loaded, name) == getattr(defaults, name), name


def test_every_setting_is_in_the_example_and_the_docs() -> None:
    example = (ROOT / "deploy" / "config.example.toml").read_text("utf-8")
    docs = (ROOT / "docs" / "operations.md").read_text("utf-8")
    assert not [n for n in SETTINGS if f"\n{n} =" not in example]
    assert not [n for n in SETTINGS if f"| `{n}` |" not in docs]


def test_install_script_parses() -> None:
    assert subprocess.run(["bash", "-n", str(ROOT / "deploy" / "install.sh")], check=False).returncode == 0


def test_nginx_upgrades_the_websocket() -> None:
    conf = (ROOT / "deploy" / "nginx" / "activity-room.conf").read_text("utf-8")
    ws = conf.split("location /ws", 1)[1].split("}", 1)[0]
    assert "proxy_set_header Upgrade $http_upgrade" in ws and "Connection $connection_upgrade" in ws
    assert "proxy_http_version 1.1" in ws


def test_systemd_unit_runs_the_contract_command() -> None:
    unit = (ROOT / "deploy" / "systemd" / "activity-room.service").read_text("utf-8")
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith("activity-room serve --data /var/lib/activity-room")
    assert "KillSignal=SIGTERM" in unit
