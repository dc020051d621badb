"""The terminal's cache of its members' PIN hashes, so that a member can sign in while the server is down.

What the server gives a paired terminal (``GET /api/device/offline/pins``: argon2 hashes, never PINs,
valid for 72 hours) is kept in one file, encrypted with a key derived from the device token (Fernet,
key by HKDF-SHA256). The file is useless without the token, which the server can revoke; it is deleted
when the terminal is unpaired, and it is not used after it expires. docs/security.md says why this is
acceptable. No Kivy, no networking.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PIN_FILE = "pins.bin"  # kiosk.store deletes it with the token on unpairing
_INFO = b"activity-room terminal pin cache v1"


def _fernet(token: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(token.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


class PinCache:
    """Save the server's PIN hashes (encrypted), check a PIN against them offline, wipe them."""

    def __init__(self, state_dir: Path, token: Callable[[], str | None]) -> None:
        self.path = Path(state_dir) / PIN_FILE
        self._token = token
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()

    def save(self, payload: dict[str, Any]) -> None:
        """Keep ``payload`` ({"expires_at", "members": [{id, number, name, pin_hash}]}) encrypted."""
        token = self._token()
        if not token:
            return
        data = _fernet(token).encrypt(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        tmp = self.path.with_name(self.path.name + ".tmp")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)

    def _load(self, now: dt.datetime) -> dict[str, Any] | None:
        token = self._token()
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        if not token:
            return None
        try:
            payload: dict[str, Any] = json.loads(_fernet(token).decrypt(raw))
            expires = dt.datetime.fromisoformat(str(payload["expires_at"]))
        except (InvalidToken, ValueError, KeyError):
            return None
        if expires <= now:
            self.wipe()
            return None
        return payload

    def check(self, pin: str, *, member_id: int | None = None, number: str = "",
              now: dt.datetime | None = None) -> dict[str, Any] | None:
        """The cached member (by id or number) whose PIN this is, or None (wrong, unknown, or no cache)."""
        payload = self._load(now or dt.datetime.now(dt.UTC))
        if payload is None:
            return None
        wanted = number.strip().upper()
        for member in payload.get("members", []):
            if member.get("id") == member_id or (wanted and str(member.get("number", "")).upper() == wanted):
                try:
                    self._hasher.verify(str(member.get("pin_hash") or ""), pin)
                except (VerificationError, InvalidHashError):
                    return None
                return {k: member[k] for k in ("id", "number", "name") if k in member}
        return None

    def has_cache(self, now: dt.datetime | None = None) -> bool:
        return self._load(now or dt.datetime.now(dt.UTC)) is not None

    def wipe(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)
