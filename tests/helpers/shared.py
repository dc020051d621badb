"""Redis for tests of shared state: the URL (``TEST_REDIS_URL``), and a fresh namespace per test so
parallel workers and other checkouts never see each other's keys.

On the PostgreSQL pass (``TEST_DATABASE_URL`` names PostgreSQL, as in CI) Redis must be there: a test
that needs it fails rather than skips. On the SQLite pass it is skipped, with the reason, when Redis
does not answer.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis

from tests.helpers.db import is_postgres, requested_url

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        if is_postgres(requested_url()):
            pytest.fail(f"Redis at {REDIS_URL} does not answer on the PostgreSQL pass: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} does not answer (the SQLite pass runs without it): {exc}")
    return client


@contextmanager
def namespace(client: Any) -> Iterator[str]:
    """A key namespace of one's own; its keys are deleted afterwards."""
    ns = f"test-{uuid.uuid4().hex[:10]}"
    try:
        yield ns
    finally:
        keys = list(client.scan_iter(match=f"{ns}:*", count=500))
        if keys:
            client.delete(*keys)
