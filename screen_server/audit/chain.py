"""The audit log's hash chain: sealing new rows when their transaction commits, and walking it.

Every row gets, at commit, the next ``seq``, the previous row's hash as ``prev_hash`` and its own
``row_hash`` = SHA-256 of its fields and ``prev_hash``. The rows are sealed by one writer at a time:
on PostgreSQL under a transaction-scoped advisory lock, so two server processes committing at once
queue for it; on SQLite the committing transaction already holds the database's only write lock. The
tail is read after the lock is taken, so each row links to the row committed just before it, whatever
order the ids were handed out in. A row that was edited, inserted by hand or deleted breaks the chain
there, and ``verify`` names it. (Deleting the newest rows leaves no gap behind them: a limit of every
chain without an outside anchor; docs/security.md says so.)

Sealing is a ``Session`` event registered on import of this module (``audit.services`` imports it),
so every session of the process takes part, including those of the CLI and the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, event, select, text, update
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry

AUDIT_LOCK = 7_274_2027  # an advisory-lock key owned by the audit chain (the migration lock is ...2026)
_NEW = "audit_chain.new_rows"
T = cast(Table, AuditEntry.__table__)
_COLUMNS = (T.c.id, T.c.seq, T.c.at, T.c.actor_user_id, T.c.actor_name, T.c.action, T.c.target_type,
            T.c.target_id, T.c.details, T.c.ip, T.c.result, T.c.prev_hash, T.c.row_hash)


def _at(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def row_hash(row: Any, seq: int, prev_hash: str) -> str:
    """The hash of one row: its fields in a fixed order, its place in the chain and the previous hash."""
    fields = [seq, _at(row.at), row.actor_user_id, row.actor_name or "", row.action, row.target_type or "",
              row.target_id, row.details or {}, row.ip or "", row.result or "ok", prev_hash]
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def seal(conn: Connection) -> int:
    """Chain every committed-or-own row that has no place yet; return how many were sealed."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    tail = conn.execute(select(T.c.seq, T.c.row_hash).where(T.c.seq.is_not(None))
                        .order_by(T.c.seq.desc()).limit(1)).first()
    seq, prev = (int(tail.seq), str(tail.row_hash)) if tail is not None else (0, "")
    rows = conn.execute(select(*_COLUMNS).where(T.c.seq.is_(None)).order_by(T.c.id)).all()
    for row in rows:
        seq += 1
        digest = row_hash(row, seq, prev)
        conn.execute(update(T).where(T.c.id == row.id).values(seq=seq, prev_hash=prev, row_hash=digest))
        prev = digest
    return len(rows)


@event.listens_for(Session, "after_flush")
def _note_new_rows(session: Session, _flush_context: Any) -> None:
    if any(isinstance(obj, AuditEntry) for obj in session.new):
        session.info[_NEW] = True


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    if any(isinstance(obj, AuditEntry) for obj in session.new):
        session.flush()
    if session.info.pop(_NEW, False):
        seal(session.connection())


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_NEW, None)


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the row (id and place) and what is wrong with it, in Chinese."""

    entry_id: int
    seq: int | None
    reason: str

    def __str__(self) -> str:
        place = f"序号 {self.seq}" if self.seq is not None else "未入链"
        return f"审计记录 #{self.entry_id}（{place}）：{self.reason}"


@dataclass(frozen=True)
class Verdict:
    checked: int
    first: Break | None

    @property
    def intact(self) -> bool:
        return self.first is None


def _rows(conn: Connection, batch: int = 2000) -> Iterator[Any]:
    last = -1
    while True:
        chunk = conn.execute(select(*_COLUMNS).where(T.c.seq.is_not(None), T.c.seq > last)
                             .order_by(T.c.seq).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = int(chunk[-1].seq)


def verify(conn: Connection) -> Verdict:
    """Walk the chain from its oldest kept row; return the first break, if any.

    The oldest kept row's ``prev_hash`` is taken as given (older rows may have been removed by the
    retention job); from there every row must follow the previous one without a gap.
    """
    checked = 0
    prev_seq: int | None = None
    prev_hash: str | None = None
    for row in _rows(conn):
        checked += 1
        if prev_seq is not None and row.seq != prev_seq + 1:
            return Verdict(checked, Break(row.id, row.seq, f"前面缺少序号 {prev_seq + 1} 到 {row.seq - 1} 的记录（被删除）"))
        if prev_hash is not None and row.prev_hash != prev_hash:
            return Verdict(checked, Break(row.id, row.seq, "与上一条记录的哈希不相连（上一条或本条被改动）"))
        if row_hash(row, int(row.seq), row.prev_hash or "") != row.row_hash:
            return Verdict(checked, Break(row.id, row.seq, "内容与其哈希不符（本条被改动）"))
        prev_seq, prev_hash = int(row.seq), str(row.row_hash)
    loose = conn.execute(select(T.c.id).where(T.c.seq.is_(None)).order_by(T.c.id).limit(1)).first()
    if loose is not None:
        return Verdict(checked, Break(loose.id, None, "不在哈希链中（可能是绕过程序直接写入的）"))
    return Verdict(checked, None)
