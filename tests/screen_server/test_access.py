"""Regression tests of issue 13's holes, one each: editors and reviewers read no member; a secretary
cannot reach another branch through meeting attendees, leaves, make-ups, polls or contests; a terminal
reads only the member logged in there, and signs in only its own room's meeting."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.contests import services as contests
from screen_server.devices.models import DeviceRole
from screen_server.errors import DomainError
from screen_server.meetings import services as meetings
from screen_server.org import services as org
from screen_server.org.models import Role
from screen_server.polls import services as polls
from tests.helpers.factories import PIN, make_branch, make_device, make_member, make_room, make_user

NOW = dt.datetime.now(dt.UTC)


def _meeting(session: Session, settings: Settings, actor, branch_id: int, **kw):  # type: ignore[no-untyped-def]
    return meetings.create_meeting(session, settings, actor, title="支部党员大会", type="branch_general",
                                   branch_ids=[branch_id], starts_at=NOW + dt.timedelta(hours=1),
                                   ends_at=NOW + dt.timedelta(hours=2), **kw)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
def test_editors_and_reviewers_read_no_member(session: Session, role: Role) -> None:
    member = make_member(session)
    with pytest.raises(DomainError) as refused:
        org.get_member(session, make_user(session, role), member.id)
    assert refused.value.status == 403


def test_a_secretary_stays_in_their_branch(session: Session, settings: Settings) -> None:
    mine, theirs = make_branch(session), make_branch(session)
    secretary, admin = make_user(session, Role.SECRETARY, branch_id=mine.id), make_user(session, Role.ADMIN)
    me, them = make_member(session, branch_id=mine.id), make_member(session, branch_id=theirs.id)
    with pytest.raises(DomainError):  # expected attendees from another branch
        _meeting(session, settings, secretary, mine.id, expected_member_ids=[me.id, them.id])
    own = _meeting(session, settings, secretary, mine.id, expected_member_ids=[me.id])
    with pytest.raises(DomainError):  # a leave for another branch's member
        meetings.request_leave(session, meeting_id=own.id, member_id=them.id, reason="出差", entered_by=secretary)
    with pytest.raises(DomainError):  # a make-up (which awards points) for another branch's member
        meetings.makeup_sign_in(session, settings, secretary, meeting_id=own.id, member_id=them.id, reason="补签")
    assert meetings.makeup_sign_in(session, settings, secretary, meeting_id=own.id, member_id=me.id, reason="补签")
    ballot = polls.create_poll(session, title="民主评议", kind="single", options=["好", "较好"], branch_id=theirs.id,
                               anonymous=True, actor_user_id=admin.id)
    with pytest.raises(DomainError):
        polls.close_poll(session, ballot.id, actor=secretary)
    assert polls.list_polls(session, secretary) == []
    assert contests.list_contests(session, secretary) == []


def test_a_secretary_cannot_run_another_branchs_contest(client: FlaskClient, session: Session,
                                                        settings: Settings) -> None:
    from sqlalchemy import select

    from content.models import Question, ReviewStatus
    from screen_server.demo import seed_demo
    from screen_server.org.models import User
    from tests.admin.forms import SECRETARY, login

    seed_demo(session, settings)
    admin = session.scalar(select(User).where(User.username == "admin"))
    question = session.scalar(select(Question).where(Question.status == ReviewStatus.PUBLISHED).limit(1))
    assert admin is not None and question is not None
    contest = contests.create_contest(session, title="机关竞赛", room_id=None, questions=1, question_ids=[question.id],
                                      actor_user_id=admin.id)
    session.commit()
    login(client, *SECRETARY)
    token = client.get("/admin/login", follow_redirects=True).get_data(as_text=True)
    csrf = token.split('name="csrf_token" value="')[1].split('"')[0]
    for action in ("start", "next", "finish"):
        r = client.post(f"/api/contests/{contest.id}/{action}", json={}, headers={"X-CSRFToken": csrf})
        assert r.status_code == 404, action
    assert client.get(f"/api/contests/{contest.id}/results.xlsx").status_code == 404
    assert client.get(f"/admin/contests/{contest.id}/results.xlsx").status_code == 404


def test_a_terminal_reads_only_the_member_logged_in_there(client: FlaskClient, session: Session) -> None:
    me, other = make_member(session), make_member(session)
    terminal, token = make_device(session)
    _wall, wall_token = make_device(session, DeviceRole.WALL, room_id=terminal.room_id)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/device/members/{me.id}/summary", headers=auth).status_code == 401  # nobody in
    assert client.post("/api/device/members/login", json={"number": me.number, "pin": PIN}, headers=auth).status_code == 200
    assert client.get(f"/api/device/members/{me.id}/summary", headers=auth).status_code == 200
    for path in ("summary", "assessment", "rank", "recommendations"):
        assert client.get(f"/api/device/members/{other.id}/{path}", headers=auth).status_code == 401, path
    assert client.post("/api/device/members/logout", json={}, headers=auth).get_json() == {"ended": 1}
    assert client.get(f"/api/device/members/{me.id}/summary", headers=auth).status_code == 401
    wall = client.post("/api/device/members/login", json={"number": me.number, "pin": PIN},
                       headers={"Authorization": f"Bearer {wall_token}"})
    assert wall.status_code == 403


def test_a_terminal_signs_in_only_its_own_rooms_meeting(client: FlaskClient, session: Session,
                                                        settings: Settings) -> None:
    admin, branch = make_user(session, Role.ADMIN), make_branch(session)
    member = make_member(session, branch_id=branch.id)
    here, there = make_room(session), make_room(session)
    _terminal, token = make_device(session, room_id=here.id)
    elsewhere = meetings.create_meeting(
        session, settings, admin, title="别处的会", type="branch_general", branch_ids=[branch.id], room_id=there.id,
        starts_at=NOW + dt.timedelta(minutes=5), ends_at=NOW + dt.timedelta(hours=1),
        signin_opens_at=NOW - dt.timedelta(minutes=5))
    session.commit()
    answer = client.post("/api/device/signins", json={"meeting_id": elsewhere.id, "member_id": member.id, "pin": PIN},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "wrong_room"


def test_exports_of_personal_data_say_who_made_them_and_when(client: FlaskClient, session: Session,
                                                             settings: Settings) -> None:
    import io

    from openpyxl import load_workbook

    from screen_server.demo import seed_demo
    from tests.admin.forms import ADMIN, login

    seed_demo(session, settings)
    session.commit()
    login(client, *ADMIN)
    for path in ("/api/ledger.xlsx", "/admin/stats/export.xlsx", "/admin/assessment/export.xlsx"):
        r = client.get(path)
        assert r.status_code == 200, path
        book = load_workbook(io.BytesIO(r.data))
        for sheet in book.worksheets:
            cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
            assert any("导出人：系统管理员（admin）" in c and "导出时间" in c for c in cells), (path, sheet.title)
