"""Recording sign-ins: the sign-in writer's batches, and a single sign-in (a batch of one).

A meeting's rush is this server's hottest write path (dozens of phones within seconds), so a batch is
recorded in SQLAlchemy Core with statements built once at import: the meetings, the members with
their branches, what is recorded already (by meeting and member, or by a resent client id) and who is
expected are each read in one query for the whole batch; the new rows go in with one executemany;
each meeting's counts are read once and carried forward, so that every sign-in still gets its own
``signin.recorded`` event with the counts it made. Profiled under the bench load, the ORM version of
this (identity map, unit of work, statements built per call) cost about 1 ms of CPU per sign-in; this
one costs a fraction of that (``docs/architecture.md``, "The sign-in writer").

The rules are those of ``services``: the window (``require_open``), resent client ids, repeats,
guests, a phone's PIN fingerprint. Every refusal is the request's own ``DomainError``; the batch goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.bus import emit
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.errors import Conflict, DomainError, NotAuthenticated, NotFound
from screen_server.i18n import _
from screen_server.meetings.models import Attendance, Meeting, SignInMethod, meeting_expected
from screen_server.meetings.services import (
    COUNTS,
    Attended,
    AttendedHook,
    counts_from_row,
    fingerprint_of,
    require_open,
    run_attended_hooks,
    signin_message,
    with_quorum,
)
from screen_server.org.models import Branch, Member, PartyStatus
from screen_server.org.services import mask_name

_A, _M, _P, _B = (cast(Table, m.__table__) for m in (Attendance, Meeting, Member, Branch))
_E = meeting_expected
_MEETINGS = select(_M.c.id, _M.c.title, _M.c.room_id, _M.c.starts_at, _M.c.signin_opens_at, _M.c.signin_closes_at,
                   _M.c.cancelled).where(_M.c.id.in_(bindparam("meeting_ids", expanding=True)))
_MEMBERS = (select(_P.c.id, _P.c.name, _P.c.active, _P.c.pin_hash, _P.c.branch_id, _P.c.phone_generation,
                   _P.c.party_status, _B.c.name.label("branch"),
                   _B.c.short_name.label("branch_short"))
            .join_from(_P, _B, _P.c.branch_id == _B.c.id)
            .where(_P.c.id.in_(bindparam("member_ids", expanding=True))))
_RECORDED = select(_A.c.meeting_id, _A.c.member_id, _A.c.client_id, _A.c.signed_at, _A.c.late, _A.c.guest).where(or_(
    and_(_A.c.meeting_id.in_(bindparam("meeting_ids", expanding=True)),
         _A.c.member_id.in_(bindparam("member_ids", expanding=True))),
    _A.c.client_id.in_(bindparam("client_ids", expanding=True))))
_EXPECTED = select(_E.c.meeting_id, _E.c.member_id).where(_E.c.meeting_id.in_(bindparam("meeting_ids", expanding=True)),
                                                          _E.c.member_id.in_(bindparam("member_ids", expanding=True)))
_INSERT = insert(_A)


@dataclass(frozen=True, slots=True)
class SignInAnswer:
    """What the member is told, in plain values (the session may be gone)."""

    created: bool  # False: they had signed in already, and this is the earlier record
    message: str
    meeting_id: int
    meeting_title: str
    member_id: int
    member_name: str
    signed_at: str
    late: bool
    guest: bool


@dataclass(frozen=True, slots=True)
class Recorded:
    """A batch's outcome: one answer (or refusal) per request, in order, and who is newly present."""

    answers: list[SignInAnswer | DomainError]
    attended: list[Attended]


def record_sign_ins(
    session: Session, settings: Settings, requests: Sequence[Mapping[str, Any]], *, now: dt.datetime | None = None,
) -> Recorded:
    """Record a batch of sign-ins in the session's transaction (the caller commits). Each request has
    ``meeting_id``, ``member_id``, ``method`` and optionally ``client_id``, ``device_id`` and
    ``pin_fingerprint`` (a remembered phone's claim, checked against the member's PIN)."""
    now = now or utcnow()
    session.flush()  # Core reads below do not autoflush: let them see what the caller added
    conn = session.connection()
    meeting_ids = sorted({int(r["meeting_id"]) for r in requests})
    member_ids = sorted({int(r["member_id"]) for r in requests})
    client_ids = sorted({str(r["client_id"]) for r in requests if r.get("client_id")})
    meetings = {row.id: row for row in conn.execute(_MEETINGS, {"meeting_ids": meeting_ids})}
    members = {row.id: row for row in conn.execute(_MEMBERS, {"member_ids": member_ids})}
    present: dict[tuple[int, int], Any] = {}  # recorded rows (as mappings), and this batch's new ones
    by_client: dict[str, Any] = {}
    for row in conn.execute(_RECORDED, {"meeting_ids": meeting_ids, "member_ids": member_ids,
                                        "client_ids": client_ids}).mappings():
        present[(row["meeting_id"], row["member_id"])] = row
        if row["client_id"]:
            by_client[row["client_id"]] = row
    expected = {(row.meeting_id, row.member_id) for row in conn.execute(
        _EXPECTED, {"meeting_ids": meeting_ids, "member_ids": member_ids})}

    answers: list[SignInAnswer | DomainError] = []
    fresh: list[dict[str, Any]] = []
    for r in requests:
        meeting_id, member_id, client_id = int(r["meeting_id"]), int(r["member_id"]), r.get("client_id") or None
        meeting, member = meetings.get(meeting_id), members.get(member_id)
        if meeting is None:
            answers.append(NotFound(_("会议不存在。")))
            continue
        earlier = by_client.get(client_id) if client_id else None
        if earlier is not None and (earlier["meeting_id"], earlier["member_id"]) != (meeting_id, member_id):
            answers.append(Conflict(_("重复的请求编号。")))
            continue
        earlier = earlier or present.get((meeting_id, member_id))
        if earlier is not None:  # signed in before (or earlier in this batch): harmless
            answers.append(_answer(False, meeting, member_id, member, earlier["signed_at"], earlier["late"],
                                   earlier["guest"]))
            continue
        try:
            require_open(meeting, now)
        except DomainError as exc:
            answers.append(exc)
            continue
        claimed = r.get("pin_fingerprint")
        # A new PIN, or "sign out all phones", signed this phone out.
        if (member is not None and claimed is not None
                and claimed != fingerprint_of(member.pin_hash, member.phone_generation)):
            answers.append(NotAuthenticated(_("请先用党员编号和密码登录。")))
            continue
        if member is None or not member.active:
            answers.append(NotFound(_("党员不存在。")))
            continue
        values = {"meeting_id": meeting_id, "member_id": member_id, "signed_at": now,
                  "method": SignInMethod(r["method"]), "late": now > meeting.starts_at,
                  "guest": (meeting_id, member_id) not in expected, "client_id": client_id,
                  "device_id": r.get("device_id"), "branch_id": member.branch_id}
        fresh.append(values)
        present[(meeting_id, member_id)] = values
        if client_id:
            by_client[client_id] = values
        answers.append(_answer(True, meeting, member_id, member, now, values["late"], values["guest"]))
    if fresh:
        conn.execute(_INSERT, fresh)
        _announce(session, settings, meetings, members, fresh)
    attended = [Attended(v["meeting_id"], v["member_id"], meetings[v["meeting_id"]].title,
                         meetings[v["meeting_id"]].starts_at) for v in fresh]
    return Recorded(answers, attended)


def record_sign_in(
    session: Session, settings: Settings, *, meeting_id: int, member_id: int, method: SignInMethod,
    client_id: str | None = None, device_id: int | None = None, now: dt.datetime | None = None,
    on_attended: Sequence[AttendedHook] = (),
) -> SignInAnswer:
    """One sign-in (the demo data, tests, scripts): the same rules as a batch; raises the refusal."""
    done = record_sign_ins(session, settings, [{"meeting_id": meeting_id, "member_id": member_id, "method": method,
                                                "client_id": client_id, "device_id": device_id}], now=now)
    answer = done.answers[0]
    if isinstance(answer, DomainError):
        raise answer
    run_attended_hooks(session, on_attended, done.attended)
    return answer


def _answer(created: bool, meeting: Any, member_id: int, member: Any, signed_at: dt.datetime,
            late: bool, guest: bool) -> SignInAnswer:
    return SignInAnswer(created, signin_message(created, signed_at, late), meeting.id, meeting.title, member_id,
                        member.name if member is not None else "", signed_at.isoformat(), late, guest)


def _announce(session: Session, settings: Settings, meetings: Mapping[int, Any], members: Mapping[int, Any],
              fresh: Sequence[Mapping[str, Any]]) -> None:
    """One ``signin.recorded`` per new sign-in, each with the counts as they stood after it."""
    conn = session.connection()
    running: dict[int, protocol.SignInCounts] = {}
    for meeting_id in {v["meeting_id"] for v in fresh}:
        if meetings[meeting_id].room_id is None:
            continue
        after = counts_from_row(conn.execute(COUNTS, {"meeting_id": meeting_id}).one())  # includes this batch
        mine = [v for v in fresh if v["meeting_id"] == meeting_id]
        after["signed"] -= sum(not v["guest"] for v in mine)
        after["guests"] -= sum(bool(v["guest"]) for v in mine)
        after["voting_signed"] -= sum(not v["guest"] and members[v["member_id"]].party_status == PartyStatus.FULL.value
                                      for v in mine)
        running[meeting_id] = after
    for v in fresh:
        c = running.get(v["meeting_id"])
        if c is None:
            continue
        member = members[v["member_id"]]
        c["signed" if not v["guest"] else "guests"] += 1
        if not v["guest"] and member.party_status == PartyStatus.FULL.value:
            c["voting_signed"] += 1
        with_quorum(c)
        attendee: protocol.AttendeeData = {
            "member_id": member.id, "name": mask_name(member.name) if settings.mask_names else member.name,
            "branch": member.branch_short or member.branch, "signed_at": v["signed_at"].isoformat(),
            "late": v["late"], "guest": v["guest"]}
        emit(session, protocol.Event(protocol.SIGNIN_RECORDED,
                                     {"meeting_id": v["meeting_id"], "attendee": attendee, "counts": dict(c)},
                                     room_id=meetings[v["meeting_id"]].room_id))
