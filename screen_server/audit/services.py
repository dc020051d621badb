"""Recording and reading the audit log. Services call ``record`` inside their own unit of work, so the
entry commits (or rolls back) with the change it describes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry


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
) -> AuditEntry:
    """Add one audit entry to the session (committed by the caller with the change itself)."""
    if actor_user_id is not None and not actor_name:
        from screen_server.org.models import User

        user = session.get(User, actor_user_id)
        actor_name = user.username if user else ""
    entry = AuditEntry(
        actor_user_id=actor_user_id,
        actor_name=actor_name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        ip=ip,
    )
    session.add(entry)
    return entry


def recent(session: Session, *, limit: int = 100, action_prefix: str = "") -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action_prefix:
        stmt = stmt.where(AuditEntry.action.startswith(action_prefix))
    return list(session.scalars(stmt))
