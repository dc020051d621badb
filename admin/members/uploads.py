"""Roster files between the dry run and the confirmation: kept under ``data_dir/uploads/<id>.bin`` so the
user confirms without uploading again, and deleted once used. Files nobody confirmed go after a day."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from screen_server.config import Settings
from screen_server.errors import Invalid
from screen_server.i18n import _

MAX_AGE_SECONDS = 24 * 3600
_ID = re.compile(r"[0-9a-f]{32}")


def _folder(settings: Settings) -> Path:
    path = settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(settings: Settings, data: bytes) -> str:
    """Store ``data`` and return its id (random: it is the only key to the file)."""
    folder = _folder(settings)
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    upload_id = secrets.token_hex(16)
    (folder / f"{upload_id}.bin").write_bytes(data)
    return upload_id


@contextmanager
def taken(settings: Settings, upload_id: str) -> Iterator[bytes]:
    """Yield the kept file's bytes and delete it afterwards, whatever happens."""
    if not _ID.fullmatch(upload_id or ""):
        raise Invalid(_("上传的文件已过期，请重新上传。"))
    path = _folder(settings) / f"{upload_id}.bin"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Invalid(_("上传的文件已过期，请重新上传。")) from None
    try:
        yield data
    finally:
        path.unlink(missing_ok=True)
