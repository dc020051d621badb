"""Recording and reading the audit log. Services call ``record`` inside their own unit of work, so the
entry commits (or rolls back) with the change it describes; ``record_apart`` commits an entry on its
own (a failed sign-in, whose request changes nothing else). Rows are chained when they commit
(``audit.chain``); nothing here deletes a row except the retention job (``purge_expired``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from screen_server.audit import chain as chain  # registers the sealing hook on every Session
from screen_server.audit.models import AuditEntry
from screen_server.db import utcnow
from screen_server.xlsx import write_sheet


def record(
    session: Session,
    *,
    actor_user_id: int | None,
    action: str,
    target_type: str = "",
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str = "",
    ip: str = "",
    result: str = "ok",
) -> AuditEntry:
    """Add one audit entry to the session (committed by the caller with the change itself)."""
    if actor_user_id is not None and not actor_name:
        from screen_server.org.models import User

        user = session.get(User, actor_user_id)
        actor_name = user.username if user else ""
    entry = AuditEntry(
        actor_user_id=actor_user_id,
        actor_name=actor_name[:50],
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        ip=ip[:45],
        result=result,
    )
    session.add(entry)
    return entry


def record_apart(session_factory: sessionmaker[Session], **fields: Any) -> None:
    """Record one entry in a transaction of its own, committed now (kept whatever the request does next)."""
    with session_factory() as session:
        record(session, **fields)
        session.commit()


def record_export(session: Session, *, actor_user_id: int, what: str, target_type: str = "",
                  target_id: str | int | None = None, details: dict[str, Any] | None = None, ip: str = "") -> None:
    """Record that a user exported something (``what``: ``ledger``, ``contest_results`` …)."""
    record(session, actor_user_id=actor_user_id, action=f"{what}.exported", target_type=target_type,
           target_id=target_id, details=details, ip=ip)


def recent(session: Session, *, limit: int = 100, action_prefix: str = "") -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action_prefix:
        stmt = stmt.where(AuditEntry.action.startswith(action_prefix))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Filters:
    """What the audit page searches by; empty fields do not filter. Times are UTC, ``until`` exclusive."""

    user: str = ""
    action: str = ""
    target: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(filters: Filters) -> Any:
    stmt = select(AuditEntry)
    if filters.user:
        stmt = stmt.where(AuditEntry.actor_name.contains(filters.user.strip(), autoescape=True))
    if filters.action:
        stmt = stmt.where(AuditEntry.action.startswith(filters.action.strip(), autoescape=True))
    if filters.target:
        target = filters.target.strip()
        kind, _sep, ident = target.partition(":")
        if ident:
            stmt = stmt.where(AuditEntry.target_type == kind, AuditEntry.target_id == ident)
        else:
            stmt = stmt.where(or_(AuditEntry.target_type == target, AuditEntry.target_id == target))
    if filters.since is not None:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEntry.at < filters.until)
    return stmt


def search(session: Session, filters: Filters, *, offset: int = 0, limit: int = 50) -> tuple[Sequence[AuditEntry], int]:
    """One page of entries matching ``filters``, newest first, and how many match in all."""
    stmt = _filtered(filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = session.scalars(stmt.order_by(AuditEntry.id.desc()).offset(max(0, offset)).limit(min(limit, 500))).all()
    return page, total


EXPORT_LIMIT = 100_000


def export_xlsx(session: Session, filters: Filters, *, actor_user_id: int, actor_name: str, ip: str = "",
                describe: Any = None, local: Any = None) -> bytes:
    """The matching entries as an .xlsx sheet (newest first), marked with who exported it and when; audited."""
    rows = session.scalars(_filtered(filters).order_by(AuditEntry.id.desc()).limit(EXPORT_LIMIT)).all()
    when = local(utcnow(), "%Y-%m-%d %H:%M:%S") if local else utcnow().isoformat()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "操作日志"
    body = [[local(e.at, "%Y-%m-%d %H:%M:%S") if local else e.at.isoformat(), e.actor_name, e.action,
             f"{e.target_type}:{e.target_id}" if e.target_id else e.target_type,
             describe(e.details) if describe else str(e.details), e.ip, e.result, e.seq, e.row_hash or ""]
            for e in rows]
    write_sheet(ws, f"操作日志（{actor_name} 于 {when} 导出）",
                ["时间", "操作人", "操作", "对象", "详情", "地址", "结果", "序号", "哈希"],
                [20, 14, 22, 16, 40, 16, 8, 8, 30], body)
    record(session, actor_user_id=actor_user_id, action="audit.exported", ip=ip,
           details={"rows": len(rows), "user": filters.user, "action": filters.action, "target": filters.target})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def purge_expired(session: Session, *, retention_days: int, now: dt.datetime | None = None) -> int:
    """Remove the oldest stretch of the chain older than ``retention_days`` (never fewer than 180 days).

    Only a prefix of the chain goes, so what stays still verifies; the removal itself is recorded.
    """
    from screen_server.config import MIN_AUDIT_RETENTION_DAYS

    cutoff = (now or utcnow()) - dt.timedelta(days=max(retention_days, MIN_AUDIT_RETENTION_DAYS))
    keep_from = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= cutoff))
    if keep_from is None:
        return 0
    last = session.execute(select(AuditEntry.seq, AuditEntry.row_hash).where(AuditEntry.seq < keep_from)
                           .order_by(AuditEntry.seq.desc()).limit(1)).first()
    if last is None:
        return 0
    removed = session.execute(delete(AuditEntry).where(AuditEntry.seq < keep_from)).rowcount  # type: ignore[attr-defined]
    record(session, actor_user_id=None, actor_name="system", action="audit.purged",
           details={"rows": removed, "through_seq": last.seq, "last_hash": last.row_hash,
                    "retention_days": retention_days})
    return int(removed or 0)
