"""What the contest engine hands around: a contest's fixed parts (``ContestInfo``), a player, the
players one process knows (``Roster``), every player at a close (``Settled``), a contest at one instant
(``LiveContest``, with what screens show of it) and an accepted answer; the points rule. Plain data:
no database, no store, no I/O here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from typing import Any

from content.models import Question
from screen_server.contests import board
from screen_server.contests.live import ANSWERED, View
from screen_server.contests.models import ContestStatus


@dataclasses.dataclass
class ContestInfo:
    """What does not change while a contest runs (cached per process)."""

    id: int
    room_id: int | None
    title: str
    code: str
    team_mode: bool
    seconds: int
    questions: list[Question]
    created_ms: int = 0

    @property
    def ref(self) -> str:
        """The contest's name in the live store: its id and when it was made, with its code. Ids alone
        are not enough: a database restored from a backup (or made anew) counts ids from the start
        again while the shared store still holds the old contests under them."""
        return f"{self.id}.{self.created_ms}.{self.code}"

    @property
    def total(self) -> int:
        return len(self.questions)

    def question(self, position: int) -> Question | None:
        return self.questions[position - 1] if 1 <= position <= self.total else None


@dataclasses.dataclass(frozen=True)
class PlayerState:
    id: int
    member_id: int
    name: str
    shown_name: str
    branch: str
    secret: str


class Roster:
    """The players of one contest known to this process (refreshed from the database on a miss)."""

    def __init__(self) -> None:
        self.by_id: dict[int, PlayerState] = {}
        self.by_member: dict[int, int] = {}
        self.lock = threading.Lock()

    def add(self, p: PlayerState) -> None:
        self.by_id[p.id] = p
        self.by_member[p.member_id] = p.id


@dataclasses.dataclass
class Settled:
    """Every player of a contest at a close, as the database has them."""

    scores: dict[int, tuple[int, int]] = dataclasses.field(default_factory=dict)  # id → (score, right answers)
    names: dict[int, tuple[str, str]] = dataclasses.field(default_factory=dict)  # id → (name, branch)
    members: dict[int, int] = dataclasses.field(default_factory=dict)  # id → member id


@dataclasses.dataclass(frozen=True)
class LiveContest:
    """A contest as it stands at one instant: its fixed parts and a view of the live store."""

    info: ContestInfo
    view: View

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def room_id(self) -> int | None:
        return self.info.room_id

    @property
    def status(self) -> ContestStatus:
        return ContestStatus(self.view.meta.status)

    @property
    def current(self) -> int:
        return self.view.meta.current

    @property
    def board(self) -> list[dict[str, Any]]:
        return list((self.view.reveal or {}).get("board", []))

    def question(self) -> Question | None:
        return self.info.question(self.current)

    def public_state(self) -> dict[str, Any]:
        """The contest as the wall, the terminals and the players' phones show it."""
        info, view = self.info, self.view
        q = self.question()
        status = self.status
        state: dict[str, Any] = {
            "id": info.id, "title": info.title, "code": info.code, "status": str(status),
            "team_mode": info.team_mode, "index": self.current, "total": info.total, "seconds": info.seconds,
            "players": view.players, "lobby": view.lobby,
        }
        if q is not None and status in (ContestStatus.QUESTION, ContestStatus.REVEAL):
            opened, closes = at(view.meta.opened_ms), at(view.meta.closes_ms)
            state["question"] = {"stem": q.stem, "kind": str(q.kind), "options": board.options(q),
                                 "opened_at": opened.isoformat() if opened else None,
                                 "closes_at": closes.isoformat() if closes else None}
        if status in (ContestStatus.REVEAL, ContestStatus.FINISHED):
            reveal = view.reveal or {}
            if q is not None and status == ContestStatus.REVEAL:
                counts: Counter[str] = Counter(reveal.get("counts") or {})
                state["answer"] = q.answer
                state["explanation"] = q.explanation
                state["distribution"] = board.distribution(q, counts)
                state["answered"] = counts[ANSWERED]
            state["board"] = reveal.get("board", [])
            if info.team_mode:
                state["teams"] = reveal.get("teams", [])
        return state


@dataclasses.dataclass(frozen=True)
class Accepted:
    correct: bool
    points: int
    score: int
    elapsed_ms: int


def points_for(correct: bool, elapsed_ms: int, seconds: int) -> int:
    """500 for a right answer plus up to 500 more for speed; nothing for a wrong one."""
    if not correct:
        return 0
    remaining = max(0.0, 1.0 - elapsed_ms / (seconds * 1000))
    return 500 + round(500 * remaining)


def ms(at: dt.datetime | None) -> int:
    return round(at.timestamp() * 1000) if at is not None else 0


def at(ms: int) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC) if ms else None
