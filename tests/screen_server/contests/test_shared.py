"""Two engines on one live store and one database, as two server processes are: a player joins through
one and answers through the other, a repeated answer is refused wherever it lands, the host's steps
work from either, the question clock runs on one lease holder and is taken over when it lapses, and an
answer a dead process accepted but never committed does not count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server import protocol
from screen_server.contests import services as contests
from screen_server.contests.engine import LEASE_SECONDS, ContestEngine
from screen_server.contests.live import Meta, Seed
from screen_server.errors import Conflict
from screen_server.leases import MemoryLeases
from screen_server.runtime import Runtime
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_member, make_room


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def pair(runtime: Runtime, session: Session) -> dict[str, Any]:
    branch = make_branch(session, short_name="一支部")
    members = [make_member(session, branch_id=branch.id) for _ in range(3)]
    qs = []
    for stem in ("第一题", "第二题"):
        q = Question(kind=QuestionKind.SINGLE, stem=stem, answer="B", status=ReviewStatus.PUBLISHED, difficulty=1,
                     options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"])
        session.add(q)
        session.flush()
        qs.append(q)
    contest = contests.create_contest(session, title="两进程", room_id=make_room(session).id, questions=2,
                                      seconds=20, question_ids=[q.id for q in qs])
    session.commit()
    clock, lease_clock = Clock(), [0.0]
    leases = MemoryLeases()
    leases.now = lambda: lease_clock[0]
    a = runtime.contests
    b = ContestEngine(runtime.session_factory, runtime.bus, a.store, leases, owner="proc-b")
    a.leases, a.owner = leases, "proc-a"
    a.now = b.now = clock
    return {"a": a, "b": b, "id": contest.id, "members": members, "clock": clock, "lease_clock": lease_clock}


def test_join_on_one_answer_on_the_other(runtime: Runtime, pair: dict[str, Any]) -> None:
    a, b, cid, clock = pair["a"], pair["b"], pair["id"], pair["clock"]
    log = EventLog(runtime.bus)
    p1, p2 = a.join(cid, pair["members"][0]), b.join(cid, pair["members"][1])
    assert b.join(cid, pair["members"][0]).id == p1.id  # the same member through the other process
    b.start(cid)
    with pytest.raises(Conflict):
        a.start(cid)  # started already, on the other process
    clock.advance(2)
    assert b.answer(cid, p1.id, p1.secret, 1, "B").points == 950  # p1 joined through a, answers through b
    with pytest.raises(Conflict, match="不能重复"):
        a.answer(cid, p1.id, p1.secret, 1, "B")
    a.answer(cid, p2.id, p2.secret, 1, "A")
    a.close_now(cid)
    b.close_now(cid)  # closed already: nothing happens, nothing is published twice
    reveals = [e for e in log.of(protocol.CONTEST_STATE) if e.payload["contest"]["status"] == "reveal"]
    assert len(reveals) == 1 and reveals[0].payload["contest"]["answered"] == 2
    assert [r["score"] for r in reveals[0].payload["contest"]["board"]] == [950, 0]
    assert b.player_state(b.get(cid), p1)["last"] == {"index": 1, "correct": True, "points": 950}


def test_the_clock_runs_on_the_lease_holder_and_is_taken_over(runtime: Runtime, pair: dict[str, Any]) -> None:
    a, b, cid, clock, lease_clock = pair["a"], pair["b"], pair["id"], pair["clock"], pair["lease_clock"]
    log = EventLog(runtime.bus)
    a.join(cid, pair["members"][0])
    a.start(cid)
    a.tick()  # a holds the contest now
    clock.advance(21)  # the time is up, but a has died and ticks no more
    b.tick()
    assert b.get(cid).status == "question"  # b does not hold the lease yet
    lease_clock[0] += LEASE_SECONDS + 0.1
    b.tick()  # the lease lapsed: b takes the contest over and closes the question at once
    assert b.get(cid).status == "reveal"
    assert len([e for e in log.of(protocol.CONTEST_STATE) if e.payload["contest"]["status"] == "reveal"]) == 1


def test_an_answer_accepted_but_never_committed_does_not_count(pair: dict[str, Any]) -> None:
    a, b, cid, clock = pair["a"], pair["b"], pair["id"], pair["clock"]
    p1, p2 = a.join(cid, pair["members"][0]), a.join(cid, pair["members"][1])
    a.start(cid)
    clock.advance(1)
    b.answer(cid, p1.id, p1.secret, 1, "B")
    # A process accepts p2's answer in the live store, then dies before its commit (never acknowledged).
    assert a.store.answer(a.info(cid).ref, p2.id, 1, int(clock().timestamp() * 1000), 300, True, 975, ["B"]) == 975
    b.close_now(cid)
    reveal = b.public_state(b.get(cid))
    assert [(r["player_id"], r["score"]) for r in reveal["board"]] == [(p1.id, 975), (p2.id, 0)]
    assert reveal["answered"] == 1
    assert a.store.scores(a.info(cid).ref)[p2.id] == (0, 0)  # the live state was repaired from the database


def test_a_store_that_outlived_its_database_does_not_leak_into_a_new_contest(pair: dict[str, Any]) -> None:
    """A database restored from a backup (or made anew) counts contest ids from the start again while the
    shared store still holds the old contests: a new contest with an old id starts from its own lobby."""
    a, cid = pair["a"], pair["id"]
    old = f"{cid}.1.123456"  # the same id, made at another time with another code
    a.store.init(old, Seed(Meta("question", 1, 1, 2), {999: (900, 1)}, {999: (True, 900)}, {"B": 1}, ["张**"]))
    assert a.info(cid).ref != old and old in a.store.active()
    player = a.join(cid, pair["members"][0])  # the old contest was in a question: this one is in its lobby
    live = a.get(cid)
    assert live.status == "lobby" and live.view.players == 1 and len(live.view.lobby) == 1
    assert a.store.scores(a.info(cid).ref) == {player.id: (0, 0)}
    a.tick()  # the clock lets go of the contest this database does not know
    assert old not in a.store.active() and a.info(cid).ref in a.store.active()
