"""Meeting units of work: create and cancel meetings, record sign-ins, leave requests and make-ups,
and what a room's wall shows while a sign-in is open.

Services flush; the caller commits (``http.common.run``, or the sign-in writer in batches). Scope: a
branch secretary creates and corrects meetings of their own branch only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, exists, false, func, select, true, update
from sqlalchemy.orm import Session, selectinload

from content.orm import get_or_not_found
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.devices.models import Room
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.leases import MemoryMap, SharedMap
from screen_server.meetings import qr, quorum
from screen_server.meetings.models import (
    MEETING_TYPE_LABELS,
    Attendance,
    AttendanceCorrection,
    LeaveRequest,
    Meeting,
    MeetingType,
    SignInMethod,
    meeting_expected,
)
from screen_server.org.models import Branch, Member, PartyStatus, Role, User
from screen_server.org.services import branch_scope, mask_name, require_members_in_scope
from screen_server.push.viewer import Viewer

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
RECENT_ON_WALL = 40


def local_hm(at: dt.datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%H:%M")


def local_text(at: dt.datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M")


# --- meetings ----------------------------------------------------------------------------------------
def _check_scope(actor: User, branch_ids: Iterable[int]) -> None:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以管理会议。"))
    scope = branch_scope(actor)
    if scope is not None and any(b != scope for b in branch_ids):
        raise Forbidden(_("您只能管理本支部的会议。"))


def create_meeting(
    session: Session,
    settings: Settings,
    actor: User,
    *,
    title: str,
    type: MeetingType | str,
    branch_ids: Iterable[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room_id: int | None = None,
    signin_opens_at: dt.datetime | None = None,
    signin_closes_at: dt.datetime | None = None,
    host: str = "",
    recorder: str = "",
    agenda: str = "",
    expected_member_ids: Iterable[int] | None = None,
    quorum_rule: str | None = None,
) -> Meeting:
    """Create a meeting; expected attendees default to the active members of its branches, the quorum rule
    to the type's (a 支部党员大会 needs more than half of the members with a vote)."""
    branch_ids = sorted(set(branch_ids))
    _check_scope(actor, branch_ids)
    title = (title or "").strip()
    if not title:
        raise Invalid(_("请填写会议主题。"))
    try:
        mtype = MeetingType(type)
    except ValueError:
        raise Invalid(_("会议类型无效。")) from None
    if not branch_ids:
        raise Invalid(_("请至少选择一个支部。"))
    branches = list(session.scalars(select(Branch).where(Branch.id.in_(branch_ids))))
    if len(branches) != len(branch_ids):
        raise Invalid(_("所选支部不存在。"))
    if ends_at <= starts_at:
        raise Invalid(_("结束时间必须晚于开始时间。"))
    opens = signin_opens_at or starts_at - dt.timedelta(minutes=settings.signin_opens_minutes_before)
    closes = signin_closes_at or ends_at
    if not opens < closes or opens > starts_at:
        raise Invalid(_("签到时间段无效：须在会议开始前或开始时开放，并晚于开放时间结束。"))
    rule = quorum_rule or ("half" if mtype == MeetingType.BRANCH_GENERAL else "none")
    if rule not in quorum.RULES:
        raise Invalid(_("法定人数规则无效。"))
    room = session.get(Room, room_id) if room_id else None
    if room_id and room is None:
        raise Invalid(_("所选活动室不存在。"))
    if expected_member_ids is None:
        expected = list(session.scalars(
            select(Member).where(Member.branch_id.in_(branch_ids), Member.active.is_(True))
        ))
    else:
        ids = set(expected_member_ids)
        expected = list(session.scalars(select(Member).where(Member.id.in_(ids))))
        if len(expected) != len(ids):
            raise Invalid(_("应到人员中有不存在的党员。"))
        scope = branch_scope(actor)
        if scope is not None and any(m.branch_id != scope for m in expected):
            raise Forbidden(_("只能选择本支部的党员。"))
    meeting = Meeting(
        title=title, type=mtype, room=room, starts_at=starts_at, ends_at=ends_at, signin_opens_at=opens,
        signin_closes_at=closes, host=host.strip(), recorder=recorder.strip(), agenda=agenda.strip(),
        branches=branches, expected=expected, created_by_user_id=actor.id, quorum_rule=rule, minutes="",
        decisions="",
    )
    session.add(meeting)
    session.flush()
    stamp_expected_branches(session, meeting.id)
    record(session, actor_user_id=actor.id, action="meeting.create", target_type="meeting", target_id=meeting.id,
           details={"title": title, "type": mtype.value, "branches": branch_ids, "expected": len(expected),
                    "quorum_rule": rule})
    return meeting


def stamp_expected_branches(session: Session, meeting_id: int) -> None:
    """Write each expected member's current branch on their row, so that the place stays counted with the
    branch it was planned for when the member moves later."""
    session.execute(
        update(meeting_expected)
        .where(meeting_expected.c.meeting_id == meeting_id, meeting_expected.c.branch_id.is_(None))
        .values(branch_id=select(Member.branch_id).where(Member.id == meeting_expected.c.member_id)
                .scalar_subquery()))


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    return get_or_not_found(session, Meeting, meeting_id, _("会议不存在。"))


def get_meeting_for(session: Session, actor: User, meeting_id: int) -> Meeting:
    """A meeting the actor may manage (a secretary of another branch gets NotFound)."""
    meeting = get_meeting(session, meeting_id)
    scope = branch_scope(actor)
    if scope is not None and scope not in {b.id for b in meeting.branches}:
        raise NotFound(_("会议不存在或不在您的管理范围内。"))
    return meeting


def list_meetings(
    session: Session, actor: User, *, start: dt.datetime | None = None, end: dt.datetime | None = None,
    branch_id: int | None = None,
) -> list[Meeting]:
    stmt = select(Meeting).options(selectinload(Meeting.branches), selectinload(Meeting.room))
    scope = branch_scope(actor)
    wanted = scope if scope is not None else branch_id
    if wanted is not None:
        stmt = stmt.where(Meeting.branches.any(Branch.id == wanted))
    if start is not None:
        stmt = stmt.where(Meeting.starts_at >= start)
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < end)
    return list(session.scalars(stmt.order_by(Meeting.starts_at.desc())))


def set_expected(session: Session, actor: User, meeting_id: int, member_ids: Iterable[int]) -> Meeting:
    """Replace who is expected at a meeting (应到人员); those who signed in already and are no longer
    expected become guests, newly expected ones who already signed in stop being guests. Audited."""
    meeting = get_meeting_for(session, actor, meeting_id)
    ids = set(member_ids)
    members = list(session.scalars(select(Member).where(Member.id.in_(ids)))) if ids else []
    if len(members) != len(ids):
        raise Invalid(_("所选党员不存在。"))
    scope = branch_scope(actor)
    if scope is not None and any(m.branch_id != scope for m in members):
        raise Forbidden(_("只能选择本支部的党员。"))
    before = {m.id for m in meeting.expected}
    meeting.expected = members
    for attendance in session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)):
        attendance.guest = attendance.member_id not in ids
    record(session, actor_user_id=actor.id, action="meeting.expected", target_type="meeting", target_id=meeting.id,
           details={"added": sorted(ids - before), "removed": sorted(before - ids)})
    session.flush()
    stamp_expected_branches(session, meeting.id)
    return meeting


def cancel_meeting(session: Session, actor: User, meeting_id: int) -> Meeting:
    meeting = get_meeting_for(session, actor, meeting_id)
    _check_scope(actor, [b.id for b in meeting.branches])
    meeting.cancelled = True
    record(session, actor_user_id=actor.id, action="meeting.cancel", target_type="meeting", target_id=meeting.id)
    if meeting.room_id:
        emit(session, protocol.Event(protocol.SIGNIN_CLOSED, {"meeting_id": meeting.id}, room_id=meeting.room_id))
    return meeting


class SignInWindow(Protocol):
    """What the window rules read of a meeting (an ORM ``Meeting`` or a row of the sign-in batch)."""

    cancelled: bool
    signin_opens_at: dt.datetime
    signin_closes_at: dt.datetime


def window_state(meeting: SignInWindow, now: dt.datetime) -> str:
    """"not_open", "open" or "closed"."""
    if meeting.cancelled or now >= meeting.signin_closes_at:
        return "closed"
    return "open" if now >= meeting.signin_opens_at else "not_open"


def require_open(meeting: SignInWindow, now: dt.datetime) -> None:
    state = window_state(meeting, now)
    if meeting.cancelled:
        raise Invalid(_("会议已取消。"), code="meeting_cancelled")
    if state == "not_open":
        raise Invalid(_("签到尚未开始，将于 {t} 开放。").format(t=local_text(meeting.signin_opens_at)),
                      code="signin_not_open")
    if state == "closed":
        raise Invalid(_("签到已于 {t} 结束。").format(t=local_text(meeting.signin_closes_at)), code="signin_closed")


def signin_message(created: bool, signed_at: dt.datetime, late: bool) -> str:
    at = local_hm(signed_at)
    if not created:
        return _("您已于 {t} 签到，无需重复签到。").format(t=at)
    return _("签到成功（{t}）").format(t=at) + (_("，迟到") if late else "")


# --- attendance -----------------------------------------------------------------------------------
def is_expected(session: Session, meeting_id: int, member_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        meeting_expected.c.meeting_id == meeting_id, meeting_expected.c.member_id == member_id))))


def _count(*where: Any) -> Any:
    return select(func.count()).where(*where).scalar_subquery()


# Expected, signed in (not guests), guests, on leave, the same two figures for members with a vote, and
# the quorum rule, in one round trip: it runs after every sign-in batch, and each attendance count is an
# index-only range of ix_attendances_meeting_guest (the voting ones join members by primary key).
_meeting: Any = bindparam("meeting_id")
_attendances = cast(Table, Attendance.__table__)
_members = cast(Table, Member.__table__)
_full = _members.c.party_status == PartyStatus.FULL.value
COUNTS = select(_count(meeting_expected.c.meeting_id == _meeting),
                _count(_attendances.c.meeting_id == _meeting, _attendances.c.guest == false()),
                _count(_attendances.c.meeting_id == _meeting, _attendances.c.guest == true()),
                _count(cast(Table, LeaveRequest.__table__).c.meeting_id == _meeting),
                _count(meeting_expected.c.meeting_id == _meeting, meeting_expected.c.member_id == _members.c.id, _full),
                _count(_attendances.c.meeting_id == _meeting, _attendances.c.guest == false(),
                       _attendances.c.member_id == _members.c.id, _full),
                select(cast(Table, Meeting.__table__).c.quorum_rule)
                .where(cast(Table, Meeting.__table__).c.id == _meeting).scalar_subquery())


def with_quorum(c: protocol.SignInCounts) -> protocol.SignInCounts:
    """Recompute the derived figures (rate, quorum) after the raw counts changed."""
    c["rate"] = round(c["signed"] / c["expected"], 4) if c["expected"] else 0.0
    c["quorum"] = quorum.is_reached(c["quorum_rule"], c["voting_signed"], c["voting_expected"])
    c["quorum_needed"] = quorum.needed(c["quorum_rule"], c["voting_expected"])
    return c


def counts_from_row(row: Sequence[Any]) -> protocol.SignInCounts:
    exp, sig = int(row[0] or 0), int(row[1] or 0)
    c: protocol.SignInCounts = {
        "expected": exp, "signed": sig, "guests": int(row[2] or 0), "on_leave": int(row[3] or 0), "rate": 0.0,
        "voting_expected": int(row[4] or 0), "voting_signed": int(row[5] or 0),
        "quorum_rule": str(row[6] or "none"), "quorum": None, "quorum_needed": 0}
    return with_quorum(c)


def counts(session: Session, meeting: Meeting) -> protocol.SignInCounts:
    session.flush()
    return counts_from_row(session.connection().execute(COUNTS, {"meeting_id": meeting.id}).one())


def attendee_data(a: Attendance, *, mask: bool) -> protocol.AttendeeData:
    m = a.member
    return {"member_id": m.id, "name": mask_name(m.name) if mask else m.name,
            "branch": m.branch.short_name or m.branch.name, "signed_at": a.signed_at.isoformat(),
            "late": a.late, "guest": a.guest}


def fingerprint_of(pin_hash: str | None, generation: int | None = 0) -> str:
    """What a remembered phone's cookie holds of the member's PIN and phone generation: a new PIN, or
    "sign out all phones" (which raises the generation), signs every phone out."""
    return hashlib.sha256(f"{pin_hash or ''}|{generation or 0}".encode()).hexdigest()[:12]


def pin_fingerprint(member: Member) -> str:
    return fingerprint_of(member.pin_hash, member.phone_generation)


@dataclass(frozen=True, slots=True)
class Attended:
    """A member newly present at a meeting, in plain values: what an ``AttendedHook`` is given."""

    meeting_id: int
    member_id: int
    meeting_title: str
    meeting_starts_at: dt.datetime


# Called in the transaction that records attendance (the sign-in writer's batch, a make-up), e.g. to
# award points in the same commit. Hooks are the runtime's (``Runtime.attendance_hooks``), so the
# meetings area never imports the areas that listen.
AttendedHook = Callable[[Session, Sequence[Attended]], object]


def run_attended_hooks(session: Session, hooks: Sequence[AttendedHook], attended: Sequence[Attended]) -> None:
    """Each hook in its own savepoint: a failing hook is logged and undone, never the attendance."""
    if not attended:
        return
    for hook in hooks:
        try:
            with session.begin_nested():
                hook(session, attended)
        except Exception:
            log.exception("an attendance hook failed for %d sign-in(s); the sign-ins are kept", len(attended))


def _announce(session: Session, settings: Settings, meeting: Meeting, attendance: Attendance) -> None:
    if meeting.room_id is None:
        return
    payload = {"meeting_id": meeting.id, "attendee": attendee_data(attendance, mask=settings.mask_names),
               "counts": counts(session, meeting)}
    emit(session, protocol.Event(protocol.SIGNIN_RECORDED, payload, room_id=meeting.room_id))


def request_leave(
    session: Session, *, meeting_id: int, member_id: int, reason: str, entered_by: User | None = None,
) -> LeaveRequest:
    """请假: from the member's phone, or entered by the secretary."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写请假事由。"))
    meeting = get_meeting(session, meeting_id) if entered_by is None else get_meeting_for(session, entered_by, meeting_id)
    if entered_by is not None:
        require_members_in_scope(session, entered_by, [member_id])
    if meeting.cancelled or utcnow() >= meeting.signin_closes_at and entered_by is None:
        raise Invalid(_("会议已结束，无法在线请假，请联系支部书记。"))
    if session.scalar(select(Attendance.id).where(Attendance.meeting_id == meeting_id,
                                                  Attendance.member_id == member_id)) is not None:
        raise Invalid(_("您已签到，无需请假。"))
    leave = session.scalar(select(LeaveRequest).where(LeaveRequest.meeting_id == meeting_id,
                                                      LeaveRequest.member_id == member_id))
    if leave is None:
        leave = LeaveRequest(meeting_id=meeting_id, member_id=member_id, reason=reason[:200])
        session.add(leave)
    leave.reason = reason[:200]
    leave.entered_by_user_id = entered_by.id if entered_by else None
    if entered_by is not None:
        session.add(AttendanceCorrection(meeting_id=meeting_id, member_id=member_id, action="leave",
                                         reason=reason[:200], by_user_id=entered_by.id))
        record(session, actor_user_id=entered_by.id, action="meeting.leave", target_type="meeting",
               target_id=meeting_id, details={"member_id": member_id, "reason": reason})
    session.flush()
    return leave


def makeup_sign_in(
    session: Session, settings: Settings, actor: User, *, meeting_id: int, member_id: int, reason: str,
    signed_at: dt.datetime | None = None, on_attended: Sequence[AttendedHook] = (),
) -> Attendance:
    """补签: the secretary records a member as present after the fact, with a reason (and the hooks run,
    so that it earns what a sign-in earns)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("补签必须填写原因。"))
    meeting = get_meeting_for(session, actor, meeting_id)
    _check_scope(actor, [b.id for b in meeting.branches])
    (member,) = require_members_in_scope(session, actor, [member_id])
    if session.scalar(select(Attendance.id).where(Attendance.meeting_id == meeting_id,
                                                  Attendance.member_id == member_id)) is not None:
        raise Invalid(_("该党员已签到，无需补签。"))
    at = signed_at or min(utcnow(), meeting.starts_at)
    attendance = Attendance(meeting_id=meeting_id, member=member, signed_at=at, method=SignInMethod.MAKEUP,
                            late=False, guest=not is_expected(session, meeting_id, member_id), reason=reason[:200],
                            recorded_by_user_id=actor.id, branch_id=member.branch_id)
    session.add(attendance)
    leave = session.scalar(select(LeaveRequest).where(LeaveRequest.meeting_id == meeting_id,
                                                      LeaveRequest.member_id == member_id))
    if leave is not None:
        session.delete(leave)
    session.add(AttendanceCorrection(meeting_id=meeting_id, member_id=member_id, action="makeup",
                                     reason=reason[:200], by_user_id=actor.id))
    record(session, actor_user_id=actor.id, action="meeting.makeup", target_type="meeting", target_id=meeting_id,
           details={"member_id": member_id, "reason": reason})
    session.flush()
    run_attended_hooks(session, on_attended, [Attended(meeting.id, member_id, meeting.title, meeting.starts_at)])
    if window_state(meeting, utcnow()) == "open":
        _announce(session, settings, meeting, attendance)
    return attendance


def attendance_sheet(session: Session, meeting: Meeting) -> dict[str, Any]:
    """Every expected member with their status (present, leave, absent), the guests, and the counts."""
    present = {a.member_id: a for a in session.scalars(
        select(Attendance).options(selectinload(Attendance.member)).where(Attendance.meeting_id == meeting.id))}
    leaves = {lr.member_id: lr for lr in session.scalars(
        select(LeaveRequest).where(LeaveRequest.meeting_id == meeting.id))}
    people = []
    for m in sorted(meeting.expected, key=lambda x: x.number):
        a, lr = present.get(m.id), leaves.get(m.id)
        people.append({
            "member_id": m.id, "number": m.number, "name": m.name,
            "status": "present" if a else "leave" if lr else "absent",
            "signed_at": a.signed_at.isoformat() if a else None, "late": bool(a and a.late),
            "method": a.method.value if a else None, "reason": lr.reason if lr else (a.reason if a else ""),
        })
    guests = [{"member_id": a.member_id, "name": a.member.name, "signed_at": a.signed_at.isoformat()}
              for a in present.values() if a.guest]
    return {"counts": counts(session, meeting), "attendees": people, "guests": guests}


# --- what the wall shows --------------------------------------------------------------------------
def open_meeting_for_room(session: Session, room_id: int | None, now: dt.datetime | None = None) -> Meeting | None:
    if room_id is None:
        return None
    now = now or utcnow()
    return session.scalar(
        select(Meeting)
        .where(Meeting.room_id == room_id, Meeting.cancelled.is_(False), Meeting.signin_opens_at <= now,
               Meeting.signin_closes_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def roster(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """The meeting's expected members grouped by branch, for a terminal's name tiles."""
    expected = session.scalars(
        select(Member).join(meeting_expected, meeting_expected.c.member_id == Member.id)
        .where(meeting_expected.c.meeting_id == meeting.id, Member.active.is_(True))
        .options(selectinload(Member.branch)).order_by(Member.branch_id, Member.number)
    )
    groups: dict[int, dict[str, Any]] = {}
    for m in expected:
        group = groups.setdefault(m.branch_id, {"id": m.branch_id, "name": m.branch.short_name or m.branch.name,
                                               "members": []})
        group["members"].append({"id": m.id, "name": m.name})
    return list(groups.values())


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id, "title": meeting.title, "type": meeting.type.value,
        "type_label": MEETING_TYPE_LABELS[meeting.type], "starts_at": meeting.starts_at.astimezone(dt.UTC).isoformat(),
        "ends_at": meeting.ends_at.astimezone(dt.UTC).isoformat(),
        "signin_closes_at": meeting.signin_closes_at.astimezone(dt.UTC).isoformat(),
        "host": meeting.host, "branches": [b.short_name or b.name for b in meeting.branches],
    }


def qr_data(settings: Settings, meeting: Meeting, now: dt.datetime | None = None) -> protocol.QrData:
    code = qr.current(settings.secret_key, meeting.id, now or utcnow(), settings.qr_rotate_seconds)
    return {"path": code.path, "url": settings.public_url.rstrip("/") + code.path if settings.public_url else None,
            "expires_at": code.expires_at.isoformat(), "rotate_seconds": settings.qr_rotate_seconds}


def signin_state(session: Session, settings: Settings, meeting: Meeting) -> protocol.SignInState:
    recent = session.scalars(
        select(Attendance).options(selectinload(Attendance.member).selectinload(Member.branch))
        .where(Attendance.meeting_id == meeting.id).order_by(Attendance.signed_at.desc(), Attendance.id.desc())
        .limit(RECENT_ON_WALL)
    )
    return {"meeting": meeting_data(meeting), "qr": qr_data(settings, meeting), "counts": counts(session, meeting),
            "recent": [attendee_data(a, mask=settings.mask_names) for a in recent]}


def snapshot_part(session: Session, settings: Settings, viewer: Viewer) -> dict[str, Any]:
    meeting = open_meeting_for_room(session, viewer.room_id)
    return {"signin": signin_state(session, settings, meeting) if meeting else None}


def _made(meeting: Meeting) -> int:
    return round(meeting.created_at.timestamp() * 1000)


def _announced(entry: str | None, meeting: Meeting) -> int | None:
    """The QR window announced for ``meeting`` by a watcher entry, or None when the entry is another
    meeting's that had the same id (or there is none)."""
    window, _sep, made = (entry or "").partition(":")
    return int(window) if window and made == str(_made(meeting)) else None


class SignInWatcher:
    """The job that tells walls when a sign-in window opens or closes and when the QR rotates.

    Which QR window was last announced for each meeting is kept in ``shown`` (a ``leases.SharedMap``:
    Redis when scaling out), so a process that takes the job over from a dead one announces nothing twice.
    Each entry also names when its meeting was made: a database restored or made anew hands out meeting
    ids again, and an entry left by an older meeting with the same id must not pass for this one's (its
    wall would never be told that sign-in opened).
    """

    __name__ = "signin-watcher"
    KEY = "signin-qr"

    def __init__(self, settings: Settings, shown: SharedMap | None = None) -> None:
        self._settings = settings
        self._map: SharedMap = shown if shown is not None else MemoryMap()

    def __call__(self, session: Session) -> int:
        now = utcnow()
        open_now = list(session.scalars(select(Meeting).where(
            Meeting.cancelled.is_(False), Meeting.room_id.is_not(None), Meeting.signin_opens_at <= now,
            Meeting.signin_closes_at > now)))
        shown = {int(k): v for k, v in self._map.get(self.KEY).items()}  # meeting id → "window:made"
        changed = 0
        for meeting in open_now:
            window = qr.window_of(now, self._settings.qr_rotate_seconds)
            last = _announced(shown.get(meeting.id), meeting)
            if last is None:
                state = signin_state(session, self._settings, meeting)
                emit(session, protocol.Event(protocol.SIGNIN_OPENED, {"signin": state}, room_id=meeting.room_id))
            elif last != window:
                emit(session, protocol.Event(protocol.SIGNIN_QR, {"meeting_id": meeting.id,
                     "qr": qr_data(self._settings, meeting, now)}, room_id=meeting.room_id))
            if last != window:
                self._map.set(self.KEY, str(meeting.id), f"{window}:{_made(meeting)}")
                changed += 1
        still_open = {m.id for m in open_now}
        for meeting_id in set(shown) - still_open:
            self._map.delete(self.KEY, str(meeting_id))
            closed = session.get(Meeting, meeting_id)
            announced = closed is not None and _announced(shown[meeting_id], closed) is not None
            if closed is not None and closed.room_id is not None and announced:
                emit(session, protocol.Event(protocol.SIGNIN_CLOSED, {"meeting_id": meeting_id},
                                             room_id=closed.room_id))
        return changed
