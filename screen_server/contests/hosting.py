"""Hosting a live contest from the room's terminal: the host code and the gate that counts wrong codes.

A branch secretary who hosts at the terminal proves it with the contest's *host code*: six digits shown
on the admin's contest page (only those who may see that page), derived from the contest id with the
server's secret (HMAC-SHA256), so it needs no column and cannot be guessed from the join code on the
wall. A terminal that enters five wrong codes for a contest is refused for a minute (in memory, per
process: contests run in the process that runs the room).

The host's actions drive ``engine.ContestEngine`` exactly as the admin's buttons do; each is recorded
in the audit log with the device. No Flask here.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.contests.engine import ContestEngine
from screen_server.contests.models import ContestStatus
from screen_server.devices.models import Device
from screen_server.errors import Conflict, Forbidden, Invalid, TooManyAttempts
from screen_server.i18n import _

CODE_DIGITS: Final = 6
MAX_WRONG: Final = 5  # wrong codes in a row, per contest and device, before the lock
LOCK_SECONDS: Final = 60.0
CHECK: Final = "check"  # proves the code and changes nothing (the terminal enters host mode)
ACTIONS: Final = (CHECK, "start", "next", "close", "finish")


def host_code(secret_key: str, contest_id: int) -> str:
    """The contest's six-digit host code: an HMAC of its id with the server's secret."""
    mac = hmac.new(secret_key.encode("utf-8"), f"contest-host:{int(contest_id)}".encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


@dataclass
class _Tries:
    wrong: int = 0
    locked_until: float = 0.0


class HostGate:
    """Checks host codes in constant time and locks a device out of a contest after ``MAX_WRONG`` misses.

    ``now`` (seconds, monotonic) can be replaced in tests.
    """

    def __init__(self, secret_key: str) -> None:
        self._secret_key = secret_key
        self._tries: dict[tuple[int, int], _Tries] = {}
        self._lock = threading.Lock()
        self.now: Callable[[], float] = time.monotonic

    def code(self, contest_id: int) -> str:
        return host_code(self._secret_key, contest_id)

    def check(self, contest_id: int, device_id: int, code: str) -> None:
        """Let a right code through (forgetting earlier misses).

        Raises:
            TooManyAttempts: this device is locked out of this contest for now (the code is not looked at).
            Forbidden: the code is wrong (the fifth miss in a row also starts the lock).
        """
        given = "".join(ch for ch in str(code or "") if not ch.isspace())
        self.admit(contest_id, device_id, lambda: hmac.compare_digest(given.encode("utf-8"),
                                                                     self.code(contest_id).encode("utf-8")))

    def admit(self, key_id: int, device_id: int, is_right: Callable[[], bool]) -> None:
        """The counting behind ``check``, for any secret: ``is_right`` is asked only when not locked."""
        key = (int(key_id), int(device_id))
        with self._lock:
            now = self.now()
            tries = self._tries.get(key)
            if tries is not None and now < tries.locked_until:
                raise TooManyAttempts(_("错误次数过多，请 1 分钟后再试。"), code="host_locked")
            if is_right():
                self._tries.pop(key, None)
                return
            tries = self._tries.setdefault(key, _Tries())
            if tries.locked_until:  # an earlier lock has run out: count afresh
                tries.wrong, tries.locked_until = 0, 0.0
            tries.wrong += 1
            if tries.wrong >= MAX_WRONG:
                tries.locked_until = now + LOCK_SECONDS
                raise TooManyAttempts(_("错误次数过多，请 1 分钟后再试。"), code="host_locked")
        raise Forbidden(_("主持码不正确。"), code="host_code_wrong")


def host(session: Session, engine: ContestEngine, gate: HostGate, *, contest_id: int, device: Device, code: str,
         action: str, ip: str = "") -> dict[str, Any]:
    """Check the host code of a terminal in the contest's room and, unless the action is ``check``, drive
    the contest one step as the admin's buttons do; record the step in the audit log.

    Returns:
        The contest's public state (what the wall shows) after the step.

    Raises:
        Invalid: an unknown action; Forbidden / TooManyAttempts: a wrong code, or too many;
        NotFound: no such contest; Conflict: the contest's state does not allow the action (nothing changes).
    """
    if action not in ACTIONS:
        raise Invalid(_("未知的操作。"))
    gate.check(contest_id, device.id, code)
    live = engine.get(contest_id)
    if live.room_id is None or live.room_id != device.room_id:
        raise Forbidden(_("这场竞赛不在本活动室进行。"), code="other_room")
    if action == CHECK:
        if live.status == ContestStatus.FINISHED:
            raise Conflict(_("本场竞赛已经结束。"), code="finished")
        return engine.public_state(live)
    with live.lock:  # the state checked is the state acted on (the question timer takes the same lock)
        before = live.status
        if action == "close" and before != ContestStatus.QUESTION:
            raise Conflict(_("当前没有正在作答的题目。"), code="not_open")
        if action == "finish" and before == ContestStatus.FINISHED:
            raise Conflict(_("本场竞赛已经结束。"), code="finished")
        steps = {"start": engine.start, "next": engine.next, "close": engine.close_now, "finish": engine.finish}
        steps[action](contest_id)
        state = engine.public_state(live)
    record(session, actor_user_id=None, actor_name=(device.name or "")[:50], action=f"contest.host_{action}",
           target_type="contest", target_id=contest_id, ip=ip,
           details={"device_id": device.id, "action": action, "from": str(before), "status": state["status"],
                    "index": state["index"]})
    return state
