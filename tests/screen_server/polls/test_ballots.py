"""Ballots of a meeting: who receives one (signed in; 正式党员 when a vote is required), quorum before
opening, totals hidden until closed and revealed, 民主评议党员 per-member counts, and unlinkability: after
10 ballots no table row, log line or pushed message ties a member to a choice or to a moment."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from sqlalchemy.orm import Session

from content.orm import Base
from screen_server import protocol
from screen_server.config import Settings
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.meetings import signins
from screen_server.meetings.models import MeetingType, SignInMethod
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Member, PartyStatus, Role
from screen_server.polls import services as polls
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_member, make_room, make_user

RATINGS = ["优秀", "合格", "基本合格", "不合格"]


def _meeting(session: Session, settings: Settings, n: int = 12, probationary: int = 1):  # type: ignore[no-untyped-def]
    branch = make_branch(session)
    members = [make_member(session, branch_id=branch.id, name=f"党员{i:02d}",
                           party_status=PartyStatus.PROBATIONARY if i >= n - probationary else PartyStatus.FULL)
               for i in range(n)]
    secretary = make_user(session, Role.SECRETARY, branch_id=branch.id)
    room = make_room(session)
    now = dt.datetime.now(dt.UTC)
    meeting = create_meeting(session, settings, secretary, title="支部党员大会", type=MeetingType.BRANCH_GENERAL,
                             branch_ids=[branch.id], room_id=room.id, starts_at=now + dt.timedelta(minutes=5),
                             ends_at=now + dt.timedelta(hours=2), signin_opens_at=now - dt.timedelta(minutes=1))
    session.commit()
    return meeting, members, secretary


def _sign_in(session: Session, settings: Settings, meeting_id: int, members: list[Member]) -> None:
    for m in members:
        signins.record_sign_in(session, settings, meeting_id=meeting_id, member_id=m.id, method=SignInMethod.TERMINAL)
    session.commit()


def test_quorum_gate_and_who_receives_a_ballot(session: Session, settings: Settings) -> None:
    meeting, members, _sec = _meeting(session, settings, n=12, probationary=1)  # 11 with a vote: 6 needed
    poll = polls.create_poll(session, title="表决：发展对象", options=["同意", "不同意", "弃权"], meeting_id=meeting.id,
                             anonymous=True, requires_vote=True, open_now=False)
    session.commit()
    _sign_in(session, settings, meeting.id, members[:5] + [members[11]])  # 5 with a vote + the 预备党员
    with pytest.raises(Conflict, match="未达到法定人数") as no_quorum:
        polls.open_poll(session, poll.id)
    assert no_quorum.value.code == "no_quorum"
    session.rollback()
    _sign_in(session, settings, meeting.id, members[5:6])  # the sixth with a vote: 6 of 11
    polls.open_poll(session, poll.id)
    session.commit()
    with pytest.raises(Forbidden, match="已签到参会"):
        polls.vote(session, poll.id, members[7], [0])  # not signed in
    with pytest.raises(Forbidden, match="预备党员"):
        polls.vote(session, poll.id, members[11], [0])
    with pytest.raises(Invalid):
        polls.vote(session, poll.id, members[0], [7])
    session.rollback()
    polls.vote(session, poll.id, members[0], [0])
    session.commit()
    with pytest.raises(Conflict, match="只能投一次"):
        polls.vote(session, poll.id, members[0], [1])
    session.rollback()
    r = polls.results(session, poll)
    assert r["voters"] == 1 and r["eligible"] == 6 and r["hidden"]
    assert all("count" not in o for o in r["options"])  # turnout only while open
    with pytest.raises(Conflict, match="先结束"):
        polls.reveal_poll(session, poll.id)
    session.rollback()
    polls.close_poll(session, poll.id)
    assert "count" not in polls.results(session, poll)["options"][0]  # closed, not yet revealed: screens see no totals
    assert polls.results(session, poll, for_secretary=True)["options"][0]["count"] == 1
    polls.reveal_poll(session, poll.id)
    assert polls.results(session, poll)["options"][0]["count"] == 1


def test_ten_appraisal_ballots_leave_no_link(runtime, session: Session, settings: Settings,  # type: ignore[no-untyped-def]
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    meeting, members, _sec = _meeting(session, settings, n=10, probationary=0)
    _sign_in(session, settings, meeting.id, members)
    poll = polls.create_poll(session, title="民主评议党员", form="appraisal", meeting_id=meeting.id, anonymous=True,
                             requires_vote=True)
    session.commit()
    log = EventLog(runtime.bus)
    chosen: dict[int, dict[int, int]] = {}
    order = members[7:] + members[:7][::-1]  # not the order of their ids
    for i, voter in enumerate(order):
        ratings = {s.id: (i + j) % 4 for j, s in enumerate(members) if s.id != voter.id}
        chosen[voter.id] = ratings
        polls.vote(session, poll.id, voter, ratings=ratings)
        session.commit()
    pushed = [e.to_json() for e in log.events]
    polls.close_poll(session, poll.id)
    session.commit()
    secretary_view = polls.results(session, poll, for_secretary=True)
    expected_counts = {s.id: [0, 0, 0, 0] for s in members}
    for ratings in chosen.values():
        for subject, r in ratings.items():
            expected_counts[subject][r] += 1
    assert {s["member_id"]: s["counts"] for s in secretary_view["subjects"]} == expected_counts

    # 1. every pushed message during voting: turnout only, no member, no rating, no count
    assert pushed and all(json.loads(p)["type"] == protocol.POLL_UPDATED for p in pushed)
    for p in pushed:
        payload = json.loads(p)["payload"]["poll"]
        assert all(set(o) == {"index", "text"} for o in payload["options"]) and "subjects" not in payload
        assert not any(m.name in p or m.number in p for m in members)
    assert [json.loads(p)["payload"]["poll"]["voters"] for p in pushed] == list(range(1, 11))
    # 2. every table: member ids sit only beside the poll id, with nothing that orders or times them
    rows = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(table.select()).mappings():
            rows.append((table.name, {k: v for k, v in row.items()}))
    assert not any(t == "poll_voters" for t, _r in rows)  # no table of voters: its order would be their order
    poll_row = next(r for t, r in rows if t == "polls" and r["id"] == poll.id)
    assert poll_row["voted"] == sorted(m.id for m in members) and poll_row["voters"] == 10  # a set, in key order
    tally_rows = [r for t, r in rows if t == "poll_tallies"]
    assert all(set(r) == {"id", "poll_id", "subject", "option", "count"} for r in tally_rows)
    audit = [r for t, r in rows if t == "audit_entries"]
    assert not any(a["action"].startswith("poll.vote") for a in audit)  # no per-vote event
    for t, r in rows:
        if t in ("members", "attendances", "meeting_expected", "points_ledger", "polls"):
            continue
        dump = json.dumps(r, default=str, ensure_ascii=False)
        for m in members:  # no other row names a voter next to a rating
            if re.search(rf'"member_id": {m.id}\b', dump) or m.name in dump:
                assert not any(label in dump for label in RATINGS), (t, dump)
    # 3. the logs: no member next to a choice, no member at all from voting
    for record in caplog.records:
        message = record.getMessage()
        assert not any(m.number in message or m.name in message for m in members) or \
            not any(label in message for label in RATINGS), message


def test_ballots_at_the_same_moment(runtime, session: Session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """Twelve phones at once, two of them the same member twice: every member counted once, nobody twice."""
    import threading

    meeting, members, _sec = _meeting(session, settings, n=10, probationary=0)
    _sign_in(session, settings, meeting.id, members)
    poll = polls.create_poll(session, title="表决", options=["同意", "不同意"], meeting_id=meeting.id, anonymous=True)
    session.commit()
    poll_id, ids = poll.id, [m.id for m in members]
    outcomes: list[str] = []
    start = threading.Barrier(12)

    def ballot(member_id: int) -> None:
        with runtime.session_factory() as s:
            member = s.get(Member, member_id)
            start.wait()
            try:
                polls.vote(s, poll_id, member, [member_id % 2])
                s.commit()
                outcomes.append("ok")
            except Conflict as exc:
                s.rollback()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=ballot, args=(i,)) for i in [*ids, ids[0], ids[1]]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    session.expire_all()
    assert outcomes.count("ok") == 10 and sorted(o for o in outcomes if o != "ok") == ["voted", "voted"]
    r = polls.results(session, polls.get_poll(session, poll_id), for_secretary=True)
    assert r["voters"] == 10 and polls.get_poll(session, poll_id).voted == sorted(ids)
