"""测评 pages: a secretary sets a test up for their own branch only (the branch they name in the form is
ignored), bad input is refused with a message and changes nothing, another branch's test is not found;
the results page and its .xlsx are the secretary's own branch's."""

from __future__ import annotations

import datetime as dt
import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Question, ReviewStatus
from screen_server.exams import services as exams
from screen_server.exams.models import Exam
from screen_server.org.models import Branch, User
from tests.admin.forms import SECRETARY_BRANCH, post

PAGE = "/admin/exams"
LOCAL = dt.timezone(dt.timedelta(hours=8))


def _form(demo: Session, **kw: str) -> dict[str, str]:
    ids = demo.scalars(select(Question.id).where(Question.status == ReviewStatus.PUBLISHED).limit(3)).all()
    now = dt.datetime.now(LOCAL)
    return {"title": "支部廉政测评", "mode": "fixed", "question_ids": " ".join(map(str, ids)),
            "opens_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "time_limit_minutes": "20", "pass_percent": "60", "max_attempts": "1"} | kw


def test_a_secretary_sets_a_test_for_their_own_branch(as_secretary: FlaskClient, demo: Session) -> None:
    mine = demo.scalar(select(Branch).where(Branch.name == SECRETARY_BRANCH))
    other = demo.scalar(select(Branch).where(Branch.name != SECRETARY_BRANCH))
    assert mine is not None and other is not None
    r = post(as_secretary, PAGE, _form(demo, branch_ids=str(other.id)), page=f"{PAGE}/new")
    assert r.status_code == 302
    exam = demo.scalar(select(Exam))
    assert exam is not None and exam.branch_ids == [mine.id] and not exam.all_branches
    results = as_secretary.get(r.headers["Location"]).get_data(as_text=True)
    assert SECRETARY_BRANCH in results and other.name not in results and "未参加" in results
    book = load_workbook(io.BytesIO(as_secretary.get(f"{PAGE}/{exam.id}/results.xlsx").data))
    branches = [row[0] for row in book["支部汇总"].iter_rows(min_row=3, values_only=True) if row[1] is not None]
    assert branches == [SECRETARY_BRANCH]
    admin = demo.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    theirs = exams.save_exam(demo, admin, title="全体测评", question_ids=exam.question_ids, opens_at=exam.opens_at,
                             closes_at=exam.closes_at, time_limit_minutes=10, pass_percent=60, max_attempts=1)
    demo.commit()
    assert as_secretary.get(f"{PAGE}/{theirs.id}").status_code == 404
    assert "全体测评" not in as_secretary.get(PAGE).get_data(as_text=True)


def test_bad_input_is_refused_and_changes_nothing(as_admin: FlaskClient, demo: Session) -> None:
    for bad, message in (({"closes_at": "2020-01-01T00:00"}, "结束时间必须晚于开始时间"),
                         ({"time_limit_minutes": "abc"}, "必须是整数"), ({"question_ids": "999999"}, "不存在或未发布"),
                         ({"mode": "rule"}, "请至少设置一条抽题规则")):
        r = post(as_admin, PAGE, _form(demo, **bad), page=f"{PAGE}/new", headers={"Referer": f"http://localhost{PAGE}/new"},
                 follow_redirects=True)
        assert message in r.get_data(as_text=True), bad
    assert demo.scalar(select(func.count()).select_from(Exam)) == 0
