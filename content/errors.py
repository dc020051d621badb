"""Domain errors of the learning library, each with a user-facing Chinese ``message``.

``ContentError`` is also the root of the server's ``screen_server.errors.DomainError`` (content is the
lowest layer), so one handler maps every domain error of either package to the same HTTP answer.
"""

from __future__ import annotations

from typing import Any


class ContentError(Exception):
    """Base of every content error; ``message`` is for people, ``code`` for programs."""

    status = 400
    code = "content_error"

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


class InvalidContent(ContentError):
    """Input that breaks a rule: empty title, a question whose answer does not fit its options, …"""

    status = 400
    code = "invalid"


class ContentNotFound(ContentError):
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
