"""题库 in the admin: check a sheet (every bad row shown, nothing written), import a good one (waiting
for review), a reviewer approves the imported questions, export."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Question, ReviewStatus
from tests.admin.forms import login, post
from tests.screen_server.test_question_sheet import GOOD, sheet

PAGE = "/admin/questions"


def test_check_import_review_export(app, client: FlaskClient, demo: Session) -> None:  # type: ignore[no-untyped-def]
    login(client, "editor1", "demo-editor-2026")
    before = demo.scalar(select(func.count()).select_from(Question))
    fresh = [[f"新题{n}：" + str(row[0]), *row[1:]] for n, row in enumerate(GOOD)]
    bad = post(client, f"{PAGE}/import", {"mode": "import", "file": (sheet(*fresh, fresh[0]), "bank.xlsx")},
               page=PAGE, content_type="multipart/form-data")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "未导入任何题目" in text and "与第 3 行的题目重复" in text
    assert demo.scalar(select(func.count()).select_from(Question)) == before
    checked = post(client, f"{PAGE}/import", {"mode": "check", "file": (sheet(*fresh), "bank.xlsx")},
                   page=PAGE, content_type="multipart/form-data")
    assert "检查通过：4 道题" in checked.get_data(as_text=True)
    done = post(client, f"{PAGE}/import", {"mode": "import", "file": (sheet(*fresh), "bank.xlsx")},
                page=PAGE, content_type="multipart/form-data")
    assert done.status_code == 302
    demo.expire_all()
    new = demo.scalars(select(Question).where(Question.stem.startswith("新题"))).all()
    assert len(new) == 4 and {q.status for q in new} == {ReviewStatus.SUBMITTED}
    reviewer = app.test_client()
    login(reviewer, "reviewer1", "demo-reviewer-2026")
    post(reviewer, f"{PAGE}/review", {"action": "approve", "ids": [str(q.id) for q in new]}, page=PAGE)
    demo.expire_all()
    assert {q.status for q in demo.scalars(select(Question).where(Question.stem.startswith("新题")))} == {
        ReviewStatus.PUBLISHED}
    xlsx = client.get(f"{PAGE}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_write_and_edit_a_question(client: FlaskClient, demo: Session) -> None:
    login(client, "editor1", "demo-editor-2026")
    new = f"{PAGE}/new"
    bad = post(client, new, {"kind": "single", "stem": "题目", "option_A": "甲", "option_B": "乙", "answer": "E"}, page=new)
    assert "答案必须是选项中的字母" in bad.get_data(as_text=True)
    r = post(client, new, {"kind": "single", "stem": "党的最高领导机关是？", "option_A": "全国代表大会",
                           "option_B": "中央委员会", "answer": "a", "difficulty": "2"}, page=new)
    assert r.status_code == 302
    q = demo.scalar(select(Question).where(Question.stem == "党的最高领导机关是？"))
    assert q is not None and q.answer == "A" and q.status == ReviewStatus.DRAFT
    page = f"{PAGE}/{q.id}"
    post(client, page, {"stem": "党的最高领导机关是什么？", "option_A": "党的全国代表大会和它产生的中央委员会",
                        "option_B": "中央纪律检查委员会", "answer": "A", "difficulty": "1", "submit": "1"}, page=page)
    demo.expire_all()
    q = demo.get(Question, q.id)
    assert q is not None and q.stem.endswith("什么？") and q.status == ReviewStatus.SUBMITTED and q.difficulty == 1
