"""The meeting console: the host runs a meeting one step at a time, from the admin (an admin or the
meeting's branch secretary) or from the room's terminal (with the meeting's six-digit host code).

- Sign-in: close it now, or reopen it for a while with a reason (both audited, both pushed to the wall).
- Steps on the wall: the agenda, a learning item, a poll or ballot, the live contest, the message wall,
  a photo, the attendance and quorum; ``end`` hands the wall back to its own plan.

The current step is a column of the meeting (``Meeting.console``), so every process and every reconnect
sees the same one; it is pushed as ``console.updated`` to the meeting's room, and screens put it above
everything but an emergency. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.devices.models import Device, DeviceRole
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.identity.host_codes import HostCodes, code_for, typed
from screen_server.identity.lockouts import Lockouts
from screen_server.meetings.models import MEETING_TYPE_LABELS, Meeting, MeetingPhoto
from screen_server.meetings.services import (
    counts,
    get_meeting,
    get_meeting_for,
    local_text,
    meeting_data,
    signin_state,
    window_state,
)
from screen_server.org.models import Role, User

STEPS = {"agenda": "会议议程", "quorum": "到会情况", "item": "学习资料", "poll": "投票表决", "contest": "知识竞赛",
         "messages": "留言墙", "photo": "活动照片"}
REOPEN_MINUTES = (5, 10, 15, 30, 60)


@dataclass(frozen=True, slots=True)
class Host:
    """Who drives the console: an admin user, or a terminal that gave the host code."""

    user: User | None = None
    device: Device | None = None
    ip: str = ""

    def audit(self, session: Session, action: str, meeting: Meeting, details: dict[str, Any]) -> None:
        extra = {"device_id": self.device.id} if self.device is not None else {}
        record(session, actor_user_id=self.user.id if self.user else None,
               actor_name="" if self.user else (self.device.name if self.device else "")[:50], action=action,
               target_type="meeting", target_id=meeting.id, details=details | extra, ip=self.ip)


HOST_PURPOSE = "meeting-host"


def host_code(secret_key: str, meeting_id: int) -> str:
    """The meeting's six-digit host code: an HMAC of its id with the server's secret (no column)."""
    return code_for(secret_key, HOST_PURPOSE, meeting_id)


def meeting_for(session: Session, host: Host, meeting_id: int) -> Meeting:
    """The meeting, if this host may run it: an admin, the branch's secretary, or a terminal in its room
    (whose host code the caller has checked)."""
    if host.user is not None:
        if host.user.role not in (Role.ADMIN, Role.SECRETARY):
            raise Forbidden(_("只有管理员和支部书记可以主持会议。"))
        meeting = get_meeting_for(session, host.user, meeting_id)
    else:
        meeting = get_meeting(session, meeting_id)
        if host.device is None or host.device.room_id is None or host.device.room_id != meeting.room_id:
            raise Forbidden(_("这次会议不在本活动室举行。"), code="other_room")
    if meeting.cancelled:
        raise Conflict(_("会议已取消。"), code="meeting_cancelled")
    return meeting


# --- sign-in ---------------------------------------------------------------------------------------------
def close_signin(session: Session, settings: Settings, host: Host, meeting_id: int) -> Meeting:
    """Close sign-in now; the quorum as it stands is recorded for the 台账."""
    meeting = meeting_for(session, host, meeting_id)
    now = utcnow()
    if window_state(meeting, now) != "open":
        raise Conflict(_("签到当前没有开放。"), code="signin_not_open")
    before = meeting.signin_closes_at
    meeting.signin_closes_at = now
    c = counts(session, meeting)
    meeting.quorum_reached = c["quorum"]
    host.audit(session, "meeting.signin_closed", meeting,
               {"was_until": before.isoformat(), "signed": c["signed"], "quorum": c["quorum"]})
    session.flush()
    if meeting.room_id is not None:
        emit(session, protocol.Event(protocol.SIGNIN_CLOSED, {"meeting_id": meeting.id}, room_id=meeting.room_id))
    push(session, settings, meeting)
    return meeting


def reopen_signin(session: Session, settings: Settings, host: Host, meeting_id: int, *, reason: str,
                  minutes: int = 15) -> Meeting:
    """Open sign-in again for ``minutes``, with a reason (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("重新开放签到必须填写原因。"))
    if minutes not in REOPEN_MINUTES:
        raise Invalid(_("重新开放的时长无效。"))
    meeting = meeting_for(session, host, meeting_id)
    now = utcnow()
    if window_state(meeting, now) == "open":
        raise Conflict(_("签到已在进行中。"), code="signin_open")
    if meeting.held_at is not None:
        raise Conflict(_("会议已标记为召开完毕，不能再开放签到；请用补签。"), code="held")
    meeting.signin_opens_at = min(meeting.signin_opens_at, now)
    meeting.signin_closes_at = now + dt.timedelta(minutes=minutes)
    host.audit(session, "meeting.signin_reopened", meeting,
               {"reason": reason[:200], "until": meeting.signin_closes_at.isoformat()})
    session.flush()
    if meeting.room_id is not None:
        emit(session, protocol.Event(protocol.SIGNIN_OPENED, {"signin": signin_state(session, settings, meeting)},
                                     room_id=meeting.room_id))
    push(session, settings, meeting)
    return meeting


# --- steps -----------------------------------------------------------------------------------------------
def set_step(session: Session, settings: Settings, host: Host, meeting_id: int, step: str,
             ref: int | None = None) -> Meeting:
    """Put one step on the room's wall (``end``: hand the wall back to its plan). A ballot that has not been
    opened yet opens with its step (and so needs quorum)."""
    from screen_server.contests.models import Contest
    from screen_server.messages.models import MessageTopic
    from screen_server.polls import services as polls

    meeting = meeting_for(session, host, meeting_id)
    if meeting.room_id is None:
        raise Invalid(_("会议没有指定活动室，无法控制大屏。"))
    if step == "end":
        meeting.console = None
        host.audit(session, "meeting.console_end", meeting, {})
        session.flush()
        push(session, settings, meeting)
        return meeting
    if step not in STEPS:
        raise Invalid(_("未知的会议环节。"))
    entry: dict[str, Any] = {"step": step, "ref": None}
    if step == "item":
        item = session.get(Item, int(ref or 0))
        if item is None or item.status != ReviewStatus.PUBLISHED:
            raise Invalid(_("请选择一份已发布的学习资料。"))
        entry |= {"ref": item.id, "title": item.title, "kind": str(item.kind)}
    elif step == "poll":
        poll = polls.get_poll(session, int(ref or 0))
        if poll.room_id != meeting.room_id and poll.meeting_id != meeting.id:
            raise Invalid(_("该投票不在本活动室。"))
        if not poll.open and poll.closed_at is None:
            polls.open_poll(session, poll.id, actor_user_id=host.user.id if host.user else None)
        entry |= {"ref": poll.id, "title": poll.title}
    elif step == "contest":
        contest = session.get(Contest, int(ref or 0)) if ref else None
        if ref and (contest is None or contest.room_id != meeting.room_id):
            raise Invalid(_("该竞赛不在本活动室。"))
        entry |= {"ref": contest.id if contest else None, "title": contest.title if contest else ""}
    elif step == "messages":
        topic = session.get(MessageTopic, int(ref or 0)) if ref else None
        if ref and topic is None:
            raise Invalid(_("留言墙主题不存在。"))
        entry |= {"ref": topic.id if topic else None, "title": topic.title if topic else ""}
    elif step == "photo":
        photo = session.get(MeetingPhoto, int(ref or 0))
        if photo is None or photo.meeting_id != meeting.id:
            raise Invalid(_("请选择本次会议的照片。"))
        entry |= {"ref": photo.id, "title": photo.caption}
    meeting.console = entry
    host.audit(session, "meeting.console_step", meeting, {"step": step, "ref": entry["ref"]})
    session.flush()
    push(session, settings, meeting)
    return meeting


def photo_sig(secret_key: str, photo_id: int) -> str:
    """A photo's address carries this: screens fetch it without a login, nobody can list the others."""
    mac = hmac.new(secret_key.encode("utf-8"), f"meeting-photo:{int(photo_id)}".encode(), hashlib.sha256)
    return mac.hexdigest()[:24]


def photo_path(settings: Settings, photo: MeetingPhoto) -> str:
    return f"/meeting-photos/{photo.id}/{photo_sig(settings.secret_key, photo.id)}"


def agenda_lines(meeting: Meeting) -> list[str]:
    return [line.strip().lstrip("-*0123456789.、） ").strip() for line in (meeting.agenda or "").splitlines()
            if line.strip()]


def console_data(session: Session, settings: Settings, meeting: Meeting) -> dict[str, Any] | None:
    """What screens need to show the meeting's current step (None: no step, the wall's own plan)."""
    from screen_server.polls import services as polls

    step = dict(meeting.console or {})
    if not step:
        return None
    data: dict[str, Any] = {"meeting": meeting_data(meeting) | {"recorder": meeting.recorder},
                            "step": step.get("step"), "ref": step.get("ref"), "title": step.get("title") or "",
                            "agenda": agenda_lines(meeting), "counts": counts(session, meeting),
                            "signin_open": window_state(meeting, utcnow()) == "open"}
    if data["step"] == "poll" and step.get("ref"):
        poll = session.get(polls.Poll, int(step["ref"]))
        data["poll"] = polls.results(session, poll) if poll else None
    elif data["step"] == "item" and step.get("ref"):
        item = session.get(Item, int(step["ref"]))
        main = item.main_media if item is not None else None
        # The address http.content.media_url gives (media id, then a tag of hash and extension).
        media_url = (f"/media/{main.id}/{main.sha256[:16]}{Path(main.original_filename or 'f').suffix.lower()[:8]}"
                     if main is not None else None)
        data["item"] = {"item_id": step["ref"], "title": step.get("title") or "", "kind": step.get("kind") or "",
                        "show": "item", "media_url": media_url}
    elif data["step"] == "photo" and step.get("ref"):
        photo = session.get(MeetingPhoto, int(step["ref"]))
        data["photo"] = {"path": photo_path(settings, photo), "caption": photo.caption} if photo else None
    return data


def push(session: Session, settings: Settings, meeting: Meeting) -> None:
    if meeting.room_id is not None:
        emit(session, protocol.Event(protocol.CONSOLE_UPDATED,
                                     {"console": console_data(session, settings, meeting),
                                      "meeting_id": meeting.id}, room_id=meeting.room_id))


def console_meeting_in_room(session: Session, room_id: int | None) -> Meeting | None:
    if room_id is None:
        return None
    return session.scalar(select(Meeting).where(Meeting.room_id == room_id, Meeting.cancelled.is_(False),
                                                Meeting.console.is_not(None)).order_by(Meeting.starts_at.desc())
                          .limit(1))


def snapshot_part(session: Session, settings: Settings, viewer: Any) -> dict[str, Any]:
    meeting = console_meeting_in_room(session, viewer.room_id)
    return {"console": console_data(session, settings, meeting) if meeting else None}


def console_page(session: Session, settings: Settings, meeting: Meeting) -> dict[str, Any]:
    """Everything the console page (admin or terminal) shows: steps, counts, the meeting's ballots."""
    from screen_server.polls import services as polls

    items = list(session.scalars(select(Item).where(Item.status == ReviewStatus.PUBLISHED,
                                                    Item.kind.in_([ItemKind.VIDEO, ItemKind.PDF, ItemKind.ARTICLE,
                                                                   ItemKind.POSTER]))
                                 .order_by(Item.published_at.desc()).limit(50)))
    photos = list(session.scalars(select(MeetingPhoto).where(MeetingPhoto.meeting_id == meeting.id)
                                  .order_by(MeetingPhoto.id)))
    return {"meeting": meeting, "type_label": MEETING_TYPE_LABELS[meeting.type], "counts": counts(session, meeting),
            "window": window_state(meeting, utcnow()), "closes": local_text(meeting.signin_closes_at),
            "step": dict(meeting.console or {}), "agenda": agenda_lines(meeting), "items": items, "photos": photos,
            "polls": [(p, polls.results(session, p, for_secretary=True)) for p in polls.meeting_polls(session, meeting.id)],
            "steps": STEPS, "reopen_minutes": REOPEN_MINUTES}


def get_photo(session: Session, settings: Settings, photo_id: int, sig: str) -> MeetingPhoto:
    photo = session.get(MeetingPhoto, photo_id)
    if photo is None or not hmac.compare_digest(sig.encode(), photo_sig(settings.secret_key, photo_id).encode()):
        raise NotFound(_("照片不存在。"))
    return photo


class MeetingHostGate:
    """Checks meetings' host codes (``identity.host_codes``): a terminal that gives five wrong codes in a
    row is locked out (shared by every process). Keyed by the device, since the terminal names no
    meeting: the code does."""

    def __init__(self, secret_key: str, lockouts: Lockouts) -> None:
        self._codes = HostCodes(secret_key, lockouts, HOST_PURPOSE)

    def code(self, meeting_id: int) -> str:
        return self._codes.code(meeting_id)

    def check_room(self, device_id: int, code: str, meeting_ids: list[int], *, ip: str = "",
                   device_name: str = "") -> int:
        """The meeting (among ``meeting_ids``) whose code this is; misses count per device, whatever the
        meeting, so a locked terminal cannot keep guessing.

        Raises:
            TooManyAttempts: locked for now (the code is not looked at); Forbidden: no meeting has this code.
        """
        given = typed(code)
        found: list[int] = []

        def is_right() -> bool:
            found[:] = [m for m in meeting_ids if self._codes.matches(given, m)]
            return bool(found)

        audit = {"action": "meeting.host_code", "actor_user_id": None, "actor_name": device_name[:50], "ip": ip,
                 "target_type": "device", "target_id": int(device_id)}
        self._codes.admit(f"room:d{int(device_id)}", ip, audit, is_right)  # every meeting of the terminal's room
        return found[0]


def meeting_by_code(session: Session, gate: MeetingHostGate, device: Device, code: str, *,
                    ip: str = "") -> Meeting:
    """The meeting of the terminal's room, held today, whose host code this is (counted by the gate).
    Only a terminal hosts: a wall has no keypad, and its token must not stand in for one."""
    if device.role is not DeviceRole.TERMINAL:
        raise Forbidden(_("只有活动室终端可以主持会议。"), code="not_terminal")
    if device.room_id is None:
        raise Forbidden(_("本终端没有分配活动室。"), code="other_room")
    now = utcnow()
    candidates = list(session.scalars(select(Meeting).where(
        Meeting.room_id == device.room_id, Meeting.cancelled.is_(False),
        Meeting.starts_at < now + dt.timedelta(hours=12), Meeting.ends_at > now - dt.timedelta(hours=12))))
    meeting_id = gate.check_room(device.id, code, [m.id for m in candidates], ip=ip, device_name=device.name or "")
    return next(m for m in candidates if m.id == meeting_id)


def host_at_terminal(session: Session, settings: Settings, gate: MeetingHostGate, *, device: Device, code: str,
                     action: str, step: str = "", ref: int | None = None, reason: str = "", minutes: int = 15,
                     ip: str = "") -> dict[str, Any]:
    """One tap of the terminal's meeting host screen: ``check`` (enter host mode), ``close_signin``,
    ``reopen_signin``, ``step`` or ``end``. Returns the console page's state as JSON."""
    meeting = meeting_by_code(session, gate, device, code, ip=ip)
    host = Host(device=device, ip=ip)
    if action == "close_signin":
        close_signin(session, settings, host, meeting.id)
    elif action == "reopen_signin":
        reopen_signin(session, settings, host, meeting.id, reason=reason, minutes=minutes)
    elif action == "step":
        set_step(session, settings, host, meeting.id, step, ref)
    elif action == "end":
        set_step(session, settings, host, meeting.id, "end")
    elif action == "reveal":
        from screen_server.polls import services as polls

        poll = polls.get_poll(session, int(ref or 0))
        if poll.meeting_id != meeting.id:
            raise Invalid(_("该投票不属于本次会议。"))
        if poll.open:
            polls.close_poll(session, poll.id)
        polls.reveal_poll(session, poll.id)
        push(session, settings, meeting)
    elif action != "check":
        raise Invalid(_("未知的操作。"))
    return host_state(session, settings, meeting)


def host_state(session: Session, settings: Settings, meeting: Meeting) -> dict[str, Any]:
    """The terminal host screen's JSON: the meeting, sign-in, counts, steps to pick from, its ballots."""
    page = console_page(session, settings, meeting)
    return {"meeting": meeting_data(meeting), "window": page["window"], "counts": page["counts"],
            "step": page["step"], "agenda": page["agenda"],
            "items": [{"id": i.id, "title": i.title, "kind": str(i.kind)} for i in page["items"][:12]],
            "photos": [{"id": p.id, "caption": p.caption or p.original_filename} for p in page["photos"]],
            "polls": [{"id": p.id, "title": p.title, "open": p.open, "closed": p.closed_at is not None,
                       "revealed": p.revealed, "voters": r["voters"], "eligible": r["eligible"]}
                      for p, r in page["polls"]]}
