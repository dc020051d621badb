"""Closing a question or the contest: every player's committed score (``settle``), one question's
stored answers (``answers_of``), the reveal the screens show with the ranks (``reveal``), and the
scores, status and points written back (``store_scores``). The engine calls these after winning the
compare-and-set on the live status, so only one process ever runs them for a close."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from screen_server.contests import board
from screen_server.contests.live import ANSWERED, LiveStore
from screen_server.contests.models import Contest, ContestAnswer, ContestPlayer, ContestStatus
from screen_server.contests.parts import ContestInfo, Settled
from screen_server.i18n import _
from screen_server.points import services as points

log = logging.getLogger(__name__)
SETTLE_SECONDS = 1.0  # at a close, how long answers accepted just before it may take to be committed


def store_scores(session_factory: sessionmaker[Session], info: ContestInfo, settled: Settled, *,
                 status: ContestStatus, now: dt.datetime, award: bool = False) -> None:
    """Write the scores and the status at a close; at the end, award every player the points."""
    with session_factory() as s:
        rows = [{"id": pid, "score": sc, "correct": right} for pid, (sc, right) in settled.scores.items()]
        if rows:
            s.execute(update(ContestPlayer), rows)  # bulk UPDATE by primary key
        values: dict[str, Any] = {"status": status}
        if status == ContestStatus.FINISHED:
            values["finished_at"] = now
        s.execute(update(Contest).where(Contest.id == info.id).values(**values))
        if award:
            rule = points.get_rule(s, points.CONTEST)
            day = points.local_day(now)
            for member_id in settled.members.values():
                points.award(s, member_id, points.CONTEST, ref=f"contest:{info.id}", day=day,
                             reason=_("参加知识竞赛《{t}》").format(t=info.title), rule=rule)
        s.commit()


def settle(session_factory: sessionmaker[Session], store: LiveStore, info: ContestInfo, position: int) -> Settled:
    """Every player with their score and right answers as committed, once the answers the store
    accepted for ``position`` are all in the database (or ``SETTLE_SECONDS`` passed). One query.

    The board is made from the database, not from the store: an answer a process accepted and then
    died before committing (so it was never acknowledged) must not count. When the two differ, the
    store is repaired from the database."""
    expected = store.counts(info.ref, position)[ANSWERED]
    deadline = time.monotonic() + SETTLE_SECONDS
    query = (select(ContestPlayer.id, ContestPlayer.member_id, ContestPlayer.name, ContestPlayer.branch,
                    func.coalesce(func.sum(ContestAnswer.points), 0),
                    func.count(ContestAnswer.id).filter(ContestAnswer.correct.is_(True)),
                    func.count(ContestAnswer.id).filter(ContestAnswer.position == position))
             .outerjoin(ContestAnswer, ContestAnswer.player_id == ContestPlayer.id)
             .where(ContestPlayer.contest_id == info.id).group_by(ContestPlayer.id))
    while True:
        settled = Settled()
        stored = 0
        with session_factory() as s:
            for pid, member_id, name, branch, score, right, here in s.execute(query):
                settled.scores[pid] = (int(score or 0), int(right or 0))
                settled.names[pid] = (name, branch)
                settled.members[pid] = member_id
                stored += int(here or 0)
        if stored >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.02)  # a commit in flight; bounded by the deadline
    if stored != expected:
        log.warning("contest %s question %s: %s answers accepted, %s stored; repairing the live state",
                    info.id, position, expected, stored)
        results, counts = answers_of(session_factory, info, position)
        store.repair(info.ref, position, settled.scores, results, counts)
    return settled


def answers_of(session_factory: sessionmaker[Session], info: ContestInfo,
               position: int) -> tuple[dict[int, tuple[bool, int]], dict[str, int]]:
    """One question's stored answers: each player's result, and the distribution."""
    results: dict[int, tuple[bool, int]] = {}
    counts: dict[str, int] = {}
    q = info.question(position)
    with session_factory() as s:
        for pid, given, right, pts in s.execute(
                select(ContestAnswer.player_id, ContestAnswer.answer, ContestAnswer.correct, ContestAnswer.points)
                .where(ContestAnswer.contest_id == info.id, ContestAnswer.position == position)):
            results[pid] = (bool(right), int(pts))
            for label in board.labels(q, given) if q is not None else []:
                counts[label] = counts.get(label, 0) + 1
            counts[ANSWERED] = counts.get(ANSWERED, 0) + 1
    return results, counts


def reveal(store: LiveStore, info: ContestInfo, settled: Settled, counts: Any,
           shown: Callable[[str], str]) -> tuple[dict[str, Any], dict[int, int]]:
    """The board (rank changes against the ranks saved at the last close), the teams and the counts."""
    top, ranks = board.rank(settled.scores, {}, settled.names)
    for row in top:
        row["name"] = shown(row["name"])  # names are masked on screens (10 rows, not every player)
    before = store.ranks_of(info.ref, [row["player_id"] for row in top])
    reveal: dict[str, Any] = {"board": board.with_changes(top, before)}
    if info.team_mode:
        reveal["teams"] = board.teams(settled.scores, {pid: nb[1] for pid, nb in settled.names.items()})
    if counts is not None:
        reveal["counts"] = dict(counts)
    return reveal, ranks
