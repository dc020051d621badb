"""What the deploy tests share: where the files are, the settings, and small readers of unit and
nginx files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from screen_server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
FIELDS = [f for f in dataclasses.fields(Settings) if f.name not in {"data_dir", "extra"}]
SETTINGS = [f.name for f in FIELDS]
DEFAULTS = Settings(data_dir=Path("/nonexistent"))
SERVE = "/opt/activity-room/venv/bin/activity-room serve --data /var/lib/activity-room"


def toml_literal(value: Any) -> str:
    """How a default is written in TOML (and in the settings table of docs/operations.md)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'


def unit(name: str) -> dict[str, list[str]]:
    """The keys of a systemd unit file, each with every value it is given."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text("utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def nginx_block(conf: str, opening: str) -> str:
    """The text between ``opening {`` and its closing brace (the blocks here do not nest)."""
    start = conf.index(opening + " {") + len(opening) + 2
    return conf[start : conf.index("}", start)]
