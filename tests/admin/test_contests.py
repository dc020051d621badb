"""知识竞赛 in the admin: create one for the demo room from the demo bank, run it (start, close, next,
finish), see the results and export them; secretaries may host; bad input refused with a message."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.contests.models import Contest, ContestStatus
from screen_server.devices.models import Room
from tests.admin.forms import post

PAGE = "/admin/contests"


def test_host_runs_a_contest_from_the_admin(as_secretary: FlaskClient, demo: Session) -> None:
    room_id = demo.scalar(select(Room.id).where(Room.slug == "demo"))
    bad = post(as_secretary, PAGE, {"title": "", "room_id": str(room_id), "questions": "5"}, page=PAGE)
    assert "请填写竞赛名称" in bad.get_data(as_text=True)
    too_many = post(as_secretary, PAGE, {"title": "太多题", "room_id": str(room_id), "questions": "500"}, page=PAGE)
    assert "题目数量应在 1 到 50 之间" in too_many.get_data(as_text=True)
    r = post(as_secretary, PAGE, {"title": "党章知识竞赛", "room_id": str(room_id), "questions": "3",
                                  "seconds": "20"}, page=PAGE)
    assert r.status_code == 302
    contest = demo.scalar(select(Contest).where(Contest.title == "党章知识竞赛"))
    assert contest is not None and len(contest.questions) == 3
    page = f"{PAGE}/{contest.id}"
    shown = as_secretary.get(page).get_data(as_text=True)
    assert contest.code in shown and "开始竞赛" in shown
    for action, status in (("start", "question"), ("close", "reveal"), ("next", "question"), ("finish", "finished")):
        assert post(as_secretary, f"{page}/{action}", {}, page=page).status_code == 302
        demo.expire_all()
        assert demo.get(Contest, contest.id).status == ContestStatus(status)  # type: ignore[union-attr]
    assert "已结束" in as_secretary.get(page).get_data(as_text=True)
    xlsx = as_secretary.get(f"{page}/results.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
