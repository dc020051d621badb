"""Polls: create, open and close (admin), vote (a member, once), results.

A vote adds one to each chosen option's total and records *that* the member voted, in one transaction;
the ballot itself is not stored, and no log line names a member with a choice. So an anonymous ballot
(民主评议) cannot be traced back, and a second ballot from the same member is refused by the voters
table. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content.orm import get_or_not_found
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.i18n import _
from screen_server.org.models import Member
from screen_server.polls.models import Poll, PollTally, PollVoter

KINDS = {"single": "单选", "multiple": "多选", "rating": "评分"}
RATING = ["1", "2", "3", "4", "5"]


def create_poll(session: Session, *, title: str, kind: str, options: Sequence[str] = (), max_choices: int = 1,
                room_id: int | None = None, branch_id: int | None = None, anonymous: bool = False,
                actor_user_id: int | None = None) -> Poll:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("请填写投票标题（不超过 200 字）。"))
    if kind not in KINDS:
        raise Invalid(_("投票类型应是单选、多选或评分。"))
    choices = RATING if kind == "rating" else [o.strip() for o in options if o.strip()]
    if kind != "rating" and not 2 <= len(choices) <= 20:
        raise Invalid(_("请填写 2 到 20 个选项，每行一个。"))
    if len(set(choices)) != len(choices):
        raise Invalid(_("选项不能重复。"))
    max_choices = 1 if kind != "multiple" else max(1, min(int(max_choices or len(choices)), len(choices)))
    poll = Poll(title=title, kind=kind, options=choices, max_choices=max_choices, room_id=room_id, branch_id=branch_id,
                anonymous=anonymous, created_by_user_id=actor_user_id, open=True)
    session.add(poll)
    session.flush()
    session.add_all([PollTally(poll_id=poll.id, option=i, count=0) for i in range(len(choices))])
    record(session, actor_user_id=actor_user_id, action="poll.created", target_type="poll", target_id=poll.id,
           details={"title": title, "kind": kind, "anonymous": anonymous, "room_id": room_id})
    session.flush()
    _push(session, poll)
    return poll


def get_poll(session: Session, poll_id: int) -> Poll:
    return get_or_not_found(session, Poll, poll_id, _("投票不存在。"))


def close_poll(session: Session, poll_id: int, *, actor_user_id: int | None = None) -> Poll:
    poll = get_poll(session, poll_id)
    poll.open, poll.closed_at = False, dt.datetime.now(dt.UTC)
    record(session, actor_user_id=actor_user_id, action="poll.closed", target_type="poll", target_id=poll.id)
    session.flush()
    _push(session, poll)
    return poll


def vote(session: Session, poll_id: int, member: Member, choices: Sequence[int]) -> dict[str, Any]:
    """One ballot: refused when the poll is closed, the member not eligible, the choice invalid, or they
    voted already. Only the totals change."""
    poll = get_poll(session, poll_id)
    if not poll.open:
        raise Conflict(_("投票已经结束。"), code="closed")
    if poll.branch_id is not None and member.branch_id != poll.branch_id:
        raise Forbidden(_("您不在本次投票的范围内。"))
    picked = sorted(set(int(c) for c in choices))
    if not picked or any(not 0 <= c < len(poll.options) for c in picked):
        raise Invalid(_("请选择有效的选项。"))
    if poll.kind != "multiple" and len(picked) != 1:
        raise Invalid(_("只能选择一项。"))
    if len(picked) > poll.max_choices:
        raise Invalid(_("最多选择 {n} 项。").format(n=poll.max_choices))
    try:
        with session.begin_nested():
            session.add(PollVoter(poll_id=poll.id, member_id=member.id))
    except IntegrityError:
        raise Conflict(_("您已经投过票了，每人只能投一次。"), code="voted") from None
    session.execute(update(PollTally).where(PollTally.poll_id == poll.id, PollTally.option.in_(picked))
                    .values(count=PollTally.count + 1))
    session.flush()
    _push(session, poll)
    return results(session, poll)


def has_voted(session: Session, poll_id: int, member_id: int) -> bool:
    return session.scalar(select(PollVoter.id).where(PollVoter.poll_id == poll_id,
                                                     PollVoter.member_id == member_id)) is not None


def results(session: Session, poll: Poll) -> dict[str, Any]:
    counts = {t.option: t.count for t in session.scalars(select(PollTally).where(PollTally.poll_id == poll.id))}
    voters = session.scalar(select(func.count(PollVoter.id)).where(PollVoter.poll_id == poll.id)) or 0
    rows: list[dict[str, Any]] = [{"index": i, "text": text, "count": int(counts.get(i, 0))}
                                  for i, text in enumerate(poll.options)]
    data: dict[str, Any] = {"id": poll.id, "title": poll.title, "kind": poll.kind, "open": poll.open,
                            "anonymous": poll.anonymous, "voters": int(voters), "options": rows,
                            "max_choices": poll.max_choices}
    if poll.kind == "rating":
        tallies = [int(r["count"]) for r in rows]
        total = sum(tallies)
        data["average"] = round(sum((i + 1) * n for i, n in enumerate(tallies)) / total, 2) if total else None
    return data


def _push(session: Session, poll: Poll) -> None:
    if poll.room_id is not None:
        emit(session, protocol.Event(protocol.POLL_UPDATED, {"poll": results(session, poll)}, room_id=poll.room_id))


def open_poll_in_room(session: Session, room_id: int | None) -> Poll | None:
    if room_id is None:
        return None
    return session.scalar(select(Poll).where(Poll.room_id == room_id, Poll.open.is_(True))
                          .order_by(Poll.id.desc()).limit(1))


def snapshot_part(session: Session, settings: Any, viewer: Any) -> dict[str, Any]:
    poll = open_poll_in_room(session, viewer.room_id)
    return {"poll": results(session, poll) if poll else None}
