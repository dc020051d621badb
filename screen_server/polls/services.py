"""Polls and ballots: create, open, close and reveal (admin or the meeting's host), vote (a member, once),
results.

A vote adds one to each chosen option's total and records *that* the member voted, in one transaction;
the ballot itself is not stored, no row or log line names a member with a choice, and nothing records
when a member voted: who voted is one sorted set on the poll (a table of voters would keep the order of
arrival in its ids or its physical order). A second ballot from the same member is refused by that set.

A ballot of a meeting (``meeting_id``) goes only to members signed in to that meeting (not guests), and,
when it ``requires_vote``, only to 正式党员; it cannot open while the meeting lacks quorum. With
``hide_results`` the totals stay on the server until the poll is closed and revealed: what is pushed
while voting is the turnout (voted / eligible), never a count. An appraisal (民主评议党员) is one ballot
with a rating (优秀/合格/基本合格/不合格) of each member of the branch; its tallies are per rated member
and rating. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from content.orm import get_or_not_found
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.models import Attendance, Meeting
from screen_server.meetings.services import counts
from screen_server.org.models import Member, PartyStatus, Role, User
from screen_server.org.services import branch_scope
from screen_server.polls.models import Poll, PollTally

KINDS = {"single": "单选", "multiple": "多选", "rating": "评分"}
RATING = ["1", "2", "3", "4", "5"]
APPRAISAL = ["优秀", "合格", "基本合格", "不合格"]
FORMS = {"question": "投票", "appraisal": "民主评议党员"}


def create_poll(session: Session, *, title: str, kind: str = "single", options: Sequence[str] = (),
                max_choices: int = 1, room_id: int | None = None, branch_id: int | None = None,
                anonymous: bool = False, actor_user_id: int | None = None, meeting_id: int | None = None,
                requires_vote: bool = False, hide_results: bool | None = None, form: str = "question",
                open_now: bool = True) -> Poll:
    """Create a poll (or a meeting's ballot). A meeting's ballot takes the meeting's room; an appraisal
    rates each expected member of the meeting; ``open_now=False`` keeps it ready until ``open_poll``."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("请填写投票标题（不超过 200 字）。"))
    if form not in FORMS:
        raise Invalid(_("投票形式无效。"))
    meeting = session.get(Meeting, meeting_id) if meeting_id else None
    if meeting_id and (meeting is None or meeting.cancelled):
        raise Invalid(_("所选会议不存在或已取消。"))
    subjects: list[dict[str, Any]] = []
    if form == "appraisal":
        if meeting is None:
            raise Invalid(_("民主评议党员须属于一次会议。"))
        kind, choices = "single", list(APPRAISAL)
        subjects = [{"id": m.id, "name": m.name} for m in sorted(meeting.expected, key=lambda m: m.number)]
        if not subjects:
            raise Invalid(_("该会议没有应到党员，无法评议。"))
    else:
        if kind not in KINDS:
            raise Invalid(_("投票类型应是单选、多选或评分。"))
        choices = RATING if kind == "rating" else [o.strip() for o in options if o.strip()]
        if kind != "rating" and not 2 <= len(choices) <= 20:
            raise Invalid(_("请填写 2 到 20 个选项，每行一个。"))
        if len(set(choices)) != len(choices):
            raise Invalid(_("选项不能重复。"))
    max_choices = 1 if kind != "multiple" else max(1, min(int(max_choices or len(choices)), len(choices)))
    if meeting is not None:
        room_id = meeting.room_id
    hidden = bool(anonymous and meeting is not None) if hide_results is None else hide_results
    poll = Poll(title=title, kind=kind, options=choices, max_choices=max_choices, room_id=room_id, branch_id=branch_id,
                anonymous=anonymous, created_by_user_id=actor_user_id, open=False, meeting_id=meeting_id,
                requires_vote=requires_vote, hide_results=hidden, revealed=False, form=form, subjects=subjects)
    session.add(poll)
    session.flush()
    session.add_all([PollTally(poll_id=poll.id, subject=s, option=i, count=0)
                     for s in ([x["id"] for x in subjects] or [0]) for i in range(len(choices))])
    record(session, actor_user_id=actor_user_id, action="poll.created", target_type="poll", target_id=poll.id,
           details={"title": title, "kind": kind, "form": form, "anonymous": anonymous, "room_id": room_id,
                    "meeting_id": meeting_id, "requires_vote": requires_vote, "hide_results": hidden})
    session.flush()
    if open_now:
        open_poll(session, poll.id, actor_user_id=actor_user_id)
    return poll


def get_poll(session: Session, poll_id: int) -> Poll:
    return get_or_not_found(session, Poll, poll_id, _("投票不存在。"))


def get_poll_for(session: Session, actor: User, poll_id: int) -> Poll:
    """A poll ``actor`` may manage: any for an admin; a secretary only their own branch's (another
    branch's, or one for everyone, is NotFound to them)."""
    poll = get_poll(session, poll_id)
    scope = branch_scope(actor)
    if actor.role not in (Role.ADMIN, Role.SECRETARY) or (scope is not None and poll.branch_id != scope):
        raise NotFound(_("投票不存在或不在您的管理范围内。"))
    return poll


def list_polls(session: Session, actor: User, *, limit: int = 50) -> Sequence[Poll]:
    """The newest polls ``actor`` may manage."""
    stmt = select(Poll).order_by(Poll.id.desc()).limit(limit)
    scope = branch_scope(actor)
    if scope is not None:
        stmt = stmt.where(Poll.branch_id == scope)
    return session.scalars(stmt).all()


def _managed(session: Session, poll_id: int, actor: User | None, actor_user_id: int | None) -> tuple[Poll, int | None]:
    """The poll, checked against ``actor``'s scope when given (every admin page), and who acts."""
    poll = get_poll(session, poll_id) if actor is None else get_poll_for(session, actor, poll_id)
    return poll, (actor.id if actor is not None else actor_user_id)


def open_poll(session: Session, poll_id: int, *, actor_user_id: int | None = None, actor: User | None = None) -> Poll:
    """Open a poll for voting; a meeting's ballot only while the meeting has quorum."""
    poll, actor_user_id = _managed(session, poll_id, actor, actor_user_id)
    if poll.open:
        return poll
    if poll.closed_at is not None:
        raise Conflict(_("投票已经结束，不能再次开始。"))
    if poll.meeting_id is not None:
        meeting = session.get(Meeting, poll.meeting_id)
        assert meeting is not None
        c = counts(session, meeting)
        if c["quorum"] is False:
            raise Conflict(_("未达到法定人数（有表决权实到 {n} 人，至少需要 {k} 人），不能开始表决。").format(
                n=c["voting_signed"], k=c["quorum_needed"]), code="no_quorum")
    poll.open = True
    record(session, actor_user_id=actor_user_id, action="poll.opened", target_type="poll", target_id=poll.id)
    session.flush()
    _push(session, poll)
    return poll


def close_poll(session: Session, poll_id: int, *, actor_user_id: int | None = None, actor: User | None = None) -> Poll:
    """Close a poll; with ``actor`` given (every admin page), only one they may manage."""
    poll, actor_user_id = _managed(session, poll_id, actor, actor_user_id)
    poll.open, poll.closed_at = False, dt.datetime.now(dt.UTC)
    record(session, actor_user_id=actor_user_id, action="poll.closed", target_type="poll", target_id=poll.id,
           details={"voters": voter_count(session, poll.id)})
    session.flush()
    _push(session, poll)
    return poll


def reveal_poll(session: Session, poll_id: int, *, actor_user_id: int | None = None,
                actor: User | None = None) -> Poll:
    """Show a closed poll's totals on the wall (the host's tap)."""
    poll, actor_user_id = _managed(session, poll_id, actor, actor_user_id)
    if poll.open:
        raise Conflict(_("请先结束投票，再公布结果。"), code="still_open")
    poll.revealed = True
    record(session, actor_user_id=actor_user_id, action="poll.revealed", target_type="poll", target_id=poll.id)
    session.flush()
    _push(session, poll)
    return poll


def can_receive(session: Session, poll: Poll, member: Member) -> None:
    """Raise unless the member receives this ballot: of the poll's branch; for a meeting's ballot, signed
    in to the meeting (guests excluded) and, when a vote is required, a 正式党员."""
    if poll.branch_id is not None and member.branch_id != poll.branch_id:
        raise Forbidden(_("您不在本次投票的范围内。"))
    if poll.meeting_id is not None:
        present = session.scalar(select(Attendance.id).where(
            Attendance.meeting_id == poll.meeting_id, Attendance.member_id == member.id,
            Attendance.guest.is_(False)))
        if present is None:
            raise Forbidden(_("只有已签到参会的党员才能领取本次表决票。"), code="not_present")
        if poll.requires_vote and member.party_status != PartyStatus.FULL:
            raise Forbidden(_("本次表决仅限正式党员，预备党员没有表决权。"), code="no_vote")


def vote(session: Session, poll_id: int, member: Member, choices: Sequence[int] = (),
         ratings: Mapping[int, int] | None = None) -> dict[str, Any]:
    """One ballot: refused when the poll is not open, the member does not receive it, the choice is
    invalid, or they voted already. Only the totals change. An appraisal takes ``ratings``: rated member
    id → rating index, one for each member of the branch but the voter."""
    poll = get_poll(session, poll_id)
    if not poll.open:
        raise Conflict(_("投票尚未开始或已经结束。"), code="closed")
    can_receive(session, poll, member)
    if poll.form == "appraisal":
        wanted = {int(s["id"]) for s in poll.subjects or [] if int(s["id"]) != member.id}
        # A phone that identified on the ballot page itself was shown every member: its own rating is dropped.
        given = {int(k): int(v) for k, v in (ratings or {}).items() if int(k) != member.id}
        if set(given) != wanted:
            raise Invalid(_("请为每一位党员选择评议等次。"))
        if any(not 0 <= v < len(poll.options) for v in given.values()):
            raise Invalid(_("评议等次无效。"))
        picked_pairs = sorted(given.items())
    else:
        picked = sorted(set(int(c) for c in choices))
        if not picked or any(not 0 <= c < len(poll.options) for c in picked):
            raise Invalid(_("请选择有效的选项。"))
        if poll.kind != "multiple" and len(picked) != 1:
            raise Invalid(_("只能选择一项。"))
        if len(picked) > poll.max_choices:
            raise Invalid(_("最多选择 {n} 项。").format(n=poll.max_choices))
        picked_pairs = [(0, c) for c in picked]
    _mark_voted(session, poll, member.id)
    for subject, option in picked_pairs:
        session.execute(update(PollTally).where(PollTally.poll_id == poll.id, PollTally.subject == subject,
                                                PollTally.option == option).values(count=PollTally.count + 1))
    session.flush()
    _push(session, poll)
    return results(session, poll)


def _mark_voted(session: Session, poll: Poll, member_id: int) -> None:
    """Add the member to the poll's set of voters, once: compare-and-set on the set's size, so two ballots
    at the same moment cannot both pass (PostgreSQL also locks the row while it reads)."""
    poll_id = poll.id
    for _attempt in range(50):
        row = session.execute(select(Poll.voted, Poll.voters).where(Poll.id == poll_id).with_for_update()).one()
        voted = [int(v) for v in row.voted or []]
        if member_id in voted:
            raise Conflict(_("您已经投过票了，每人只能投一次。"), code="voted")
        changed = session.execute(update(Poll).where(Poll.id == poll_id, Poll.voters == row.voters)
                                  .values(voted=sorted([*voted, member_id]), voters=row.voters + 1))
        if getattr(changed, "rowcount", 1) == 1:
            session.expire(poll, ["voted", "voters"])
            return
    raise Conflict(_("投票的人较多，请再提交一次。"), code="busy")


def has_voted(session: Session, poll_id: int, member_id: int) -> bool:
    voted = session.scalar(select(Poll.voted).where(Poll.id == poll_id))
    return member_id in (voted or [])


def voter_count(session: Session, poll_id: int) -> int:
    return int(session.scalar(select(Poll.voters).where(Poll.id == poll_id)) or 0)


def eligible_count(session: Session, poll: Poll) -> int | None:
    """How many members receive a meeting's ballot (None for a poll not tied to a meeting)."""
    if poll.meeting_id is None:
        return None
    stmt = select(func.count()).select_from(Attendance).where(Attendance.meeting_id == poll.meeting_id,
                                                              Attendance.guest.is_(False))
    if poll.requires_vote:
        stmt = stmt.join(Member, Member.id == Attendance.member_id).where(Member.party_status == PartyStatus.FULL)
    return int(session.scalar(stmt) or 0)


def shows_totals(poll: Poll) -> bool:
    """Whether the totals may leave the server to screens and phones."""
    return not poll.hide_results or (poll.revealed and not poll.open)


def results(session: Session, poll: Poll, *, for_secretary: bool = False) -> dict[str, Any]:
    """The poll as screens see it. Totals only when ``shows_totals`` (or for the secretary once closed);
    otherwise the turnout alone."""
    data: dict[str, Any] = {"id": poll.id, "title": poll.title, "kind": poll.kind, "form": poll.form, "open": poll.open,
                            "anonymous": poll.anonymous, "voters": voter_count(session, poll.id),
                            "eligible": eligible_count(session, poll), "max_choices": poll.max_choices,
                            "meeting_id": poll.meeting_id, "requires_vote": poll.requires_vote,
                            "hidden": poll.hide_results and not poll.revealed, "revealed": poll.revealed,
                            "labels": list(poll.options)}
    totals = shows_totals(poll) or (for_secretary and not poll.open and poll.closed_at is not None)
    if not totals:
        data["options"] = [{"index": i, "text": text} for i, text in enumerate(poll.options)]
        return data
    tallies = {(t.subject, t.option): t.count for t in session.scalars(select(PollTally).where(PollTally.poll_id == poll.id))}
    if poll.form == "appraisal":
        subjects = [{"member_id": s["id"], "name": s["name"],
                     "counts": [int(tallies.get((int(s["id"]), i), 0)) for i in range(len(poll.options))]}
                    for s in poll.subjects or []]
        data["subjects"] = subjects
        data["options"] = [{"index": n, "text": s["name"], "count": s["counts"][0],
                            "detail": " · ".join(f"{lbl} {c}" for lbl, c in zip(poll.options, s["counts"], strict=True))}
                           for n, s in enumerate(subjects)]
        return data
    rows: list[dict[str, Any]] = [{"index": i, "text": text, "count": int(tallies.get((0, i), 0))}
                                  for i, text in enumerate(poll.options)]
    data["options"] = rows
    if poll.kind == "rating":
        counts_ = [int(r["count"]) for r in rows]
        total = sum(counts_)
        data["average"] = round(sum((i + 1) * n for i, n in enumerate(counts_)) / total, 2) if total else None
    return data


def _push(session: Session, poll: Poll) -> None:
    if poll.room_id is not None:
        emit(session, protocol.Event(protocol.POLL_UPDATED, {"poll": results(session, poll)}, room_id=poll.room_id))


def open_poll_in_room(session: Session, room_id: int | None) -> Poll | None:
    if room_id is None:
        return None
    return session.scalar(select(Poll).where(Poll.room_id == room_id, Poll.open.is_(True))
                          .order_by(Poll.id.desc()).limit(1))


def meeting_polls(session: Session, meeting_id: int) -> list[Poll]:
    return list(session.scalars(select(Poll).where(Poll.meeting_id == meeting_id).order_by(Poll.id)))


def snapshot_part(session: Session, settings: Any, viewer: Any) -> dict[str, Any]:
    poll = open_poll_in_room(session, viewer.room_id)
    return {"poll": results(session, poll) if poll else None}
