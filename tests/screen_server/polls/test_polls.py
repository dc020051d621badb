"""Polls and anonymous ballots: after 20 members vote, no table row and no log line connects a member
to a choice; a second ballot from a member who voted is refused and changes nothing; rules and the
phone page; totals pushed to the room's walls."""

from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from content.orm import Base
from screen_server import protocol
from screen_server.errors import Conflict, Forbidden, Invalid
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.polls import services as polls
from screen_server.polls.models import PollTally
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_member, make_room


def _dump(session: Session) -> str:
    """Every row of every table, as text."""
    rows = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(table.select()).mappings():
            rows.append(f"{table.name}: " + json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False))
    for name in ("content_search",):
        try:
            rows += [str(r) for r in session.execute(text(f"SELECT * FROM {name}"))]
        except Exception:  # not on this database
            session.rollback()
    return "\n".join(rows)


def test_an_anonymous_ballot_keeps_no_link(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    branch = make_branch(session)
    voters = [make_member(session, branch_id=branch.id, name=f"评议人{i:02d}") for i in range(21)]
    candidates = ["张同志", "李同志", "王同志"]
    poll = polls.create_poll(session, title="民主评议党员", kind="single", options=candidates, branch_id=branch.id,
                             anonymous=True)
    session.commit()
    choices = {}
    for i, member in enumerate(voters[:20]):
        choices[member.id] = i % 3
        polls.vote(session, poll.id, member, [i % 3])
        session.commit()
    assert [t.count for t in session.scalars(select(PollTally).order_by(PollTally.option))] == [7, 7, 6]
    dump = _dump(session)
    for member in voters[:20]:  # no stored row holds a member together with a choice
        for line in dump.splitlines():
            if f'"member_id": "{member.id}"' in line or member.name in line or member.number in line:
                assert not any(c in line for c in candidates) and "choice" not in line
                assert line.startswith(("members:", "polls:", "audit_entries:")), line
    poll_row = next(json.loads(line.split(": ", 1)[1]) for line in dump.splitlines() if line.startswith("polls:"))
    assert json.loads(poll_row["voted"].replace("'", '"')) == sorted(m.id for m in voters[:20])  # a set, sorted
    for record in caplog.records:
        message = record.getMessage()
        assert not any(c in message for c in candidates) or not any(m.name in message for m in voters)
    with pytest.raises(Conflict, match="只能投一次"):
        polls.vote(session, poll.id, voters[0], [2])  # the 21st ballot, from someone who voted
    session.rollback()
    assert [t.count for t in session.scalars(select(PollTally).order_by(PollTally.option))] == [7, 7, 6]
    polls.vote(session, poll.id, voters[20], [1])  # the 21st member, who had not voted
    session.commit()
    assert polls.results(session, poll)["voters"] == 21


def test_rules_and_live_totals(runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    room, branch, other = make_room(session), make_branch(session), make_branch(session)
    member, outsider = make_member(session, branch_id=branch.id), make_member(session, branch_id=other.id)
    log = EventLog(runtime.bus)
    with pytest.raises(Invalid, match="2 到 20"):
        polls.create_poll(session, title="只有一个", kind="single", options=["一"])
    rating = polls.create_poll(session, title="活动满意度", kind="rating", room_id=room.id)
    multi = polls.create_poll(session, title="下次活动主题", kind="multiple", options=["党史", "廉政", "志愿服务"],
                              max_choices=2, room_id=room.id, branch_id=branch.id)
    session.commit()
    with pytest.raises(Invalid, match="最多选择 2 项"):
        polls.vote(session, multi.id, member, [0, 1, 2])
    with pytest.raises(Forbidden):
        polls.vote(session, multi.id, outsider, [0])
    polls.vote(session, multi.id, member, [0, 2])
    polls.vote(session, rating.id, member, [4])
    session.commit()
    pushed = log.wait(protocol.POLL_UPDATED, where=lambda e: e.payload["poll"]["id"] == rating.id
                      and e.payload["poll"]["voters"] == 1)
    assert pushed.payload["poll"]["average"] == 5.0 and pushed.room_id == room.id
    polls.close_poll(session, multi.id)
    session.commit()
    with pytest.raises(Conflict, match="已经结束"):
        polls.vote(session, multi.id, outsider, [0])


def test_phone_votes_once(client: FlaskClient, session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    member = make_member(session)
    poll = polls.create_poll(session, title="是否同意", kind="single", options=["同意", "不同意"], anonymous=True)
    session.commit()
    page = client.get(f"/v/{poll.id}").get_data(as_text=True)
    assert "无记名投票" in page and "党员编号" in page
    wrong = client.post(f"/v/{poll.id}", data={"choice": "0", "number": member.number, "pin": "1"})
    assert wrong.status_code == 401
    done = client.post(f"/v/{poll.id}", data={"choice": "0", "number": member.number, "pin": "135790"})
    assert "投票成功" in done.get_data(as_text=True) and PHONE_COOKIE in done.headers.get("Set-Cookie", "")
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    again = client.post(f"/v/{poll.id}", data={"choice": "1"})
    assert again.status_code == 409 and "只能投一次" in again.get_data(as_text=True)
    assert "您已经投过票了" in client.get(f"/v/{poll.id}").get_data(as_text=True)
