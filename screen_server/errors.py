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
