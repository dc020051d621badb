"""Live contests: joining, the server's clock and scoring, the refusals that change no score (late,
repeated, not yet shown, forged player), the reveal with distribution and board, team averages, the
results and their export, points for taking part."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server import protocol
from screen_server.contests import services as contests
from screen_server.contests.engine import points_for
from screen_server.contests.models import ContestAnswer, ContestPlayer
from screen_server.errors import Conflict, Forbidden
from screen_server.points.models import PointsEntry
from tests.helpers.auth import sign_in_as
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_member, make_room, make_user


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


def _question(session: Session, stem: str, answer: str = "B") -> Question:
    q = Question(kind=QuestionKind.SINGLE, stem=stem, answer=answer, status=ReviewStatus.PUBLISHED, difficulty=2,
                 options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"], explanation="解析")
    session.add(q)
    session.flush()
    return q


@pytest.fixture
def game(runtime, session: Session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    one, two = make_branch(session, short_name="一支部"), make_branch(session, short_name="二支部")
    members = [make_member(session, branch_id=one.id, name="张三明"), make_member(session, branch_id=one.id),
               make_member(session, branch_id=two.id)]
    room = make_room(session)
    qs = [_question(session, "党的根本宗旨是什么？"), _question(session, "第二题", "C")]
    contest = contests.create_contest(session, title="党章知识竞赛", room_id=room.id, questions=2, seconds=20,
                                      question_ids=[q.id for q in qs], team_mode=True)
    session.commit()
    clock = Clock()
    runtime.contests.now = clock
    return {"contest": contest, "members": members, "clock": clock, "engine": runtime.contests, "room": room}


def test_a_whole_contest(runtime, session: Session, game: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    engine, clock, contest = game["engine"], game["clock"], game["contest"]
    log = EventLog(runtime.bus)
    a, b, c = (engine.join(contest.id, m) for m in game["members"])
    assert engine.join(contest.id, game["members"][0]).id == a.id  # joining again resumes
    assert engine.public_state(engine.get(contest.id))["players"] == 3
    engine.start(contest.id)
    opened = log.wait(protocol.CONTEST_STATE, where=lambda e: e.payload["contest"]["status"] == "question")
    question = opened.payload["contest"]["question"]
    assert question["stem"] == "党的根本宗旨是什么？" and "answer" not in opened.payload["contest"]

    clock.advance(2)
    fast = engine.answer(contest.id, a.id, a.secret, 1, "B")
    clock.advance(8)
    slow = engine.answer(contest.id, b.id, b.secret, 1, "b")
    wrong = engine.answer(contest.id, c.id, c.secret, 1, "A")
    assert (fast.correct, slow.correct, wrong.correct) == (True, True, False)
    assert fast.points == points_for(True, 2000, 20) == 950 and slow.points == 750 and wrong.points == 0

    engine.close_now(contest.id)
    reveal = log.wait(protocol.CONTEST_STATE, where=lambda e: e.payload["contest"]["status"] == "reveal").payload["contest"]
    assert reveal["answer"] == "B" and reveal["answered"] == 3
    assert {d["label"]: d["count"] for d in reveal["distribution"]} == {"A": 1, "B": 2, "C": 0, "D": 0}
    assert [(r["rank"], r["name"], r["score"]) for r in reveal["board"]] == [(1, "张*明", 950), (2, b.shown_name, 750),
                                                                            (3, c.shown_name, 0)]
    assert [t["branch"] for t in reveal["teams"]] == ["一支部", "二支部"] and reveal["teams"][0]["average"] == 850

    engine.next(contest.id)
    clock.advance(1)
    engine.answer(contest.id, c.id, c.secret, 2, "C")
    engine.close_now(contest.id)
    board = engine.public_state(engine.get(contest.id))["board"]
    assert [(r["player_id"], r["change"]) for r in board] == [(c.id, 2), (a.id, -1), (b.id, -1)]
    engine.next(contest.id)  # after the last question: the end
    log.wait(protocol.CONTEST_STATE, where=lambda e: e.payload["contest"]["status"] == "finished")

    rows = contests.results(session, contest.id)
    assert [(r["rank"], r["player_id"], r["score"], r["correct"]) for r in rows] == [
        (1, c.id, 975, 1), (2, a.id, 950, 1), (3, b.id, 750, 1)]
    assert session.scalar(select(func.count()).select_from(ContestAnswer)) == 4
    assert session.scalar(select(func.count()).select_from(PointsEntry).where(PointsEntry.rule_key == "contest")) == 3
    book = load_workbook(io.BytesIO(contests.export_xlsx(session, contest.id)))
    sheet = book.active
    assert sheet is not None and sheet["A2"].value == "名次" and sheet.max_row == 5


def test_refusals_change_no_score(session: Session, game: dict[str, Any]) -> None:
    engine, clock, contest = game["engine"], game["clock"], game["contest"]
    a, b = engine.join(contest.id, game["members"][0]), engine.join(contest.id, game["members"][1])
    with pytest.raises(Conflict, match="还没有开始"):
        engine.answer(contest.id, a.id, a.secret, 1, "B")  # in the lobby
    engine.start(contest.id)
    with pytest.raises(Conflict, match="还没有开始"):
        engine.answer(contest.id, a.id, a.secret, 2, "C")  # a question not yet shown
    with pytest.raises(Forbidden):
        engine.answer(contest.id, a.id, b.secret, 1, "B")  # a forged player: someone else's secret
    with pytest.raises(Forbidden):
        engine.answer(contest.id, 999_999, "x", 1, "B")
    engine.answer(contest.id, a.id, a.secret, 1, "B")
    with pytest.raises(Conflict, match="不能重复"):
        engine.answer(contest.id, a.id, a.secret, 1, "A")  # a second answer
    clock.advance(21)
    with pytest.raises(Conflict, match="时间已过"):
        engine.answer(contest.id, b.id, b.secret, 1, "B")  # late
    assert engine.store.scores(engine.info(contest.id).ref) == {a.id: (1000, 1), b.id: (0, 0)}
    live = engine.get(contest.id)
    assert engine.standing(live, a).result == (True, 1000) and engine.standing(live, b).result is None
    assert session.scalar(select(func.count()).select_from(ContestAnswer)) == 1


def test_time_up_closes_the_question_by_itself(runtime, session: Session, game: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    engine, contest, clock = game["engine"], game["contest"], game["clock"]
    log = EventLog(runtime.bus)
    engine.join(contest.id, game["members"][0])
    engine.start(contest.id)
    clock.advance(5)
    assert engine.tick() == 0.5 and engine.get(contest.id).status == "question"  # 15 s left: not yet
    clock.advance(14.8)
    assert abs(engine.tick() - 0.2) < 1e-6  # the clock sleeps until the deadline
    clock.advance(0.2)
    engine.tick()
    log.wait(protocol.CONTEST_STATE, where=lambda e: e.payload["contest"]["status"] == "reveal")
    assert engine.get(contest.id).status == "reveal"


def test_http_join_play_answer_and_host(app, client: FlaskClient, session: Session, settings,  # type: ignore[no-untyped-def]
                                        game: dict[str, Any]) -> None:
    contest = game["contest"]
    member = game["members"][0]
    page = client.get(f"/c/{contest.code}")
    assert page.status_code == 200 and "加入竞赛" in page.get_data(as_text=True)
    assert "竞赛码不正确" in client.get("/c/000000").get_data(as_text=True)
    wrong = client.post(f"/c/{contest.code}", data={"number": member.number, "pin": "1"})
    assert wrong.status_code == 401
    joined = client.post(f"/c/{contest.code}", data={"number": member.number, "pin": "135790"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/play")
    play = client.get(f"/c/{contest.code}/play")
    assert play.status_code == 200 and "contest.js" in play.get_data(as_text=True)
    assert "script-src 'self'" in play.headers["Content-Security-Policy"]
    me = client.get(f"/api/contests/{contest.id}/me").get_json()
    assert me["contest"]["status"] == "lobby" and me["ticket"] and me["me"]["name"] == member.name

    host = app.test_client()
    admin = make_user(session)
    session.commit()
    sign_in_as(host, admin)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post(f"/api/contests/{contest.id}/start").status_code in (400, 401)  # a phone is no host
    started = host.post(f"/api/contests/{contest.id}/start")
    assert started.status_code == 200 and started.get_json()["status"] == "question"
    sent = client.post(f"/api/contests/{contest.id}/answers", json={"index": 1, "answer": "B"})
    assert sent.status_code == 201 and sent.get_json() == {"accepted": True, "index": 1, "elapsed_ms": 0}
    again = client.post(f"/api/contests/{contest.id}/answers", json={"index": 1, "answer": "B"})
    assert again.status_code == 409 and "不能重复" in again.get_json()["error"]["message"]
    forged = client.post(f"/api/contests/{contest.id}/answers",
                         json={"player_id": 12345, "secret": "guess", "index": 1, "answer": "B"})
    assert forged.status_code == 403
    assert client.get(f"/api/contests/{contest.id}/me").get_json()["me"]["score"] == 0  # told at the close
    host.post(f"/api/contests/{contest.id}/close")
    assert client.get(f"/api/contests/{contest.id}/me").get_json()["me"]["last"] == {
        "index": 1, "correct": True, "points": 1000}
    results = host.get(f"/api/contests/{contest.id}/results").get_json()
    assert results["players"][0]["name"] == member.name
    assert host.get(f"/api/contests/{contest.id}/results.xlsx").status_code == 200
    assert session.scalar(select(func.count()).select_from(ContestPlayer)) == 1


def test_a_multiple_choice_distribution_counts_each_option(runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    branch = make_branch(session)
    members = [make_member(session, branch_id=branch.id) for _ in range(3)]
    q = Question(kind=QuestionKind.MULTIPLE, stem="“三会一课”包括哪些？", answer="ABC", status=ReviewStatus.PUBLISHED,
                 difficulty=2, options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"])
    session.add(q)
    session.flush()
    contest = contests.create_contest(session, title="多选", room_id=make_room(session).id, questions=1, seconds=20,
                                      question_ids=[q.id])
    session.commit()
    engine = runtime.contests
    engine.now = Clock()
    players = [engine.join(contest.id, m) for m in members]
    engine.start(contest.id)
    for player, given in zip(players, ("ABC", "A,B", "BD"), strict=True):
        engine.answer(contest.id, player.id, player.secret, 1, given)
    engine.close_now(contest.id)
    reveal = engine.public_state(engine.get(contest.id))
    assert reveal["answered"] == 3
    assert {d["label"]: d["count"] for d in reveal["distribution"]} == {"A": 2, "B": 3, "C": 1, "D": 1}
