"""The terminal's outbox: study spans, and the records a member made while the server was down (meeting
sign-ins). Everything is written here first, with the id the terminal made for it, and leaves only once
the server has acknowledged it (accepted, already had it, or kept it as an offline conflict). A queued
record carries the terminal's clock and its offset from the server's when it was made.

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
        self._db.execute("CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                         "body TEXT NOT NULL, added REAL NOT NULL)")

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

    def add_record(self, kind: str, record: dict[str, Any]) -> None:
        """Keep a queued record (``record["client_id"]`` is its id) until the server has it; fsync'd."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO records (id, kind, body, added) VALUES (?, ?, ?, ?)",
                             (record["client_id"], kind, json.dumps(record, ensure_ascii=False), time.time()))

    def pending_records(self, kind: str, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM records WHERE kind = ? ORDER BY added, id LIMIT ?",
                                    (kind, limit)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def remove_record(self, record_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records WHERE id = ?", (record_id,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
