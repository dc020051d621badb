"""The terminal's outbox of study spans: every span is written here first, with the id the terminal
made for it, and leaves only once the server has acknowledged it (accepted, or already had it).

SQLite in the state directory: a span survives a crash, a power cut and a server that is down for
days. Safe to use from the UI thread (adding) and the network thread (draining). No Kivy.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

OUTBOX_FILE = "outbox.sqlite3"


class Outbox:
    def __init__(self, state_dir: Path) -> None:
        path = Path(state_dir)
        path.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path / OUTBOX_FILE, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spans (id TEXT PRIMARY KEY, body TEXT NOT NULL, "
                         "added REAL NOT NULL, tries INTEGER NOT NULL DEFAULT 0)")

    def add(self, span: dict[str, Any]) -> None:
        """Keep ``span`` until the server acknowledges it (adding the same id twice keeps one)."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO spans (id, body, added) VALUES (?, ?, ?)",
                             (span["id"], json.dumps(span, ensure_ascii=False), time.time()))

    def pending(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM spans ORDER BY added, id LIMIT ?", (limit,)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM spans").fetchone()[0])

    def remove(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        with self._lock:
            self._db.executemany("DELETE FROM spans WHERE id = ?", [(i,) for i in ids])

    def close(self) -> None:
        with self._lock:
            self._db.close()
