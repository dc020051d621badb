"""The live contest engine: joining, the host's steps, answers and scoring, and the question clock. Any
server process runs any of it for any contest. Beside it: ``parts`` (the plain data it hands around),
``writer`` (the thread that group-commits answers), ``closing`` (the board and scores at a close).

Every decision is made on the servers' clock (kept in sync): whether the question is open, whether
this player already answered, whether the request really is this player's (their secret), and the
points (correct answers score 500–1,000, more for answering sooner). The live state is in a
``live.LiveStore`` (Redis when ``REDIS_URL`` is set, else this process's memory): an answer is accepted
by one atomic step there, so two processes never both accept it, and no lock is held across I/O. An
answer is acknowledged only once its row is committed; if the commit fails its points are taken back.

What lasts is in the database: players, answers, the status and the scores at each close. A store that
lost a contest (a Redis restart, a server restart without Redis) rebuilds it from there.

When a question's time is up the process holding the contest's lease closes it (``tick``, run by
``clock.ContestClock``); the close is a compare-and-set, so a host's early close and the timer cannot
both close it. The answer distribution and the top ten with their rank changes go out at once in one
``contest.state`` event to the room (walls and players' phones).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from content.models import Question
from content.questions import is_correct
from screen_server import protocol
from screen_server.bus import Bus
from screen_server.contests import board, closing
from screen_server.contests.live import LiveStore, Meta, Seed, Standing
from screen_server.contests.models import (
    Contest,
    ContestAnswer,
    ContestPlayer,
    ContestQuestion,
    ContestStatus,
)
from screen_server.contests.parts import (
    Accepted,
    ContestInfo,
    LiveContest,
    PlayerState,
    Roster,
    Settled,
    ms,
    points_for,
)
from screen_server.contests.writer import AnswerWriter
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.leases import Leases, new_owner
from screen_server.org.services import mask_name

__all__ = ["LEASE_SECONDS", "TICK_SECONDS", "ContestEngine", "LiveContest", "PlayerState", "points_for"]

log = logging.getLogger(__name__)
LOBBY_NAMES = 40
TOP = board.TOP
GRACE_MS = 300  # an answer sent in the last instant may arrive this much after the close
LEASE_SECONDS = 3.0  # a dead holder's contests are taken over after this (plus one tick)
TICK_SECONDS = 0.5  # lobby pushes at most twice a second; non-holders look for lapsed leases this often


class ContestEngine:
    def __init__(self, session_factory: sessionmaker[Session], bus: Bus, store: LiveStore, leases: Leases, *,
                 mask_names: bool = True, owner: str = "") -> None:
        self.session_factory = session_factory
        self.bus = bus
        self.store = store
        self.leases = leases
        self.owner = owner or new_owner("contests")
        self.mask_names = mask_names
        self._infos: dict[int, ContestInfo] = {}
        self._rosters: dict[int, Roster] = {}
        self._lock = threading.Lock()  # guards the two caches above (dictionary work only)
        self._writer = AnswerWriter(session_factory)
        self.on_change: Callable[[], None] = lambda: None  # the clock's wake-up
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def is_stalled(self, limit: float) -> bool:
        """Whether the answer writer died or is stuck (for the watchdog)."""
        return self._writer.is_stalled(limit)

    def close(self) -> None:
        self._writer.close()

    # --- loading ---------------------------------------------------------------------------------------

    def info(self, contest_id: int) -> ContestInfo:
        info = self._infos.get(contest_id)
        if info is None:
            info = self._load_info(contest_id)
            with self._lock:
                info = self._infos.setdefault(contest_id, info)
        return info

    def _load_info(self, contest_id: int) -> ContestInfo:
        with self.session_factory() as s:
            contest = s.get(Contest, contest_id)
            if contest is None:
                raise NotFound(_("竞赛不存在。"))
            rows = s.scalars(select(ContestQuestion).where(ContestQuestion.contest_id == contest_id)
                             .order_by(ContestQuestion.position)).all()
            questions = {q.id: q for q in s.scalars(select(Question).options(selectinload(Question.options))
                                                   .where(Question.id.in_([r.question_id for r in rows])))}
            ordered = [questions[r.question_id] for r in rows]
            for q in ordered:
                s.expunge(q)
            return ContestInfo(contest.id, contest.room_id, contest.title, contest.code, contest.team_mode,
                               contest.question_seconds, ordered, ms(contest.created_at))

    def _meta(self, contest_id: int) -> Meta:
        ref = self.info(contest_id).ref
        meta = self.store.meta(ref)
        if meta is None:
            self.store.init(ref, self._seed(contest_id))  # only the first of racing processes writes
            meta = self.store.meta(ref)
            assert meta is not None
        return meta

    def _seed(self, contest_id: int) -> Seed:
        """The live state rebuilt from what the database keeps."""
        info = self.info(contest_id)
        roster = self._roster(contest_id, refresh=True)
        with self.session_factory() as s:
            contest = s.get(Contest, contest_id)
            if contest is None:
                raise NotFound(_("竞赛不存在。"))
            current = s.scalar(select(ContestQuestion).where(ContestQuestion.contest_id == contest_id,
                                                             ContestQuestion.position == contest.current))
            meta = Meta(str(contest.status), contest.current, ms(current.opened_at if current else None),
                        ms(current.closes_at if current else None))
            scores = {pid: (0, 0) for pid in roster.by_id}
            for pid, score, right in s.execute(
                    select(ContestAnswer.player_id, func.sum(ContestAnswer.points),
                           func.count().filter(ContestAnswer.correct.is_(True)))
                    .where(ContestAnswer.contest_id == contest_id).group_by(ContestAnswer.player_id)):
                scores[pid] = (int(score or 0), int(right or 0))
        results, counts = closing.answers_of(self.session_factory, info, contest.current)
        order = sorted(roster.by_id)
        lobby = [roster.by_id[p].shown_name for p in order[-LOBBY_NAMES:]]
        reveal = None
        ranks: dict[int, int] = {}
        if meta.status in (ContestStatus.REVEAL, ContestStatus.FINISHED):
            settled = Settled(scores, {pid: (p.name, p.branch) for pid, p in roster.by_id.items()})
            reveal, ranks = closing.reveal(self.store, info, settled, counts, self._shown)
        return Seed(meta, scores, results, counts, lobby, reveal, ranks)

    def _roster(self, contest_id: int, *, refresh: bool = False, member_id: int | None = None,
                player_id: int | None = None) -> Roster:
        """This process's players of the contest; ``refresh`` loads the ones it does not know yet (all of
        them, or the one member or player asked for: they joined through another process)."""
        with self._lock:
            roster = self._rosters.setdefault(contest_id, Roster())
        if refresh or member_id is not None or player_id is not None:
            query = select(ContestPlayer).where(ContestPlayer.contest_id == contest_id)
            if member_id is not None:
                query = query.where(ContestPlayer.member_id == member_id)
            elif player_id is not None:
                query = query.where(ContestPlayer.id == player_id)
            with self.session_factory() as s:
                found = [PlayerState(p.id, p.member_id, p.name, self._shown(p.name), p.branch, p.secret)
                         for p in s.scalars(query.order_by(ContestPlayer.id))]
            with roster.lock:  # dictionary work only: no lock is held across I/O
                for player in found:
                    if player.id not in roster.by_id:
                        roster.add(player)
        return roster

    def get(self, contest_id: int) -> LiveContest:
        info = self.info(contest_id)
        view = self.store.view(info.ref)
        if view is None:
            self._meta(contest_id)
            view = self.store.view(info.ref)
            assert view is not None
        return LiveContest(info, view)

    def _shown(self, name: str) -> str:
        return mask_name(name) if self.mask_names else name

    # --- players -----------------------------------------------------------------------------------------

    def join(self, contest_id: int, member: Any) -> PlayerState:
        """Add a member to the contest (joining again returns the same player, so a dropped phone resumes)."""
        self.info(contest_id)
        roster = self._roster(contest_id)
        known = roster.by_member.get(member.id)
        if known is not None:
            return roster.by_id[known]
        if self._meta(contest_id).status == ContestStatus.FINISHED:
            raise Conflict(_("本场竞赛已经结束。"))
        secret = secrets.token_urlsafe(24)
        branch = member.branch.short_name or member.branch.name if member.branch else ""
        try:
            with self.session_factory() as s:
                player = ContestPlayer(contest_id=contest_id, member_id=member.id, name=member.name,
                                       branch_id=member.branch_id, branch=branch, secret=secret)
                s.add(player)
                s.commit()
                state = PlayerState(player.id, member.id, member.name, self._shown(member.name), branch, secret)
        except IntegrityError:  # joined a moment ago through another process: the same player
            known = self._roster(contest_id, member_id=member.id).by_member.get(member.id)
            if known is None:
                raise
            return roster.by_id[known]
        with roster.lock:
            roster.add(state)
        self.store.add_player(self.info(contest_id).ref, state.id, state.shown_name, LOBBY_NAMES)
        return state

    def player(self, contest_id: int, player_id: int, secret: str) -> PlayerState:
        roster = self._roster(contest_id)
        state = roster.by_id.get(player_id)
        if state is None:  # joined through another process (a forged id costs one indexed read)
            state = self._roster(contest_id, player_id=player_id).by_id.get(player_id)
        if state is None or not secrets.compare_digest(state.secret, secret or ""):
            raise Forbidden(_("选手身份无效，请重新扫码加入竞赛。"), code="player_forged")
        return state

    # --- the host ------------------------------------------------------------------------------------------

    def start(self, contest_id: int) -> None:
        info = self.info(contest_id)
        meta = self._meta(contest_id)
        if meta.status != ContestStatus.LOBBY:
            raise Conflict(_("竞赛已经开始。"))
        if not info.questions:
            raise Invalid(_("竞赛还没有题目。"))
        if not self._open(info, meta, 1):
            raise Conflict(_("竞赛已经开始。"))

    def next(self, contest_id: int) -> None:
        """After a reveal: the next question, or the end after the last."""
        info = self.info(contest_id)
        meta = self._meta(contest_id)
        if meta.status == ContestStatus.QUESTION:
            raise Conflict(_("本题还在作答中。"))
        if meta.status != ContestStatus.REVEAL:
            raise Conflict(_("竞赛尚未开始或已经结束。"))
        done = self._finish(info, meta) if meta.current >= info.total else self._open(info, meta, meta.current + 1)
        if not done:
            raise Conflict(_("竞赛状态刚刚变了，请再看一眼大屏。"))

    def close_now(self, contest_id: int) -> None:
        """End the open question early (everyone has answered, or the host decides)."""
        meta = self._meta(contest_id)
        if meta.status == ContestStatus.QUESTION:
            self._close(self.info(contest_id), meta)

    def finish(self, contest_id: int) -> None:
        info = self.info(contest_id)
        meta = self._meta(contest_id)
        if meta.status == ContestStatus.QUESTION:
            self._close(info, meta, publish=False)
            meta = self._meta(contest_id)
        if meta.status != ContestStatus.FINISHED:
            self._finish(info, meta)

    def _open(self, info: ContestInfo, meta: Meta, position: int) -> bool:
        now = self.now()
        closes = now + dt.timedelta(seconds=info.seconds)
        opened = Meta(ContestStatus.QUESTION, position, ms(now), ms(closes))
        if not self.store.cas(info.ref, (meta.status, meta.current), opened):
            return False
        with self.session_factory() as s:
            s.execute(update(ContestQuestion).where(ContestQuestion.contest_id == info.id,
                                                    ContestQuestion.position == position)
                      .values(opened_at=now, closes_at=closes))
            values: dict[str, Any] = {"status": ContestStatus.QUESTION, "current": position}
            if position == 1:
                values["started_at"] = now
            s.execute(update(Contest).where(Contest.id == info.id).values(**values))
            s.commit()
        self.publish(info.id)
        self.on_change()
        return True

    def _close(self, info: ContestInfo, meta: Meta, *, publish: bool = True) -> bool:
        revealed = dataclasses.replace(meta, status=ContestStatus.REVEAL)
        if not self.store.cas(info.ref, (ContestStatus.QUESTION, meta.current), revealed):
            return False  # closed already (by the host, or by another process's clock)
        settled = closing.settle(self.session_factory, self.store, info, meta.current)
        counts = self.store.counts(info.ref, meta.current)
        reveal, ranks = closing.reveal(self.store, info, settled, counts, self._shown)
        self.store.save_reveal(info.ref, reveal)
        if publish:
            self.publish(info.id)
        self.store.save_ranks(info.ref, ranks)  # after the push: only the players' own pages read them
        closing.store_scores(self.session_factory, info, settled, status=ContestStatus.REVEAL, now=self.now())
        return True

    def _finish(self, info: ContestInfo, meta: Meta) -> bool:
        finished = Meta(ContestStatus.FINISHED, meta.current, meta.opened_ms, meta.closes_ms)
        if not self.store.cas(info.ref, (meta.status, meta.current), finished):
            return False
        settled = closing.settle(self.session_factory, self.store, info, meta.current)
        reveal, ranks = closing.reveal(self.store, info, settled, None, self._shown)
        self.store.save_reveal(info.ref, reveal)
        self.publish(info.id)
        self.store.save_ranks(info.ref, ranks)
        closing.store_scores(self.session_factory, info, settled, status=ContestStatus.FINISHED, now=self.now(),
                             award=True)
        return True

    # --- the clock -----------------------------------------------------------------------------------------

    def tick(self) -> float:
        """One pass over the running contests whose lease this process holds (taking lapsed ones): push
        a lobby that changed, close a question whose time is up. Returns seconds until the next need."""
        wait = TICK_SECONDS
        now_ms = ms(self.now())
        for ref in self.store.active():
            try:
                if not self.leases.hold(f"contest:{ref.split('.', 1)[0]}", self.owner, LEASE_SECONDS):
                    continue
                info = self._known(ref)
                meta = self.store.meta(ref) if info is not None else None
                if info is None or meta is None or meta.status == ContestStatus.FINISHED:
                    self.store.finished(ref)
                    continue
                if meta.status == ContestStatus.QUESTION:
                    left = meta.closes_ms - now_ms
                    if left <= 0:
                        self._close(info, meta)
                    else:
                        wait = min(wait, left / 1000)
                if self.store.take_dirty(ref):
                    self.publish(info.id)
            except Exception:  # one contest's trouble must not stop the others' clocks
                log.exception("contest %s: clock step failed", ref)
        return wait

    def _known(self, ref: str) -> ContestInfo | None:
        """The contest a live-store name stands for, or None when this database has no such contest (the
        store outlived it: a restored or new database)."""
        try:
            info = self.info(int(ref.split(".", 1)[0]))
        except (NotFound, ValueError):
            return None
        return info if info.ref == ref else None

    # --- answers -------------------------------------------------------------------------------------------

    def answer(self, contest_id: int, player_id: int, secret: str, position: int, given: str,
               *, wait: float = 10.0) -> Accepted:
        """Score one answer; refused (and nothing changes) when late, repeated, early or not this player's."""
        info = self.info(contest_id)
        now = self.now()
        player = self.player(contest_id, player_id, secret)
        meta = self._meta(contest_id)
        question = info.question(position)
        if meta.status != ContestStatus.QUESTION or position != meta.current or question is None:
            raise self._refusal("not_open" if position > meta.current or meta.status == ContestStatus.LOBBY
                                else "late")
        given = (given or "").strip()[:200]
        if not given:
            raise Invalid(_("请选择答案。"))
        correct = is_correct(question, given)
        elapsed = min(info.seconds * 1000, max(0, ms(now) - meta.opened_ms))
        gained = points_for(correct, elapsed, info.seconds)
        counted = board.labels(question, given)
        score = self.store.answer(info.ref, player.id, position, ms(now), GRACE_MS, correct, gained, counted)
        if isinstance(score, str):
            raise self._refusal(score)
        future = self._writer.write({"contest_id": contest_id, "player_id": player.id, "position": position,
                                     "answer": given, "correct": correct, "points": gained, "elapsed_ms": elapsed,
                                     "answered_at": now})
        try:
            future.result(timeout=wait)
        except Exception:
            self.store.undo(info.ref, player.id, position, correct, gained, counted)  # as if it never happened
            raise
        return Accepted(correct, gained, score, elapsed)

    @staticmethod
    def _refusal(code: str) -> Conflict:
        if code == "repeat":
            return Conflict(_("本题您已作答，不能重复作答。"), code="repeat")
        if code == "not_open":
            return Conflict(_("这道题还没有开始。"), code="not_open")
        return Conflict(_("本题作答时间已过。"), code="late")

    # --- what screens show -----------------------------------------------------------------------------------

    def public_state(self, live: LiveContest) -> dict[str, Any]:
        return live.public_state()

    def standing(self, live: LiveContest, player: PlayerState) -> Standing:
        return self.store.standing(live.info.ref, player.id, live.current)

    def player_state(self, live: LiveContest, player: PlayerState) -> dict[str, Any]:
        mine = self.standing(live, player)
        state: dict[str, Any] = {"player_id": player.id, "name": player.name, "correct": mine.correct,
                                 "rank": mine.rank, "answered_current": mine.result is not None}
        revealed = live.status in (ContestStatus.REVEAL, ContestStatus.FINISHED)
        # The score of an open question is told when it closes, to everyone at once.
        pending = 0 if revealed or mine.result is None else mine.result[1]
        state["score"] = mine.score - pending
        if revealed and mine.result is not None:
            right, gained = mine.result
            state["last"] = {"index": live.current, "correct": right, "points": gained}
        return state

    def publish(self, contest_id: int) -> None:
        """Push the contest as it stands now to its room."""
        live = self.get(contest_id)
        self.bus.publish(protocol.Event(protocol.CONTEST_STATE, {"contest": self.public_state(live)},
                                        room_id=live.room_id))

    def running_in_room(self, room_id: int | None) -> LiveContest | None:
        """The room's contest that is not finished (loaded from the database if needed)."""
        with self.session_factory() as s:
            contest_id = s.scalar(select(Contest.id).where(Contest.room_id == room_id,
                                                           Contest.status != ContestStatus.FINISHED)
                                  .order_by(Contest.id.desc()).limit(1))
        return self.get(contest_id) if contest_id else None
