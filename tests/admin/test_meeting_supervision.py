"""督导 in the admin: the committee's admin comments on a branch's meeting and orders a correction due in
two days; the secretary sees it on the dashboard, and, with the clock moved past the deadline, as
overdue; the secretary answers and marks it done; the dashboard lists the branch's 三会一课 by cadence."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.dashboard import views as dashboard
from screen_server.meetings.models import Meeting, Rectification
from screen_server.org.models import Branch
from tests.admin.forms import ADMIN, SECRETARY, SECRETARY_BRANCH, login, post


def test_a_correction_becomes_overdue_and_the_branch_answers(client: FlaskClient, demo: Session, app,  # type: ignore[no-untyped-def]
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    branch_id = demo.scalar(select(Branch.id).where(Branch.name == SECRETARY_BRANCH))
    meeting = demo.scalar(select(Meeting).join(Meeting.branches).where(Branch.id == branch_id)
                          .order_by(Meeting.starts_at))
    assert meeting is not None
    page = f"/admin/meetings/{meeting.id}"
    login(client, *ADMIN)
    deadline = (dt.datetime.now(dashboard.LOCAL).date() + dt.timedelta(days=2)).isoformat()
    assert post(client, f"{page}/comments", {"body": "请补充讨论发言要点"}, page=page).status_code == 302
    assert post(client, f"{page}/rectifications", {"title": "补充会议记录", "deadline": deadline},
                page=page).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "请补充讨论发言要点" in html and "补充会议记录" in html and f"期限 {deadline}" in html

    secretary = app.test_client()
    login(secretary, *SECRETARY)
    board = secretary.get("/admin/").get_data(as_text=True)
    assert "待整改事项" in board and "补充会议记录" in board and "已逾期" not in board.split("待整改事项")[1].split("</section>")[0]
    assert "三会一课到期提醒" in board and "党小组会" in board  # the demo has held none: overdue by cadence
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    monkeypatch.setattr(dashboard, "utcnow", lambda: later)  # the clock, moved past the deadline
    card = secretary.get("/admin/").get_data(as_text=True).split("待整改事项")[1].split("</section>")[0]
    assert "已逾期" in card and "补充会议记录" in card
    monkeypatch.undo()

    item = demo.scalar(select(Rectification))
    assert item is not None
    r = post(secretary, f"{page}/rectifications/{item.id}/answer", {"answer": "已补充 5 位同志的发言", "done": "on"},
             page=page)
    assert r.status_code == 302
    assert "待整改事项" not in secretary.get("/admin/").get_data(as_text=True)
    assert "已补充 5 位同志的发言" in secretary.get(page).get_data(as_text=True)
    # a secretary cannot order corrections
    refused = post(secretary, f"{page}/rectifications", {"title": "自查", "deadline": deadline}, page=page)
    assert refused.status_code in (302, 403)
    demo.expire_all()
    assert demo.scalar(select(Rectification).where(Rectification.title == "自查")) is None
