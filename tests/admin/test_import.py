"""The roster import page: upload, the dry-run report with every bad row, then confirm (no second
upload) and an all-or-nothing import; a secretary imports only into their own branch."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.org.models import Member
from tests.admin.forms import OTHER_BRANCH, SECRETARY_BRANCH, post, roster, upload

HEADER = ["党员编号", "姓名", "性别", "出生年月", "入党时间", "所在支部"]


def _count(s: Session, pattern: str = "X%") -> int:
    s.expire_all()
    return s.scalar(select(func.count(Member.id)).where(Member.number.like(pattern))) or 0


def _upload_id(html: str) -> str:
    match = re.search(r'name="upload_id" value="([0-9a-f]{32})"', html)
    assert match, "no confirm form"
    return match.group(1)


def test_report_then_confirm_imports_everything(
    as_admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    data = roster(
        ["机关第一党支部党员花名册（2026年）"],
        HEADER,
        ["X0001", "李新", "男", "1985.03", "2010年7月1日", SECRETARY_BRANCH],
        ["X0002", "赵红", "女", "1990/5/12", "2015.06", SECRETARY_BRANCH],
    )
    r = upload(as_admin, data, "r.xlsx")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "确认导入 2 人" in html and "李新" in html and "赵红" in html
    assert _count(demo) == 0  # the dry run wrote nothing
    upload_id = _upload_id(html)
    kept = settings.data_dir / "uploads" / f"{upload_id}.bin"
    assert kept.read_bytes() == data
    r = post(as_admin, "/admin/members/import/confirm", {"upload_id": upload_id, "filename": "r.xlsx"})
    done = r.get_data(as_text=True)
    # The result page offers this batch's PIN slips next.
    assert r.status_code == 200 and "新增 2 人" in done and "为这 2 人生成初始密码条" in done
    assert _count(demo) == 2 and not kept.exists()
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "member.import"))
    assert entry is not None and entry.details["created"] == 2
    again = post(as_admin, "/admin/members/import/confirm", {"upload_id": upload_id, "filename": "r.xlsx"})
    assert again.status_code == 400 and "已过期" in again.get_data(as_text=True)


def test_every_bad_row_is_listed_and_nothing_is_kept(
    as_admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    data = roster(
        HEADER,
        ["X0001", "李新", "男", "1985.03", "2010.07", SECRETARY_BRANCH],
        ["X0002", "", "女", "1990.05", "2015.06", SECRETARY_BRANCH],
        ["X0003", "王五", "未知", "1990.05", "2015.06", "不存在的支部"],
        ["X0001", "李新二", "男", "1985.03", "2010.07", SECRETARY_BRANCH],
    )
    html = upload(as_admin, data).get_data(as_text=True)
    assert 'name="upload_id"' not in html and "确认导入 " not in html
    for row in ("第 3 行", "第 4 行", "第 5 行"):
        assert row in html
    assert "不存在的支部" in html and "未导入任何数据" in html
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert _count(demo) == 0


def test_a_file_that_cannot_be_read_is_explained(as_admin: FlaskClient, demo: Session) -> None:
    html = upload(as_admin, b"not a spreadsheet at all", "roster.xlsx").get_data(as_text=True)
    assert "未导入任何数据" in html and 'name="upload_id"' not in html
    r = post(as_admin, "/admin/members/import", {}, page="/admin/members/import")
    assert r.status_code == 400 and "请选择要导入的花名册文件" in r.get_data(as_text=True)


def test_confirm_with_a_made_up_id_is_refused(as_admin: FlaskClient, demo: Session) -> None:
    for upload_id in ("../../etc/passwd", "0" * 32):
        r = post(as_admin, "/admin/members/import/confirm", {"upload_id": upload_id, "filename": "r.xlsx"})
        assert r.status_code == 400 and "重新上传" in r.get_data(as_text=True)


def test_secretary_cannot_import_into_another_branch(as_secretary: FlaskClient, demo: Session) -> None:
    data = roster(["党员编号", "姓名", "所在支部"], ["X0001", "李新", OTHER_BRANCH])
    html = upload(as_secretary, data).get_data(as_text=True)
    assert "第 2 行" in html and 'name="upload_id"' not in html
    assert _count(demo) == 0
    own = roster(["党员编号", "姓名"], ["X0009", "周明"])  # no branch column: the secretary's own branch
    html = upload(as_secretary, own).get_data(as_text=True)
    post(as_secretary, "/admin/members/import/confirm", {"upload_id": _upload_id(html), "filename": "o.xlsx"})
    member = demo.scalar(select(Member).where(Member.number == "X0009"))
    assert member is not None and member.branch.name == SECRETARY_BRANCH
