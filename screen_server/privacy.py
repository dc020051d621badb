"""Personal fields encrypted at rest: a member's phone number and birth date.

The database keeps them as Fernet tokens (AES-128-CBC with HMAC-SHA256, the ``cryptography`` library),
so a copied database file or backup dump shows neither. The key is kept outside the database: the
``data_key`` setting (``ACTIVITY_ROOM_DATA_KEY``; every process of a scaled-out room must share it),
else ``data_dir/data_key``, created with mode 0600 on first start. Losing the key loses these fields,
so ``activity-room backup`` users should keep the data directory's key with the backup (operations.md).

The columns decrypt when a row is loaded; who may *see* them is decided where members are read (an
admin, or a secretary for their own branch: ``org.services``); public screens never carry them.
A value written before encryption was switched on is read as it is and encrypted at its next write.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"
_cipher: MultiFernet | None = None
_keys: list[bytes] = []  # newest first: it encrypts; every key installed in this process decrypts


def load_key(data_dir: Path, configured: str = "") -> bytes:
    """The data key: the setting if given, else ``data_dir/data_key`` (made 0600 the first time)."""
    if configured:
        return configured.encode()
    path = data_dir / "data_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


def install(key: bytes) -> None:
    """Encrypt with ``key`` from now on, in every encrypted column of this process. A server installs
    one key; keys installed before it still decrypt (a process that builds several runtimes, as tests
    and key rotation do, can read what each wrote)."""
    global _cipher
    if key in _keys:
        _keys.remove(key)
    _keys.insert(0, key)
    _cipher = MultiFernet([Fernet(k) for k in _keys])


def _fernet() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("the data key is not loaded (privacy.install)")
    return _cipher


def encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption: read as it is
    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise RuntimeError("a personal field cannot be decrypted: wrong data key (data_key)") from None


class EncryptedText(TypeDecorator[str]):
    """A string column stored encrypted ("" stays "", so "no phone" needs no key)."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return decrypt(value) if value else value


class EncryptedDate(TypeDecorator[dt.date]):
    """A date column stored encrypted (as its ISO text)."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt(value.isoformat() if isinstance(value, dt.date) else str(value))

    def process_result_value(self, value: Any, dialect: Any) -> dt.date | None:
        if not value:
            return None
        return dt.date.fromisoformat(decrypt(str(value))[:10])
