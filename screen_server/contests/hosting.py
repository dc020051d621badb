"""Hosting a live contest from the room's terminal: the host code and the gate that counts wrong codes.

A branch secretary who hosts at the terminal proves it with the contest's *host code*: six digits shown
on the admin's contest page (only those who may see that page), derived from the contest id with the
server's secret (``identity.host_codes``), so it needs no column and cannot be guessed from the join
code on the wall. Wrong codes count in the shared lockout store (five per terminal and contest, or per
address, lock for fifteen minutes, in every process; see ``identity.lockouts``).

The host's actions drive ``engine.ContestEngine`` exactly as the admin's buttons do; each is recorded
in the audit log with the device. No Flask here.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.contests.engine import ContestEngine
from screen_server.contests.models import ContestStatus
from screen_server.devices.models import Device
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.i18n import _
from screen_server.identity.host_codes import HostCodes, code_for, typed
from screen_server.identity.lockouts import Lockouts

CHECK: Final = "check"  # proves the code and changes nothing (the terminal enters host mode)
ACTIONS: Final = (CHECK, "start", "next", "close", "finish")
PURPOSE: Final = "contest-host"


def host_code(secret_key: str, contest_id: int) -> str:
    """The contest's six-digit host code: an HMAC of its id with the server's secret."""
    return code_for(secret_key, PURPOSE, contest_id)


class HostGate:
    """Checks contests' host codes (``identity.host_codes``); wrong codes count per contest and
    terminal and per address, so the lock holds in every process and across restarts."""

    def __init__(self, secret_key: str, lockouts: Lockouts) -> None:
        self._codes = HostCodes(secret_key, lockouts, PURPOSE)

    def code(self, contest_id: int) -> str:
        return self._codes.code(contest_id)

    def check(self, contest_id: int, device_id: int, code: str, *, ip: str = "", device_name: str = "") -> None:
        """Let a right code through (forgetting earlier misses of this terminal).

        Raises:
            TooManyAttempts: this terminal (or address) is locked out for now (the code is not looked at).
            Forbidden: the code is wrong (the fifth miss also starts the lock).
        """
        given = typed(code)
        audit = {"action": "contest.host_code", "actor_user_id": None, "actor_name": device_name[:50], "ip": ip,
                 "target_type": "contest", "target_id": int(contest_id), "details": {"device_id": int(device_id)}}
        self._codes.admit(f"c{int(contest_id)}:d{int(device_id)}", ip, audit,
                          lambda: self._codes.matches(given, contest_id))


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
    gate.check(contest_id, device.id, code, ip=ip, device_name=device.name or "")
    live = engine.get(contest_id)
    if live.room_id is None or live.room_id != device.room_id:
        raise Forbidden(_("这场竞赛不在本活动室进行。"), code="other_room")
    if action == CHECK:
        if live.status == ContestStatus.FINISHED:
            raise Conflict(_("本场竞赛已经结束。"), code="finished")
        return engine.public_state(live)
    # Each step is a compare-and-set on the contest's live status (in any process), so a step that lost a
    # race with the question timer or another host is refused by the engine and changes nothing.
    before = live.status
    if action == "close" and before != ContestStatus.QUESTION:
        raise Conflict(_("当前没有正在作答的题目。"), code="not_open")
    if action == "finish" and before == ContestStatus.FINISHED:
        raise Conflict(_("本场竞赛已经结束。"), code="finished")
    steps = {"start": engine.start, "next": engine.next, "close": engine.close_now, "finish": engine.finish}
    steps[action](contest_id)
    state = engine.public_state(engine.get(contest_id))
    record(session, actor_user_id=None, actor_name=(device.name or "")[:50], action=f"contest.host_{action}",
           target_type="contest", target_id=contest_id, ip=ip,
           details={"device_id": device.id, "action": action, "from": str(before), "status": state["status"],
                    "index": state["index"]})
    return state
