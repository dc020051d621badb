"""What a kiosk keeps on disk in its state directory: its token (``device.json``), the last snapshot it
saw (``cache.json``), so a restart without the server still shows the room's content, and the last
sign-in roster (``roster.json``). Forgetting the token also deletes the PIN cache (``kiosk.pincache``).

Plain files, written atomically (write then rename) and readable only by the kiosk's user. No Kivy.
Safe to call from the network thread; the UI thread only reads at start-up.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

DEVICE_FILE = "device.json"
CACHE_FILE = "cache.json"
ROSTER_FILE = "roster.json"  # the last sign-in roster, for signing in while the server is down
PIN_FILE = "pins.bin"  # kiosk.pincache: deleted with the token when the device is unpaired


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class DeviceStore:
    """The device's identity (token, device record, server) and its cached snapshot."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self._lock = threading.Lock()
        self._device = _read_json(self.state_dir / DEVICE_FILE)

    @property
    def token(self) -> str | None:
        with self._lock:
            token = self._device.get("device_token")
        return token if isinstance(token, str) and token else None

    @property
    def device(self) -> dict[str, Any] | None:
        with self._lock:
            device = self._device.get("device")
        return device if isinstance(device, dict) else None

    def save_token(self, token: str, device: dict[str, Any] | None, server: str) -> None:
        with self._lock:
            self._device = {"device_token": token, "device": device, "server": server}
            _write_json(self.state_dir / DEVICE_FILE, self._device)

    def forget(self) -> None:
        """Drop the token and the cache (the device was revoked or is unknown to the server)."""
        with self._lock:
            self._device = {}
            for name in (DEVICE_FILE, CACHE_FILE, PIN_FILE, ROSTER_FILE):
                (self.state_dir / name).unlink(missing_ok=True)

    def save_roster(self, roster: dict[str, Any]) -> None:
        """The last sign-in roster, for signing in while the server is down."""
        _write_json(self.state_dir / ROSTER_FILE, roster)

    def load_roster(self) -> dict[str, Any] | None:
        return _read_json(self.state_dir / ROSTER_FILE) or None

    def save_snapshot(self, message: dict[str, Any]) -> None:
        _write_json(self.state_dir / CACHE_FILE, message)

    def load_snapshot(self) -> dict[str, Any] | None:
        data = _read_json(self.state_dir / CACHE_FILE)
        return data or None
