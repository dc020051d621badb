"""The event bus between the domain (HTTP threads, jobs) and the live push.

Services never publish directly: they call ``emit(session, event)``, which holds the event on the
session and publishes it only after the transaction commits (a rolled-back change raises nothing).

Two implementations with one interface:
- ``LocalBus``: in-process; subscribers are called on the publishing thread (the push server hands the
  event to its own loop with ``call_soon_threadsafe``).
- ``RedisBus``: Redis pub/sub, so several server processes behind a proxy all reach their screens.
  Sequence numbers come from a Redis counter, so they are ordered across processes; numbering and
  publishing are one Lua script, so an event costs one round trip to Redis.

Event types are named in ``protocol.py``; who sends each is listed in docs/architecture.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from screen_server.protocol import Event

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]
NAMESPACE = "activity-room"
# KEYS[1] the counter; ARGV[1] the channel, ARGV[2] the event as JSON with its seq left out, starting
# '{"seq":0,' (``_SEQLESS``): the script splices the new number in, so the JSON is built once, in Python.
_PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], '{"seq":' .. seq .. ',' .. string.sub(ARGV[2], 10))
return seq
"""
_SEQLESS = '{"seq":0,'


class Bus(Protocol):
    def publish(self, event: Event) -> Event: ...
    def publish_many(self, events: list[Event]) -> list[Event]: ...
    def subscribe(self, fn: Subscriber) -> None: ...
    def last_seq(self) -> int: ...
    def start(self) -> None: ...
    def close(self) -> None: ...


class LocalBus:
    """In-process fan-out to subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._counter = itertools.count(1)
        self._seq = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        pass

    def close(self) -> None:
        self._subscribers.clear()

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def last_seq(self) -> int:
        return self._seq

    def publish(self, event: Event) -> Event:
        with self._lock:
            self._seq = next(self._counter)
            stamped = dataclasses.replace(event, seq=self._seq)
        self._deliver(stamped)
        return stamped

    def publish_many(self, events: list[Event]) -> list[Event]:
        """Publish ``events`` in order (a transaction's events: a batch of sign-ins)."""
        return [self.publish(e) for e in events]

    def _deliver(self, event: Event) -> None:
        for fn in list(self._subscribers):
            try:
                fn(event)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("bus subscriber failed for %s", event.type)


class RedisBus(LocalBus):
    """Fan-out through Redis pub/sub; every process delivers what any process publishes."""

    def __init__(self, url: str, namespace: str = NAMESPACE) -> None:
        super().__init__()
        import redis

        self.channel, self.seq_key = f"{namespace}:events", f"{namespace}:seq"
        self._redis = redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)
        self._publish = self._redis.register_script(_PUBLISH)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._ready = threading.Event()

    def start(self) -> None:
        self._pubsub.subscribe(self.channel)
        self._thread = threading.Thread(target=self._listen, name="redis-bus", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        return self._ready.wait(timeout)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                self._ready.set()
                message = self._pubsub.get_message(timeout=0.5)
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("redis bus: lost the subscription; retrying")
                self._stopping.wait(1.0)
                continue
            if message and message.get("type") == "message":
                try:
                    event = Event.from_json(message["data"])
                except (ValueError, KeyError):
                    log.warning("redis bus: dropped a malformed event")
                    continue
                with self._lock:
                    self._seq = max(self._seq, event.seq)
                self._deliver(event)

    def last_seq(self) -> int:
        try:
            return int(self._redis.get(self.seq_key) or 0)
        except Exception:
            return self._seq

    def publish(self, event: Event) -> Event:
        seq = int(self._publish(keys=[self.seq_key], args=[self.channel, self._body(event)]))
        return dataclasses.replace(event, seq=seq)

    def publish_many(self, events: list[Event]) -> list[Event]:
        """All of a transaction's events in one round trip (a pipeline of the numbering script)."""
        if len(events) < 2:
            return [self.publish(e) for e in events]
        pipe = self._redis.pipeline(transaction=False)
        for event in events:
            self._publish(keys=[self.seq_key], args=[self.channel, self._body(event)], client=pipe)
        return [dataclasses.replace(e, seq=int(seq)) for e, seq in zip(events, pipe.execute(), strict=True)]

    @staticmethod
    def _body(event: Event) -> str:
        body = json.dumps({"seq": 0, **dataclasses.asdict(event)} | {"seq": 0}, ensure_ascii=False,
                          separators=(",", ":"))
        assert body.startswith(_SEQLESS)
        return body

    def close(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=3)
        try:
            self._pubsub.close()
            self._redis.close()
        except Exception:
            pass
        super().close()


def make_bus(redis_url: str, namespace: str = NAMESPACE) -> Bus:
    return RedisBus(redis_url, namespace) if redis_url else LocalBus()


# --- publish after commit --------------------------------------------------------------------------
_PENDING = "activity_room.pending_events"
_BUS = "activity_room.bus"


def bind_bus(session_factory: object, bus: Bus) -> None:
    """Make every session from ``session_factory`` publish its emitted events to ``bus`` after commit."""

    @sa_event.listens_for(session_factory, "after_commit")
    def _after_commit(session: Session) -> None:
        pending = session.info.pop(_PENDING, [])
        if not pending:
            return
        try:
            bus.publish_many(pending)
        except Exception:
            # The change is committed; a lost push is healed by the next snapshot.
            log.exception("could not publish %s", ", ".join(sorted({ev.type for ev in pending})))

    # after_soft_rollback fires on every rollback(), even one with no database transaction begun.
    @sa_event.listens_for(session_factory, "after_soft_rollback")
    def _after_rollback(session: Session, _previous: object) -> None:
        session.info.pop(_PENDING, None)


def emit(session: Session, event: Event) -> None:
    """Queue ``event`` to be published once ``session`` commits."""
    if not session.in_transaction():
        session.begin()  # so that a rollback, too, is seen and drops the event
    session.info.setdefault(_PENDING, []).append(event)
