"""The terminal's local library: the published content it last saw, kept on disk so that members can
browse and study with the server down.

``index.json`` holds the categories and the newest item summaries; ``items/<id>.json`` each opened
item's detail; ``media/`` the files (videos, PDF pages, images) within a size limit, least recently
used evicted first. Written atomically; safe from the UI and network threads. Search here is the
offline fallback (title and summary contain the text, or the pinyin initials contain the letters);
online, the server's search answers. No Kivy.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.store import _read_json, _write_json

DEFAULT_MEDIA_LIMIT = 2 * 1024**3
INDEX_FILE = "index.json"


class Library:
    def __init__(self, state_dir: Path, *, media_limit: int = DEFAULT_MEDIA_LIMIT) -> None:
        self.root = Path(state_dir) / "content"
        self.media_dir = self.root / "media"
        self.media_limit = media_limit
        self._lock = threading.Lock()
        self._index = _read_json(self.root / INDEX_FILE)

    # --- the index --------------------------------------------------------------------------------

    @property
    def categories(self) -> list[dict[str, Any]]:
        return list(self._index.get("categories") or [])

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self._index.get("items") or [])

    def save_index(self, categories: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
        with self._lock:
            self._index = {"categories": categories, "items": items, "saved_at": time.time()}
            _write_json(self.root / INDEX_FILE, self._index)
            keep = {int(i["id"]) for i in items if "id" in i}
        for path in (self.root / "items").glob("*.json"):  # withdrawn items leave the terminal
            if path.stem.isdigit() and int(path.stem) not in keep:
                path.unlink(missing_ok=True)

    def summary(self, item_id: int) -> dict[str, Any] | None:
        return next((i for i in self.items if i.get("id") == item_id), None)

    def in_category(self, category_id: int | None) -> list[dict[str, Any]]:
        return [i for i in self.items if category_id is None or i.get("category_id") == category_id]

    def search(self, text: str = "", initials: str = "") -> list[dict[str, Any]]:
        text, initials = text.strip(), initials.strip().upper()
        found = []
        for item in self.items:
            hay = f"{item.get('title', '')} {item.get('summary', '')} {' '.join(item.get('tags') or [])}"
            if text and text not in hay:
                continue
            if initials and initials not in str(item.get("initials") or "").upper():
                continue
            found.append(item)
        return found

    # --- item details -----------------------------------------------------------------------------

    def save_item(self, item: dict[str, Any]) -> None:
        _write_json(self.root / "items" / f"{int(item['id'])}.json", item)

    def load_item(self, item_id: int) -> dict[str, Any] | None:
        return _read_json(self.root / "items" / f"{int(item_id)}.json") or None

    # --- media ------------------------------------------------------------------------------------

    def media_path(self, url: str) -> Path:
        """Where the file at ``url`` is (or would be) kept; the name keeps the extension for players."""
        suffix = Path(url.split("?", 1)[0]).suffix[:8]
        return self.media_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + suffix)

    def cached_media(self, url: str) -> Path | None:
        path = self.media_path(url)
        if path.exists():
            os.utime(path)  # recently used: evicted last
            return path
        return None

    def store_media(self, url: str, chunks: Any) -> Path:
        """Write the bytes from ``chunks`` (an iterable) for ``url``; then trim the cache to its limit."""
        path = self.media_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        with open(tmp, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
        self.evict(keep=path)
        return path

    def evict(self, keep: Path | None = None) -> None:
        with self._lock:
            files = [p for p in self.media_dir.glob("*") if p.is_file() and not p.name.endswith(".part")]
            files.sort(key=lambda p: p.stat().st_mtime)
            total = sum(p.stat().st_size for p in files)
            for path in files:
                if total <= self.media_limit:
                    break
                if path == keep:
                    continue
                total -= path.stat().st_size
                path.unlink(missing_ok=True)

    def media_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.media_dir.glob("*") if p.is_file())
