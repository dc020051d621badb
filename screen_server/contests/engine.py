"""The live contest engine: the running contests' state in memory, the question clock, scoring, and a
writer that group-commits answers.

Every decision is made here, under one lock per contest, on the server's clock: whether the question
is open, whether this player already answered, whether the request really is this player's (their
secret), and the points (correct answers score 500–1,000, more for answering sooner). An answer is
acknowledged only once its row is committed; if the commit fails the player's score is put back. When
a question's time is up a timer closes it: the answer distribution and the top ten with their rank
changes go out at once in one ``contest.state`` event to the room (walls and players' phones). The
engine lives in the process that runs the room's jobs; contests are room-scale, not cluster-scale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import queue
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from content.models import Question, QuestionKind
from content.questions import is_correct
from screen_server import protocol
from screen_server.batching import take_batch
from screen_server.bus import Bus
from screen_server.contests.models import (
    Contest,
    ContestAnswer,
    ContestPlayer,
    ContestQuestion,
    ContestStatus,
)
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.org.services import mask_name
from screen_server.points import services as points

log = logging.getLogger(__name__)
LOBBY_NAMES = 40
TOP = 10
GRACE_MS = 300  # an answer sent in the last instant may arrive this much after the close
LOBBY_PUSH_SECONDS = 0.5
BATCH = 500


@dataclasses.dataclass
class PlayerState:
    id: int
    member_id: int
    name: str
    shown_name: str
    branch: str
    secret: str
    score: int = 0
    correct: int = 0
    answered: set[int] = dataclasses.field(default_factory=set)
    results: dict[int, tuple[bool, int]] = dataclasses.field(default_factory=dict)  # position → (right, points)


@dataclasses.dataclass
class LiveContest:
    id: int
    room_id: int | None
    title: str
    code: str
    team_mode: bool
    seconds: int
    status: ContestStatus
    current: int
    questions: list[Question]
    players: dict[int, PlayerState] = dataclasses.field(default_factory=dict)
    order: list[int] = dataclasses.field(default_factory=list)  # player ids in join order
    opened_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    last_ranks: dict[int, int] = dataclasses.field(default_factory=dict)
    board: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock)
    timer: threading.Timer | None = None
    lobby_dirty: bool = False

    @property
    def total(self) -> int:
        return len(self.questions)

    def question(self) -> Question | None:
        return self.questions[self.current - 1] if 1 <= self.current <= self.total else None


@dataclasses.dataclass(frozen=True)
class Accepted:
    correct: bool
    points: int
    score: int
    elapsed_ms: int


def _options(q: Question) -> list[dict[str, str]]:
    if q.kind == QuestionKind.TRUE_FALSE:
        return [{"label": "正确", "text": "正确"}, {"label": "错误", "text": "错误"}]
    return [{"label": o.label, "text": o.text} for o in q.options]


def points_for(correct: bool, elapsed_ms: int, seconds: int) -> int:
    """500 for a right answer plus up to 500 more for speed; nothing for a wrong one."""
    if not correct:
        return 0
    remaining = max(0.0, 1.0 - elapsed_ms / (seconds * 1000))
    return 500 + round(500 * remaining)


class AnswerWriter:
    """One thread inserting queued answers in batches, one commit per batch, then resolving each future."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._queue: queue.Queue[tuple[dict[str, Any], Future[None]] | None] = queue.Queue()
        self.busy_since: float | None = None  # monotonic start of the batch being written (the watchdog)
        self._thread = threading.Thread(target=self._run, name="contest-writer", daemon=True)
        self._thread.start()

    def write(self, row: dict[str, Any]) -> Future[None]:
        future: Future[None] = Future()
        self._queue.put((row, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = take_batch(self._queue, first, BATCH)
            self.busy_since = time.monotonic()
            try:
                with self._session_factory() as session:
                    session.execute(insert(ContestAnswer), [row for row, _f in batch])
                    session.commit()
            except Exception as exc:  # every answer of the batch is refused (and its score put back)
                log.exception("contest answers not stored")
                for _row, future in batch:
                    future.set_exception(exc)
            else:
                for _row, future in batch:
                    future.set_result(None)
            finally:
                self.busy_since = None

    def is_stalled(self, limit: float) -> bool:
        """Whether the writer died, or has been inside one batch for more than ``limit`` seconds."""
        busy = self.busy_since
        return not self._thread.is_alive() or (busy is not None and time.monotonic() - busy > limit)


class ContestEngine:
    def __init__(self, session_factory: sessionmaker[Session], bus: Bus, *, mask_names: bool = True) -> None:
        self.session_factory = session_factory
        self.bus = bus
        self.mask_names = mask_names
        self._contests: dict[int, LiveContest] = {}
        self._lock = threading.Lock()
        self._writer = AnswerWriter(session_factory)
        self._stop = threading.Event()
        self._lobby_thread = threading.Thread(target=self._push_lobbies, name="contest-lobby", daemon=True)
        self._lobby_thread.start()
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def is_stalled(self, limit: float) -> bool:
        """Whether the answer writer died or is stuck (for the watchdog)."""
        return self._writer.is_stalled(limit)

    def close(self) -> None:
        self._stop.set()
        for contest in list(self._contests.values()):
            if contest.timer is not None:
                contest.timer.cancel()
        self._writer.close()

    # --- loading ---------------------------------------------------------------------------------------

    def get(self, contest_id: int) -> LiveContest:
        with self._lock:
            live = self._contests.get(contest_id)
            if live is None:
                live = self._load(contest_id)
                self._contests[contest_id] = live
        return live

    def _load(self, contest_id: int) -> LiveContest:
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
            live = LiveContest(contest.id, contest.room_id, contest.title, contest.code, contest.team_mode,
                               contest.question_seconds, contest.status, contest.current, ordered)
            current = rows[contest.current - 1] if 1 <= contest.current <= len(rows) else None
            if current is not None:
                live.opened_at, live.closes_at = current.opened_at, current.closes_at
            answered: dict[int, set[int]] = {}
            for player_id, position in s.execute(select(ContestAnswer.player_id, ContestAnswer.position)
                                                 .where(ContestAnswer.contest_id == contest_id)):
                answered.setdefault(player_id, set()).add(position)
            for p in s.scalars(select(ContestPlayer).where(ContestPlayer.contest_id == contest_id)
                               .order_by(ContestPlayer.id)):
                live.players[p.id] = PlayerState(p.id, p.member_id, p.name, self._shown(p.name), p.branch, p.secret,
                                                 p.score, p.correct, answered.get(p.id, set()))
                live.order.append(p.id)
        if live.status == ContestStatus.QUESTION and live.closes_at is not None:
            self._arm(live)  # a restart during a question: close it when its time is up (or now)
        return live

    def _shown(self, name: str) -> str:
        return mask_name(name) if self.mask_names else name

    # --- players -----------------------------------------------------------------------------------------

    def join(self, contest_id: int, member: Any) -> PlayerState:
        """Add a member to the contest (joining again returns the same player, so a dropped phone resumes)."""
        live = self.get(contest_id)
        with live.lock:
            existing = next((p for p in live.players.values() if p.member_id == member.id), None)
            if existing is not None:
                return existing
            if live.status == ContestStatus.FINISHED:
                raise Conflict(_("本场竞赛已经结束。"))
            secret = secrets.token_urlsafe(24)
            branch = member.branch.short_name or member.branch.name if member.branch else ""
            with self.session_factory() as s:
                player = ContestPlayer(contest_id=live.id, member_id=member.id, name=member.name,
                                       branch_id=member.branch_id, branch=branch, secret=secret)
                s.add(player)
                s.commit()
                state = PlayerState(player.id, member.id, member.name, self._shown(member.name), branch, secret)
            live.players[state.id] = state
            live.order.append(state.id)
            live.lobby_dirty = True
            return state

    def player(self, contest_id: int, player_id: int, secret: str) -> PlayerState:
        live = self.get(contest_id)
        state = live.players.get(player_id)
        if state is None or not secrets.compare_digest(state.secret, secret or ""):
            raise Forbidden(_("选手身份无效，请重新扫码加入竞赛。"), code="player_forged")
        return state

    # --- the host ------------------------------------------------------------------------------------------

    def start(self, contest_id: int) -> None:
        live = self.get(contest_id)
        with live.lock:
            if live.status != ContestStatus.LOBBY:
                raise Conflict(_("竞赛已经开始。"))
            if not live.questions:
                raise Invalid(_("竞赛还没有题目。"))
            with self.session_factory() as s:
                s.execute(update(Contest).where(Contest.id == live.id).values(started_at=self.now()))
                s.commit()
            self._open(live, 1)

    def next(self, contest_id: int) -> None:
        """After a reveal: the next question, or the end after the last."""
        live = self.get(contest_id)
        with live.lock:
            if live.status == ContestStatus.QUESTION:
                raise Conflict(_("本题还在作答中。"))
            if live.status != ContestStatus.REVEAL:
                raise Conflict(_("竞赛尚未开始或已经结束。"))
            if live.current >= live.total:
                self._finish(live)
            else:
                self._open(live, live.current + 1)

    def close_now(self, contest_id: int) -> None:
        """End the open question early (everyone has answered, or the host decides)."""
        live = self.get(contest_id)
        with live.lock:
            if live.status == ContestStatus.QUESTION:
                self._close(live, live.current)

    def finish(self, contest_id: int) -> None:
        live = self.get(contest_id)
        with live.lock:
            if live.status != ContestStatus.FINISHED:
                if live.status == ContestStatus.QUESTION:
                    self._close(live, live.current, publish=False)
                self._finish(live)

    def _open(self, live: LiveContest, position: int) -> None:
        now = self.now()
        live.status, live.current, live.counts = ContestStatus.QUESTION, position, Counter()
        live.opened_at, live.closes_at = now, now + dt.timedelta(seconds=live.seconds)
        with self.session_factory() as s:
            s.execute(update(ContestQuestion).where(ContestQuestion.contest_id == live.id,
                                                    ContestQuestion.position == position)
                      .values(opened_at=live.opened_at, closes_at=live.closes_at))
            s.execute(update(Contest).where(Contest.id == live.id).values(status=ContestStatus.QUESTION,
                                                                           current=position))
            s.commit()
        self._arm(live)
        self._publish(live)

    def _arm(self, live: LiveContest) -> None:
        if live.timer is not None:
            live.timer.cancel()
        assert live.closes_at is not None
        delay = max(0.0, (live.closes_at - self.now()).total_seconds())
        position = live.current
        live.timer = threading.Timer(delay, self._on_time_up, args=(live.id, position))
        live.timer.daemon = True
        live.timer.start()

    def _on_time_up(self, contest_id: int, position: int) -> None:
        live = self.get(contest_id)
        with live.lock:
            if live.status == ContestStatus.QUESTION and live.current == position:
                self._close(live, position)

    def _close(self, live: LiveContest, position: int, *, publish: bool = True) -> None:
        if live.timer is not None:
            live.timer.cancel()
            live.timer = None
        live.status = ContestStatus.REVEAL
        live.board = self._board(live)
        scores = [{"id": p.id, "score": p.score, "correct": p.correct} for p in live.players.values()]
        with self.session_factory() as s:
            if scores:
                s.execute(update(ContestPlayer), scores)  # bulk UPDATE by primary key
            s.execute(update(Contest).where(Contest.id == live.id).values(status=ContestStatus.REVEAL))
            s.commit()
        if publish:
            self._publish(live)

    def _finish(self, live: LiveContest) -> None:
        live.status = ContestStatus.FINISHED
        live.board = self._board(live)
        now = self.now()
        with self.session_factory() as s:
            s.execute(update(Contest).where(Contest.id == live.id).values(status=ContestStatus.FINISHED,
                                                                           finished_at=now))
            rule = points.get_rule(s, points.CONTEST)
            day = points.local_day(now)
            for p in live.players.values():
                points.award(s, p.member_id, points.CONTEST, ref=f"contest:{live.id}", day=day,
                             reason=_("参加知识竞赛《{t}》").format(t=live.title), rule=rule)
            s.commit()
        self._publish(live)

    # --- answers -------------------------------------------------------------------------------------------

    def answer(self, contest_id: int, player_id: int, secret: str, position: int, given: str,
               *, wait: float = 10.0) -> Accepted:
        """Score one answer; refused (and nothing changes) when late, repeated, early or not this player's."""
        live = self.get(contest_id)
        now = self.now()
        with live.lock:
            player = self.player(contest_id, player_id, secret)
            if live.status != ContestStatus.QUESTION or position != live.current:
                if position > live.current or live.status == ContestStatus.LOBBY:
                    raise Conflict(_("这道题还没有开始。"), code="not_open")
                raise Conflict(_("本题作答时间已过。"), code="late")
            assert live.opened_at is not None and live.closes_at is not None
            if now > live.closes_at + dt.timedelta(milliseconds=GRACE_MS):
                raise Conflict(_("本题作答时间已过。"), code="late")
            if position in player.answered:
                raise Conflict(_("本题您已作答，不能重复作答。"), code="repeat")
            question = live.question()
            assert question is not None
            given = (given or "").strip()[:200]
            if not given:
                raise Invalid(_("请选择答案。"))
            correct = is_correct(question, given)
            elapsed = min(live.seconds * 1000, max(0, int((now - live.opened_at).total_seconds() * 1000)))
            gained = points_for(correct, elapsed, live.seconds)
            player.answered.add(position)
            player.results[position] = (correct, gained)
            player.score += gained
            player.correct += int(correct)
            live.counts.update(_labels(question, given))
            live.counts[ANSWERED] += 1
        future = self._writer.write({"contest_id": live.id, "player_id": player.id, "position": position,
                                     "answer": given, "correct": correct, "points": gained, "elapsed_ms": elapsed,
                                     "answered_at": now})
        try:
            future.result(timeout=wait)
        except Exception:
            with live.lock:  # not stored: as if it never happened
                player.answered.discard(position)
                player.results.pop(position, None)
                player.score -= gained
                player.correct -= int(correct)
                live.counts.subtract(_labels(question, given))
                live.counts[ANSWERED] -= 1
            raise
        return Accepted(correct, gained, player.score, elapsed)

    # --- what screens show -----------------------------------------------------------------------------------

    def _board(self, live: LiveContest) -> list[dict[str, Any]]:
        ranked = sorted(live.players.values(), key=lambda p: (-p.score, -p.correct, p.id))
        ranks: dict[int, int] = {}
        board = []
        for i, p in enumerate(ranked):
            rank = ranks[ranked[i - 1].id] if i and ranked[i - 1].score == p.score else i + 1
            ranks[p.id] = rank
            if i < TOP:
                before = live.last_ranks.get(p.id)
                board.append({"rank": rank, "player_id": p.id, "name": p.shown_name, "branch": p.branch,
                              "score": p.score, "change": (before - rank) if before else 0})
        live.last_ranks = ranks
        return board

    def teams(self, live: LiveContest) -> list[dict[str, Any]]:
        by_branch: dict[str, list[int]] = {}
        for p in live.players.values():
            by_branch.setdefault(p.branch or "—", []).append(p.score)
        rows: list[dict[str, Any]] = [{"branch": b, "players": len(s), "average": round(sum(s) / len(s), 1)}
                                      for b, s in by_branch.items()]
        rows.sort(key=lambda r: (-r["average"], r["branch"]))
        for i, row in enumerate(rows, 1):
            row["rank"] = i
        return rows

    def public_state(self, live: LiveContest) -> dict[str, Any]:
        q = live.question()
        state: dict[str, Any] = {
            "id": live.id, "title": live.title, "code": live.code, "status": str(live.status),
            "team_mode": live.team_mode, "index": live.current, "total": live.total, "seconds": live.seconds,
            "players": len(live.players),
            "lobby": [live.players[pid].shown_name for pid in live.order[-LOBBY_NAMES:]][::-1],
        }
        if q is not None and live.status in (ContestStatus.QUESTION, ContestStatus.REVEAL):
            state["question"] = {"stem": q.stem, "kind": str(q.kind), "options": _options(q),
                                 "opened_at": live.opened_at.isoformat() if live.opened_at else None,
                                 "closes_at": live.closes_at.isoformat() if live.closes_at else None}
        if live.status in (ContestStatus.REVEAL, ContestStatus.FINISHED):
            if q is not None and live.status == ContestStatus.REVEAL:
                state["answer"] = q.answer
                state["explanation"] = q.explanation
                state["distribution"] = [{"label": o["label"], "text": o["text"], "count": live.counts.get(o["label"], 0)}
                                         for o in _options(q)] + (
                    [{"label": "其他", "text": "其他答案", "count": sum(
                        v for k, v in live.counts.items() if k not in {ANSWERED, *(o["label"] for o in _options(q))})}]
                    if q.kind == QuestionKind.FILL_BLANK else [])
                state["answered"] = live.counts[ANSWERED]
            state["board"] = live.board
            if live.team_mode:
                state["teams"] = self.teams(live)
        return state

    def player_state(self, live: LiveContest, player: PlayerState) -> dict[str, Any]:
        rank = live.last_ranks.get(player.id)
        state: dict[str, Any] = {"player_id": player.id, "name": player.name, "correct": player.correct,
                                 "rank": rank, "answered_current": live.current in player.answered}
        revealed = live.status in (ContestStatus.REVEAL, ContestStatus.FINISHED)
        # The score of an open question is told when it closes, to everyone at once.
        pending = 0 if revealed else player.results.get(live.current, (False, 0))[1]
        state["score"] = player.score - pending
        if revealed and live.current in player.results:
            right, gained = player.results[live.current]
            state["last"] = {"index": live.current, "correct": right, "points": gained}
        return state

    def _publish(self, live: LiveContest) -> None:
        live.lobby_dirty = False
        self.bus.publish(protocol.Event(protocol.CONTEST_STATE, {"contest": self.public_state(live)},
                                        room_id=live.room_id))

    def _push_lobbies(self) -> None:
        """Joins are pushed twice a second at most, however many phones join at once."""
        while not self._stop.wait(LOBBY_PUSH_SECONDS):
            for live in list(self._contests.values()):
                if live.lobby_dirty:
                    with live.lock:
                        try:
                            self._publish(live)
                        except Exception:
                            log.exception("lobby not pushed")

    def running_in_room(self, room_id: int | None) -> LiveContest | None:
        """The room's contest that is not finished (loaded from the database if needed)."""
        with self.session_factory() as s:
            contest_id = s.scalar(select(Contest.id).where(Contest.room_id == room_id,
                                                           Contest.status != ContestStatus.FINISHED)
                                  .order_by(Contest.id.desc()).limit(1))
        return self.get(contest_id) if contest_id else None


ANSWERED = "__answered__"  # in a question's counts: how many answered it (a multiple choice counts each letter)


def _labels(question: Question, given: str) -> list[str]:
    """The options an answer counts for in the distribution: each letter of a multiple choice."""
    if question.kind == QuestionKind.MULTIPLE:
        return sorted(set(given.upper().replace(",", "").replace(" ", "")))
    return [_label(question, given)]


def _label(question: Question, given: str) -> str:
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "".join(sorted(set(given.upper().replace(",", "").replace(" ", ""))))
    if question.kind == QuestionKind.TRUE_FALSE:
        return "正确" if given in ("正确", "对", "√", "TRUE", "true") else "错误"
    return "其他"

