"""Every contest test runs twice: with the in-process live store (SQLite, one process) and with the
Redis one (several processes), so both keep the same rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from screen_server.contests.live import RedisLiveStore
from screen_server.leases import RedisLeases
from screen_server.runtime import Runtime
from tests.helpers.shared import namespace, redis_or_skip


@pytest.fixture(params=["memory", "redis"], autouse=True)
def live_store(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[str]:
    if request.param == "memory":
        yield "memory"
        return
    client = redis_or_skip()
    with namespace(client) as ns:
        runtime.contests.store = RedisLiveStore(client, ns)
        runtime.contests.leases = RedisLeases(client, ns)
        yield "redis"
    client.close()
