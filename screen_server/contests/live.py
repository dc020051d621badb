"""Where a running contest's live state lives, so that every server process sees the same contest.

What lasts (players, answers, final scores) is in the database; what is live is here: the open
question and its deadline, who answered it and with what result, each player's running score, the
answer counts, the last board and ranks, the newest names in the lobby. Two stores, one interface:

- ``MemoryLiveStore``: one process (SQLite, a single room). A lock guards a few dicts; it is held only
  for dictionary work, never for I/O.
- ``RedisLiveStore``: Redis hashes per contest. An answer is one Lua script, atomic in Redis: is the
  question open and still within its time, has this player answered it (``HSETNX``), add the points
  and the counts. So two processes can never both accept a player's answer, and no process lock is
  needed at all. Steps of the host are compare-and-set scripts on the contest's status.

A contest is named here by its ``ref`` (its id, when it was made and its join code: see
``engine.ContestInfo.ref``), never by its id alone.

Times are epoch milliseconds from the process that writes them: server clocks must be in sync
(docs/operations.md). A store knows nothing of questions or scoring rules (``engine`` decides those).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import Counter
from typing import Any, Protocol

ANSWERED = "__answered__"  # in a question's counts: how many answered it
FINISHED_TTL_S = 3600  # a finished contest's live keys linger an hour (later reads rebuild from the database)


@dataclasses.dataclass(frozen=True)
class Meta:
    status: str
    current: int
    opened_ms: int = 0
    closes_ms: int = 0


@dataclasses.dataclass
class Seed:
    """A contest rebuilt from the database (after a restart, or when Redis lost it)."""

    meta: Meta
    scores: dict[int, tuple[int, int]]  # player id → (score, right answers)
    results: dict[int, tuple[bool, int]]  # the current question: player id → (right, points)
    counts: dict[str, int]  # the current question's distribution
    lobby: list[str]  # the newest names, newest last
    reveal: dict[str, Any] | None = None
    ranks: dict[int, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class View:
    """What a screen needs of the live state: the status, how many play, the lobby, the last reveal."""

    meta: Meta
    players: int
    lobby: list[str]  # newest first
    reveal: dict[str, Any] | None


@dataclasses.dataclass(frozen=True)
class Standing:
    """One player's live standing: score, right answers, rank at the last close, the current result."""

    score: int
    correct: int
    rank: int | None
    result: tuple[bool, int] | None


class LiveStore(Protocol):
    def meta(self, ref: str) -> Meta | None: ...
    def init(self, ref: str, seed: Seed) -> bool: ...
    def cas(self, ref: str, expect: tuple[str, int], meta: Meta) -> bool: ...
    def add_player(self, ref: str, pid: int, shown: str, lobby: int) -> bool: ...
    def answer(self, ref: str, pid: int, pos: int, now_ms: int, grace_ms: int, correct: bool, points: int,
               labels: list[str]) -> int | str: ...
    def undo(self, ref: str, pid: int, pos: int, correct: bool, points: int, labels: list[str]) -> None: ...
    def scores(self, ref: str) -> dict[int, tuple[int, int]]: ...
    def counts(self, ref: str, pos: int) -> Counter[str]: ...
    def ranks_of(self, ref: str, pids: list[int]) -> dict[int, int]: ...
    def save_reveal(self, ref: str, reveal: dict[str, Any]) -> None: ...
    def save_ranks(self, ref: str, ranks: dict[int, int]) -> None: ...
    def repair(self, ref: str, pos: int, scores: dict[int, tuple[int, int]], results: dict[int, tuple[bool, int]],
               counts: dict[str, int]) -> None: ...
    def view(self, ref: str) -> View | None: ...
    def standing(self, ref: str, pid: int, pos: int) -> Standing: ...
    def take_dirty(self, ref: str) -> bool: ...
    def active(self) -> set[str]: ...
    def finished(self, ref: str) -> None: ...


class _Contest:
    def __init__(self, meta: Meta) -> None:
        self.meta = meta
        self.scores: dict[int, list[int]] = {}
        self.results: dict[int, dict[int, tuple[bool, int]]] = {}
        self.counts: dict[int, Counter[str]] = {}
        self.lobby: list[str] = []
        self.reveal: dict[str, Any] | None = None
        self.ranks: dict[int, int] = {}
        self.dirty = False


class MemoryLiveStore:
    """The live state of one process's contests, in dictionaries under one short lock."""

    def __init__(self) -> None:
        self._contests: dict[str, _Contest] = {}
        self._active: set[str] = set()
        self._lock = threading.Lock()

    def meta(self, ref: str) -> Meta | None:
        c = self._contests.get(ref)
        return c.meta if c is not None else None

    def init(self, ref: str, seed: Seed) -> bool:
        with self._lock:
            if ref in self._contests:
                return False
            c = _Contest(seed.meta)
            c.scores = {pid: [s, r] for pid, (s, r) in seed.scores.items()}
            c.results = {seed.meta.current: dict(seed.results)}
            c.counts = {seed.meta.current: Counter(seed.counts)}
            c.lobby = list(seed.lobby)
            c.reveal, c.ranks = seed.reveal, dict(seed.ranks)
            self._contests[ref] = c
            if seed.meta.status != "finished":
                self._active.add(ref)
            return True

    def cas(self, ref: str, expect: tuple[str, int], meta: Meta) -> bool:
        with self._lock:
            c = self._contests[ref]
            if (c.meta.status, c.meta.current) != expect:
                return False
            c.meta = meta
            if meta.status == "finished":
                self._active.discard(ref)
            return True

    def add_player(self, ref: str, pid: int, shown: str, lobby: int) -> bool:
        with self._lock:
            c = self._contests[ref]
            if pid in c.scores:
                return False
            c.scores[pid] = [0, 0]
            c.lobby = [*c.lobby[-(lobby - 1):], shown]
            c.dirty = True
            return True

    def answer(self, ref: str, pid: int, pos: int, now_ms: int, grace_ms: int, correct: bool, points: int,
               labels: list[str]) -> int | str:
        with self._lock:
            c = self._contests[ref]
            m = c.meta
            if m.status != "question" or pos != m.current:
                return "not_open" if pos > m.current or m.status == "lobby" else "late"
            if now_ms > m.closes_ms + grace_ms:
                return "late"
            done = c.results.setdefault(pos, {})
            if pid in done:
                return "repeat"
            done[pid] = (correct, points)
            score = c.scores.setdefault(pid, [0, 0])
            score[0] += points
            score[1] += int(correct)
            counts = c.counts.setdefault(pos, Counter())
            counts.update(labels)
            counts[ANSWERED] += 1
            return score[0]

    def undo(self, ref: str, pid: int, pos: int, correct: bool, points: int, labels: list[str]) -> None:
        with self._lock:
            c = self._contests[ref]
            if c.results.get(pos, {}).pop(pid, None) is None:
                return
            c.scores[pid][0] -= points
            c.scores[pid][1] -= int(correct)
            c.counts[pos].subtract(labels)
            c.counts[pos][ANSWERED] -= 1

    def scores(self, ref: str) -> dict[int, tuple[int, int]]:
        with self._lock:
            return {pid: (s[0], s[1]) for pid, s in self._contests[ref].scores.items()}

    def counts(self, ref: str, pos: int) -> Counter[str]:
        with self._lock:
            return Counter(self._contests[ref].counts.get(pos, Counter()))

    def ranks_of(self, ref: str, pids: list[int]) -> dict[int, int]:
        with self._lock:
            ranks = self._contests[ref].ranks
            return {p: ranks[p] for p in pids if p in ranks}

    def save_reveal(self, ref: str, reveal: dict[str, Any]) -> None:
        with self._lock:
            self._contests[ref].reveal = reveal

    def save_ranks(self, ref: str, ranks: dict[int, int]) -> None:
        with self._lock:
            self._contests[ref].ranks = dict(ranks)

    def repair(self, ref: str, pos: int, scores: dict[int, tuple[int, int]], results: dict[int, tuple[bool, int]],
               counts: dict[str, int]) -> None:
        """Put the database's truth back (answers accepted here whose row was never committed)."""
        with self._lock:
            c = self._contests[ref]
            c.scores = {pid: [s, r] for pid, (s, r) in scores.items()}
            c.results[pos] = dict(results)
            c.counts[pos] = Counter(counts)

    def view(self, ref: str) -> View | None:
        with self._lock:
            c = self._contests.get(ref)
            if c is None:
                return None
            return View(c.meta, len(c.scores), c.lobby[::-1], c.reveal)

    def standing(self, ref: str, pid: int, pos: int) -> Standing:
        with self._lock:
            c = self._contests[ref]
            s = c.scores.get(pid, [0, 0])
            return Standing(s[0], s[1], c.ranks.get(pid), c.results.get(pos, {}).get(pid))

    def take_dirty(self, ref: str) -> bool:
        with self._lock:
            c = self._contests.get(ref)
            if c is None or not c.dirty:
                return False
            c.dirty = False
            return True

    def active(self) -> set[str]:
        with self._lock:
            return set(self._active)

    def finished(self, ref: str) -> None:
        with self._lock:
            self._active.discard(ref)


# --- Redis ---------------------------------------------------------------------------------------------

_INIT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local d = cjson.decode(ARGV[1])
redis.call('HSET', KEYS[1], 'status', d.status, 'current', d.current, 'opened_ms', d.opened_ms,
           'closes_ms', d.closes_ms)
for pid, s in pairs(d.scores) do
  redis.call('HSET', KEYS[2], pid, s[1]) redis.call('HSET', KEYS[3], pid, s[2])
end
for pid, r in pairs(d.results) do redis.call('HSET', KEYS[4], pid, r) end
for label, n in pairs(d.counts) do redis.call('HSET', KEYS[5], label, n) end
for _, name in ipairs(d.lobby) do redis.call('LPUSH', KEYS[6], name) end
if d.reveal ~= '' then redis.call('SET', KEYS[7], d.reveal) end
for pid, r in pairs(d.ranks) do redis.call('HSET', KEYS[8], pid, r) end
if d.status ~= 'finished' then redis.call('SADD', KEYS[9], ARGV[2]) end
return 1
"""
_CAS = """
local m = redis.call('HMGET', KEYS[1], 'status', 'current')
if m[1] ~= ARGV[1] or tonumber(m[2]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'current', ARGV[4], 'opened_ms', ARGV[5], 'closes_ms', ARGV[6])
if ARGV[3] == 'finished' then redis.call('SREM', KEYS[2], ARGV[7]) end
return 1
"""
_JOIN = """
if redis.call('HSETNX', KEYS[1], ARGV[1], 0) == 0 then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[1], 0)
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
redis.call('SET', KEYS[4], 1)
return 1
"""
_ANSWER = """
local m = redis.call('HMGET', KEYS[1], 'status', 'current', 'closes_ms')
if not m[1] then return 'gone' end
local pos, cur = tonumber(ARGV[1]), tonumber(m[2])
if m[1] ~= 'question' or pos ~= cur then
  if pos > cur or m[1] == 'lobby' then return 'not_open' end
  return 'late'
end
if tonumber(ARGV[2]) > tonumber(m[3]) + tonumber(ARGV[3]) then return 'late' end
if redis.call('HSETNX', KEYS[2], ARGV[4], ARGV[5] .. ',' .. ARGV[6]) == 0 then return 'repeat' end
local score = redis.call('HINCRBY', KEYS[4], ARGV[4], ARGV[6])
redis.call('HINCRBY', KEYS[5], ARGV[4], ARGV[5])
redis.call('HINCRBY', KEYS[3], '__answered__', 1)
for i = 7, #ARGV do redis.call('HINCRBY', KEYS[3], ARGV[i], 1) end
return score
"""
_UNDO = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] .. ',' .. ARGV[3] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], ARGV[1], -tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[5], ARGV[1], -tonumber(ARGV[2]))
redis.call('HINCRBY', KEYS[3], '__answered__', -1)
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[3], ARGV[i], -1) end
return 1
"""


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisLiveStore:
    """Each contest as a few Redis keys (one hash tag per contest, so a cluster keeps them together)."""

    def __init__(self, client: Any, namespace: str = "activity-room") -> None:
        self._r = client
        self._ns = namespace
        self._active_key = f"{namespace}:contests:active"
        self._init = client.register_script(_INIT)
        self._cas = client.register_script(_CAS)
        self._join = client.register_script(_JOIN)
        self._answer = client.register_script(_ANSWER)
        self._undo = client.register_script(_UNDO)

    def _k(self, ref: str, name: str) -> str:
        return f"{self._ns}:{{contest:{ref}}}:{name}"

    def _keys(self, ref: str, pos: int) -> list[str]:
        return [self._k(ref, "meta"), self._k(ref, f"ans:{pos}"), self._k(ref, f"cnt:{pos}"),
                self._k(ref, "score"), self._k(ref, "right")]

    @staticmethod
    def _meta(raw: list[Any]) -> Meta | None:
        if raw[0] is None:
            return None
        return Meta(_s(raw[0]), int(raw[1] or 0), int(raw[2] or 0), int(raw[3] or 0))

    def meta(self, ref: str) -> Meta | None:
        return self._meta(self._r.hmget(self._k(ref, "meta"), "status", "current", "opened_ms", "closes_ms"))

    def init(self, ref: str, seed: Seed) -> bool:
        m = seed.meta
        data = {"status": m.status, "current": m.current, "opened_ms": m.opened_ms, "closes_ms": m.closes_ms,
                "scores": {str(p): [s, r] for p, (s, r) in seed.scores.items()} or {"": [0, 0]},
                "results": {str(p): f"{int(c)},{pts}" for p, (c, pts) in seed.results.items()} or {"": ""},
                "counts": dict(seed.counts) or {ANSWERED: 0}, "lobby": list(seed.lobby[::-1]) or [""],
                "reveal": json.dumps(seed.reveal, ensure_ascii=False) if seed.reveal else "",
                "ranks": {str(p): r for p, r in seed.ranks.items()} or {"": 0}}
        keys = [self._k(ref, "meta"), self._k(ref, "score"), self._k(ref, "right"), self._k(ref, f"ans:{m.current}"),
                self._k(ref, f"cnt:{m.current}"), self._k(ref, "lobby"), self._k(ref, "reveal"),
                self._k(ref, "ranks"), self._active_key]
        done = bool(self._init(keys=keys, args=[json.dumps(data, ensure_ascii=False), ref]))
        if done:
            # cjson cannot tell an empty object from an empty list: drop the placeholders written above
            pipe = self._r.pipeline(transaction=False)
            for key in (self._k(ref, "score"), self._k(ref, "right"), self._k(ref, f"ans:{m.current}"),
                        self._k(ref, "ranks")):
                pipe.hdel(key, "")
            pipe.lrem(self._k(ref, "lobby"), 0, "")
            pipe.execute()
            if m.status == "finished":
                self._expire(ref)
        return done

    def cas(self, ref: str, expect: tuple[str, int], meta: Meta) -> bool:
        done = bool(self._cas(keys=[self._k(ref, "meta"), self._active_key],
                              args=[expect[0], expect[1], meta.status, meta.current, meta.opened_ms, meta.closes_ms,
                                    ref]))
        if done and meta.status == "finished":
            self._expire(ref)
        return done

    def _expire(self, ref: str) -> None:
        pipe = self._r.pipeline(transaction=False)
        for key in self._r.scan_iter(match=self._k(ref, "*"), count=200):
            pipe.expire(key, FINISHED_TTL_S)
        pipe.execute()

    def add_player(self, ref: str, pid: int, shown: str, lobby: int) -> bool:
        return bool(self._join(keys=[self._k(ref, "score"), self._k(ref, "right"), self._k(ref, "lobby"),
                                     self._k(ref, "dirty")], args=[pid, shown, lobby]))

    def answer(self, ref: str, pid: int, pos: int, now_ms: int, grace_ms: int, correct: bool, points: int,
               labels: list[str]) -> int | str:
        out = self._answer(keys=self._keys(ref, pos),
                           args=[pos, now_ms, grace_ms, pid, int(correct), points, *labels])
        return int(out) if isinstance(out, int) else _s(out)

    def undo(self, ref: str, pid: int, pos: int, correct: bool, points: int, labels: list[str]) -> None:
        self._undo(keys=self._keys(ref, pos), args=[pid, int(correct), points, *labels])

    def scores(self, ref: str) -> dict[int, tuple[int, int]]:
        pipe = self._r.pipeline(transaction=False)
        pipe.hgetall(self._k(ref, "score"))
        pipe.hgetall(self._k(ref, "right"))
        scores, right = pipe.execute()
        return {int(p): (int(s), int(right.get(p, 0))) for p, s in scores.items()}

    def counts(self, ref: str, pos: int) -> Counter[str]:
        return Counter({_s(k): int(v) for k, v in self._r.hgetall(self._k(ref, f"cnt:{pos}")).items()})

    def ranks_of(self, ref: str, pids: list[int]) -> dict[int, int]:
        if not pids:
            return {}
        got = self._r.hmget(self._k(ref, "ranks"), [str(p) for p in pids])
        return {p: int(r) for p, r in zip(pids, got, strict=True) if r is not None}

    def save_reveal(self, ref: str, reveal: dict[str, Any]) -> None:
        self._r.set(self._k(ref, "reveal"), json.dumps(reveal, ensure_ascii=False))

    def save_ranks(self, ref: str, ranks: dict[int, int]) -> None:
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._k(ref, "ranks"))
        if ranks:
            pipe.hset(self._k(ref, "ranks"), mapping={str(p): r for p, r in ranks.items()})
        pipe.execute()

    def repair(self, ref: str, pos: int, scores: dict[int, tuple[int, int]], results: dict[int, tuple[bool, int]],
               counts: dict[str, int]) -> None:
        """Put the database's truth back (answers accepted by a process that died before committing them)."""
        pipe = self._r.pipeline(transaction=True)
        for name in ("score", "right", f"ans:{pos}", f"cnt:{pos}"):
            pipe.delete(self._k(ref, name))
        if scores:
            pipe.hset(self._k(ref, "score"), mapping={str(p): s for p, (s, _r) in scores.items()})
            pipe.hset(self._k(ref, "right"), mapping={str(p): r for p, (_s, r) in scores.items()})
        if results:
            pipe.hset(self._k(ref, f"ans:{pos}"), mapping={str(p): f"{int(c)},{pts}" for p, (c, pts) in results.items()})
        if counts:
            pipe.hset(self._k(ref, f"cnt:{pos}"), mapping=counts)
        pipe.execute()

    def view(self, ref: str) -> View | None:
        pipe = self._r.pipeline(transaction=False)
        pipe.hmget(self._k(ref, "meta"), "status", "current", "opened_ms", "closes_ms")
        pipe.hlen(self._k(ref, "score"))
        pipe.lrange(self._k(ref, "lobby"), 0, -1)
        pipe.get(self._k(ref, "reveal"))
        raw, players, lobby, reveal = pipe.execute()
        meta = self._meta(raw)
        if meta is None:
            return None
        return View(meta, int(players), [_s(n) for n in lobby][::-1], json.loads(reveal) if reveal else None)

    def standing(self, ref: str, pid: int, pos: int) -> Standing:
        pipe = self._r.pipeline(transaction=False)
        pipe.hget(self._k(ref, "score"), pid)
        pipe.hget(self._k(ref, "right"), pid)
        pipe.hget(self._k(ref, "ranks"), pid)
        pipe.hget(self._k(ref, f"ans:{pos}"), pid)
        score, right, rank, result = pipe.execute()
        got: tuple[bool, int] | None = None
        if result:
            c, pts = _s(result).split(",")
            got = (c == "1", int(pts))
        return Standing(int(score or 0), int(right or 0), int(rank) if rank else None, got)

    def take_dirty(self, ref: str) -> bool:
        return bool(self._r.getdel(self._k(ref, "dirty")))

    def active(self) -> set[str]:
        return {_s(ref) for ref in self._r.smembers(self._active_key)}

    def finished(self, ref: str) -> None:
        """Stop clocking the contest; its keys go an hour later (it finished, or the database lost it)."""
        self._r.srem(self._active_key, ref)
        self._expire(ref)
