"""Domain errors: each carries a message for the user, in Chinese first (translatable).

One handler in ``http/errors.py`` maps them to HTTP status codes and one JSON shape:
``{"error": {"code": "...", "message": "...", "details": ...}}``.
"""

from __future__ import annotations

from content.errors import ContentError


class DomainError(ContentError):
    """A rule of the room's domain was broken; ``message`` is for people, ``code`` for programs."""

    status = 400
    code = "invalid"


class Invalid(DomainError):
    status = 400
    code = "invalid"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


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
