"""Secrets: password and PIN hashing (argon2id), device tokens, and short-lived signed tickets."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# Modest parameters: a room server is small, and members sign in often.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_secret(secret: str) -> str:
    """Hash a password or PIN with argon2id."""
    return _hasher.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A device token: 256 random bits, shown once to the device."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps of a token (a leaked database leaks no working token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Tickets:
    """Short-lived signed tickets (e.g. for a browser opening the WebSocket)."""

    def __init__(self, secret_key: str, salt: str, max_age: int) -> None:
        self._s = URLSafeTimedSerializer(secret_key, salt=salt)
        self._max_age = max_age

    def issue(self, data: dict[str, object]) -> str:
        return self._s.dumps(data)

    def read(self, ticket: str) -> dict[str, object] | None:
        """Return the ticket's data, or None if it is forged, altered or expired."""
        try:
            data = self._s.loads(ticket, max_age=self._max_age)
        except (BadSignature, SignatureExpired):
            return None
        return data if isinstance(data, dict) else None
