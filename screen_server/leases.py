"""Leases and a small shared map: what lets several server processes run a job, a watcher or a
contest's clock exactly once between them.

A lease is a name held by one owner (a process) until it lapses. The holder renews it each time it
works (``hold``); a process that dies stops renewing, and after ``ttl`` seconds another process's
``hold`` takes it over. Two implementations with one interface:

- ``MemoryLeases``: one process (SQLite, a single room). Every ``hold`` by this process's owner
  succeeds; the same expiry rules apply, so tests can exercise take-over with two owners.
- ``RedisLeases``: a Redis key per lease, set with ``NX`` and an expiry; renewing and releasing are
  Lua scripts that act only when the key still holds this owner's id (a lapsed holder cannot renew
  someone else's lease). Redis decides the expiry, so process clocks do not matter here.

``SharedMap`` is a string → string map that outlives the process holding a lease: the sign-in
watcher keeps "which QR window was announced" there, so its successor does not announce it again.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from typing import Any, Protocol

NAMESPACE = "activity-room"


def new_owner(label: str = "") -> str:
    """A process-unique owner id with the process id in it (two processes never share one; an operator
    can tell which process holds a lease)."""
    return f"{label or 'proc'}-{os.getpid()}-{secrets.token_hex(4)}"


class Leases(Protocol):
    def hold(self, name: str, owner: str, ttl: float) -> bool: ...
    def release(self, name: str, owner: str) -> None: ...
    def holder(self, name: str) -> str | None: ...


class SharedMap(Protocol):
    def get(self, key: str) -> dict[str, str]: ...
    def set(self, key: str, field: str, value: str) -> None: ...
    def delete(self, key: str, *fields: str) -> None: ...


class MemoryLeases:
    """Leases inside one process (the same expiry rules as Redis)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.now = time.monotonic

    def hold(self, name: str, owner: str, ttl: float) -> bool:
        """Take or renew ``name`` for ``ttl`` seconds; False when another owner holds it."""
        with self._lock:
            now = self.now()
            current = self._held.get(name)
            if current is not None and current[0] != owner and current[1] > now:
                return False
            self._held[name] = (owner, now + ttl)
            return True

    def release(self, name: str, owner: str) -> None:
        with self._lock:
            if self._held.get(name, ("", 0.0))[0] == owner:
                del self._held[name]

    def holder(self, name: str) -> str | None:
        with self._lock:
            current = self._held.get(name)
            return current[0] if current is not None and current[1] > self.now() else None


class MemoryMap:
    def __init__(self) -> None:
        self._maps: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, str]:
        with self._lock:
            return dict(self._maps.get(key, {}))

    def set(self, key: str, field: str, value: str) -> None:
        with self._lock:
            self._maps.setdefault(key, {})[field] = value

    def delete(self, key: str, *fields: str) -> None:
        with self._lock:
            for f in fields:
                self._maps.get(key, {}).pop(f, None)


_HOLD = """
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLeases:
    """Leases as Redis keys with an expiry (acquire, renew and release are each one atomic script)."""

    def __init__(self, client: Any, namespace: str = NAMESPACE) -> None:
        self._redis = client
        self._prefix = f"{namespace}:lease:"
        self._hold = client.register_script(_HOLD)
        self._release = client.register_script(_RELEASE)

    def hold(self, name: str, owner: str, ttl: float) -> bool:
        return bool(self._hold(keys=[self._prefix + name], args=[owner, max(1, int(ttl * 1000))]))

    def release(self, name: str, owner: str) -> None:
        self._release(keys=[self._prefix + name], args=[owner])

    def holder(self, name: str) -> str | None:
        value = self._redis.get(self._prefix + name)
        return value.decode() if isinstance(value, bytes) else value


class RedisMap:
    def __init__(self, client: Any, namespace: str = NAMESPACE) -> None:
        self._redis = client
        self._prefix = f"{namespace}:map:"

    def get(self, key: str) -> dict[str, str]:
        raw = self._redis.hgetall(self._prefix + key)
        return {k.decode(): v.decode() for k, v in raw.items()}

    def set(self, key: str, field: str, value: str) -> None:
        self._redis.hset(self._prefix + key, field, value)

    def delete(self, key: str, *fields: str) -> None:
        if fields:
            self._redis.hdel(self._prefix + key, *fields)
