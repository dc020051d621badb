"""The one error base, and the learning library's own errors.

``DomainError`` is the base of every domain error in the house: it lives here because content is the
lowest layer, and the server's errors (``screen_server.errors``: Invalid, NotFound, …) and the
library's (``ContentError`` and its kinds below) both derive from it. One handler
(``screen_server.http.common.install_error_handlers``) maps any of them to the same HTTP answer.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is for people (Chinese, translatable), ``code`` for
    programs, ``status`` the HTTP status it answers with, ``details`` anything a form needs to point
    at the fault."""

    status = 400
    code = "invalid"

    def __init__(
        self, message: str, *, details: Any = None, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(DomainError):
    """What was asked for does not exist (or is not for this caller's eyes)."""

    status = 404
    code = "not_found"


class ContentError(DomainError):
    """Base of the learning library's own errors."""

    status = 400
    code = "content_error"


class InvalidContent(ContentError):
    """Input that breaks a rule: empty title, a question whose answer does not fit its options, …"""

    status = 400
    code = "invalid"


class ContentNotFound(ContentError, NotFound):
    status = 404
    code = "not_found"


class DuplicateName(ContentError):
    """A category (or other uniquely named thing) of that name already exists."""

    status = 409
    code = "conflict"


class InvalidTransition(ContentError):
    """The review workflow does not allow this step from the current status."""

    status = 409
    code = "invalid_transition"


class SelfReviewForbidden(ContentError):
    """The reviewer is the author: nobody reviews their own work."""

    status = 403
    code = "self_review"


class MediaRejected(ContentError):
    """An upload whose type is not accepted or whose content does not match its extension."""

    status = 415
    code = "media_rejected"


class MediaTooLarge(MediaRejected):
    status = 413
    code = "media_too_large"
