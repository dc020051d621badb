"""The rotating sign-in QR: a token bound to one meeting and one time window by an HMAC with the
server's secret. The current and the previous window are accepted, nothing older, so a photo of the
QR forwarded to someone at home stops working within two windows.

Token text: ``<window>.<signature>`` (the meeting id travels in the URL path and is part of what is
signed, so a token for one meeting is worthless for another).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

SIG_BYTES = 12  # 96 bits: unguessable within a 30-second life, and a small QR


class TokenRefused(Exception):
    """Why a token was refused: ``reason`` is one of "malformed", "forged", "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class QrCode:
    meeting_id: int
    window: int
    token: str
    path: str  # relative to the server's base URL; clients prefix the address they reach the server at
    expires_at: dt.datetime  # end of this window (the token stays valid one more window)


def window_of(now: dt.datetime, rotate_seconds: int) -> int:
    return int(now.timestamp() // rotate_seconds)


def _sign(secret: str, meeting_id: int, window: int) -> str:
    mac = hmac.new(secret.encode(), f"signin:{meeting_id}:{window}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:SIG_BYTES]).decode().rstrip("=")


def current(secret: str, meeting_id: int, now: dt.datetime, rotate_seconds: int) -> QrCode:
    window = window_of(now, rotate_seconds)
    token = f"{window}.{_sign(secret, meeting_id, window)}"
    ends = dt.datetime.fromtimestamp((window + 1) * rotate_seconds, dt.UTC)
    return QrCode(meeting_id, window, token, f"/s/{meeting_id}?t={token}", ends)


def check(secret: str, meeting_id: int, token: str, now: dt.datetime, rotate_seconds: int) -> int:
    """Return the token's window if it is genuine and current or previous; else raise TokenRefused."""
    window_text, _, sig = (token or "").partition(".")
    if not window_text.isdigit() or not sig or len(token) > 64:
        raise TokenRefused("malformed")
    window = int(window_text)
    if not hmac.compare_digest(sig, _sign(secret, meeting_id, window)):
        raise TokenRefused("forged")
    now_window = window_of(now, rotate_seconds)
    if window > now_window:
        raise TokenRefused("forged")  # signed for the future: never shown by us
    if window < now_window - 1:
        raise TokenRefused("expired")
    return window
