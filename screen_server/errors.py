"""The room's domain errors: each carries a message for the user, in Chinese first (translatable).

They derive from ``DomainError``, the one base, defined in the lowest layer (``content.errors``) and
handed on from here. One handler, ``screen_server.http.common.install_error_handlers``, maps every
``DomainError`` to its HTTP status and one JSON shape,
``{"error": {"code": "...", "message": "...", "details": ...}}``; the admin renders the same errors
as pages.
"""

from __future__ import annotations

from content.errors import DomainError, NotFound

__all__ = ["Conflict", "DomainError", "Forbidden", "Invalid", "NotAuthenticated", "NotFound", "TooManyAttempts"]


class Invalid(DomainError):
    status = 400
    code = "invalid"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


class LockedOut(NotAuthenticated):
    """Too many wrong passwords, PINs or codes: refused without looking, until the time in the message.
    A NotAuthenticated, so every form that re-asks for the secret shows it the same way."""

    status = 429
    code = "locked"
class StorageFull(DomainError):
    """The disk (or the database's size limit) is full: nothing was stored, and nothing was damaged."""

    status = 507
    code = "storage_full"

    def __init__(self, message: str = "") -> None:
        from screen_server.i18n import _

        super().__init__(message or _("服务器磁盘已满，这次没有保存。请通知管理员清理磁盘后再试。"))


def is_disk_full(exc: BaseException) -> bool:
    """Whether a database error means the disk is full (SQLite's SQLITE_FULL, PostgreSQL's ENOSPC)."""
    text = str(exc).lower()
    return any(sign in text for sign in ("database or disk is full", "no space left on device",
                                         "could not extend file", "disk full"))
