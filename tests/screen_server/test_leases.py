"""Leases and what runs under them: one holder at a time, renewal, take-over when the holder stops
renewing, release; the same rules in memory and in Redis. Two jobs workers (two processes) sharing the
leases run each job once; two stats publishers on one bus compute each change once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.jobs import LEASE_SECONDS, Jobs
from screen_server.leases import MemoryLeases, MemoryMap, RedisLeases, RedisMap
from screen_server.runtime import Runtime
from screen_server.stats.publisher import StatsPublisher
from tests.helpers.events import EventLog
from tests.helpers.shared import namespace, redis_or_skip


@pytest.fixture(params=["memory", "redis"])
def shared(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    if request.param == "memory":
        yield MemoryLeases(), MemoryMap()
        return
    client = redis_or_skip()
    with namespace(client) as ns:
        yield RedisLeases(client, ns), RedisMap(client, ns)
    client.close()


def test_one_holder_renewal_takeover_and_release(shared: tuple[Any, Any]) -> None:
    leases, _map = shared
    assert leases.hold("job:x", "a", 0.3)
    assert leases.hold("job:x", "a", 0.3)  # renewing
    assert not leases.hold("job:x", "b", 0.3)
    assert leases.holder("job:x") == "a"
    time.sleep(0.4)  # a stops renewing (it died): the lease lapses
    assert leases.hold("job:x", "b", 0.3) and not leases.hold("job:x", "a", 0.3)
    leases.release("job:x", "a")  # not a's to release
    assert leases.holder("job:x") == "b"
    leases.release("job:x", "b")
    assert leases.holder("job:x") is None and leases.hold("job:x", "a", 0.3)


def test_the_shared_map(shared: tuple[Any, Any]) -> None:
    _leases, shared_map = shared
    shared_map.set("signin-qr", "7", "123")
    shared_map.set("signin-qr", "8", "124")
    shared_map.delete("signin-qr", "8")
    assert shared_map.get("signin-qr") == {"7": "123"} and shared_map.get("other") == {}


def test_two_workers_run_each_job_once_and_the_second_takes_over(runtime: Runtime) -> None:
    leases = MemoryLeases()
    now = [0.0]
    leases.now = lambda: now[0]
    runs: list[str] = []

    def job(owner: str) -> Any:
        def run(_session: Session) -> int:
            runs.append(owner)
            return 1
        return run

    a = Jobs(runtime.session_factory, leases=leases, owner="a")
    b = Jobs(runtime.session_factory, leases=leases, owner="b")
    a.register(job("a"), "publish")
    b.register(job("b"), "publish")
    for _ in range(3):
        a.run_once()
        b.run_once()
    assert runs == ["a", "a", "a"]
    now[0] += LEASE_SECONDS + 0.1  # a died
    b.run_once()
    a_restarted = a.run_once()
    assert runs[-1] == "b" and a_restarted == 0


def test_two_stats_publishers_compute_each_change_once(runtime: Runtime) -> None:
    leases = MemoryLeases()
    log = EventLog(runtime.bus)
    publishers = [StatsPublisher(runtime.settings, runtime.session_factory, runtime.bus, min_interval=0.1,
                                 leases=leases, owner=o).start() for o in ("a", "b")]
    try:
        runtime.bus.publish(protocol.Event(protocol.SIGNIN_RECORDED, {"meeting_id": 1}))
        log.wait(protocol.STATS_UPDATED)
        runtime.bus.publish(protocol.Event(protocol.STUDY_RECORDED, {"member_id": 1}))
        log.wait(protocol.STATS_UPDATED, where=lambda e: len(log.of(protocol.STATS_UPDATED)) >= 2)
        time.sleep(0.5)  # a second computation of either change would be published by now
        assert len(log.of(protocol.STATS_UPDATED)) == 2
        assert [p.latest is not None for p in publishers].count(True) == 1
    finally:
        for p in publishers:
            p.stop()
