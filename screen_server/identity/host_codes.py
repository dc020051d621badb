"""Host codes: the six digits a branch secretary types at the room's terminal to host a contest or a
meeting there. A code is an HMAC-SHA256 of a purpose and an id with the server's secret, so it needs
no column and cannot be guessed from anything shown on the wall; it is compared in constant time, and
wrong codes count in the shared lockout store (``identity.lockouts``: five per account or address lock
for fifteen minutes, in every process).

Used by ``contests.hosting.HostGate`` and ``meetings.console.MeetingHostGate``, which say what the
account is (a terminal and a contest; a terminal for every meeting of its room) and what is audited.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, Final

from screen_server.errors import Forbidden
from screen_server.i18n import _
from screen_server.identity.lockouts import Lockouts

CODE_DIGITS: Final = 6


def code_for(secret_key: str, purpose: str, object_id: int) -> str:
    """The six-digit code of ``object_id`` for ``purpose`` (``contest-host``, ``meeting-host``)."""
    mac = hmac.new(secret_key.encode("utf-8"), f"{purpose}:{int(object_id)}".encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def typed(code: str | None) -> str:
    """A code as typed, spaces dropped (``123 456`` is ``123456``)."""
    return "".join(ch for ch in str(code or "") if not ch.isspace())


class HostCodes:
    """The codes of one purpose, and the counting of wrong ones."""

    def __init__(self, secret_key: str, lockouts: Lockouts, purpose: str) -> None:
        self._secret_key = secret_key
        self._lockouts = lockouts
        self.purpose = purpose

    def code(self, object_id: int) -> str:
        return code_for(self._secret_key, self.purpose, object_id)

    def matches(self, given: str, object_id: int) -> bool:
        """Whether ``given`` (already ``typed``) is the code of ``object_id``, in constant time."""
        return hmac.compare_digest(given.encode("utf-8"), self.code(object_id).encode("utf-8"))

    def admit(self, account: str, ip: str, audit: dict[str, Any], is_right: Callable[[], bool]) -> None:
        """Count a try of ``account`` from ``ip``; ``is_right`` is asked only when neither is locked.

        Raises:
            TooManyAttempts: locked for now. Forbidden: wrong (the fifth miss also starts the lock).
        """
        attempt = self._lockouts.begin("host", account, ip, audit=audit)
        if is_right():
            self._lockouts.succeeded(attempt)
            return
        self._lockouts.failed(attempt, audit=audit)
        raise Forbidden(_("主持码不正确。"), code="host_code_wrong")
