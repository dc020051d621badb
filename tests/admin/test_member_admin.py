"""Members by hand in the admin (add, edit, left, move), PIN slips (a branch, an import batch, one reset),
member statistics and their export; a secretary refused on other branches' members, PINs and figures."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.org.models import Branch, Member
from screen_server.security import verify_secret
from tests.admin.forms import OTHER_BRANCH, SECRETARY_BRANCH, post


def _branch(s: Session, name: str) -> Branch:
    branch = s.scalar(select(Branch).where(Branch.name == name))
    assert branch is not None
    return branch


def _audits(s: Session, action: str) -> int:
    s.expire_all()
    return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_admin_adds_edits_moves_and_records_a_member_leaving(as_admin: FlaskClient, demo: Session) -> None:
    branch = _branch(demo, SECRETARY_BRANCH)
    assert "添加党员" in as_admin.get("/admin/members/new").get_data(as_text=True)
    form = {"number": "N9001", "name": "吴 小红", "gender": "female", "birth_date": "1990-05-04",
            "joined_party_on": "2015.07", "party_status": "probationary", "branch_id": branch.id,
            "employment_type": "劳务派遣", "phone": "13900001111"}
    r = post(as_admin, "/admin/members/new", form, page="/admin/members/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    member = demo.scalar(select(Member).where(Member.number == "N9001"))
    assert member is not None and member.name == "吴小红" and member.party_status.value == "probationary"
    card = as_admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "预备党员" in card and "参会记录" in card and "积分记录" in card and "登记离开" in card

    bad = post(as_admin, f"/admin/members/{member.id}/edit", form | {"phone": "123"}, page=f"/admin/members/{member.id}/edit")
    assert bad.status_code == 400 and "不是有效的手机号" in bad.get_data(as_text=True)
    demo.expire_all()
    assert member.phone == "13900001111"
    post(as_admin, f"/admin/members/{member.id}/edit", form | {"party_status": "full"}, page=f"/admin/members/{member.id}/edit")
    demo.expire_all()
    assert member.party_status.value == "full" and _audits(demo, "member.update") == 1

    other = _branch(demo, OTHER_BRANCH)
    post(as_admin, f"/admin/members/{member.id}/move", {"branch_id": other.id}, page=f"/admin/members/{member.id}")
    demo.expire_all()
    assert member.branch_id == other.id and _audits(demo, "member.move") == 1

    post(as_admin, f"/admin/members/{member.id}/left", {"reason": "deceased", "left_on": "2026-11-20"},
         page=f"/admin/members/{member.id}")
    demo.expire_all()
    assert not member.active and member.left_reason is not None
    card = as_admin.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert "已于 2026-11-20 离开（去世）" in card and "恢复在册" in card
    assert "已离开" in as_admin.get("/admin/members?q=N9001").get_data(as_text=True)


def test_pin_slips_for_a_branch_are_shown_once_with_an_xlsx(as_admin: FlaskClient, demo: Session) -> None:
    branch = _branch(demo, SECRETARY_BRANCH)
    assert "生成密码条" in as_admin.get("/admin/members/pins").get_data(as_text=True)
    r = post(as_admin, "/admin/members/pins/issue", {"branch_id": branch.id}, page="/admin/members/pins")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    slips = re.findall(r'<dd class="mono">([^<]+)</dd>\s*<dt>[^<]*</dt><dd>[^<]*</dd>\s*<dt>[^<]*</dt><dd class="mono pin">(\d{6})</dd>', html)
    members = demo.scalars(select(Member).where(Member.branch_id == branch.id, Member.active.is_(True))).all()
    assert len(slips) == len(members) > 0 and "只显示这一次" in html and "党员编号和这个初始密码" in html
    demo.expire_all()
    for number, pin in slips:
        m = next(m for m in members if m.number == number)
        assert verify_secret(m.pin_hash, pin) and m.pin_must_change
    sheet_b64 = re.search(r'href="data:[^;]+;base64,([^"]+)"', html)
    assert sheet_b64 is not None
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(sheet_b64.group(1))))
    rows = [r for r in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    assert {(r[1], r[3]) for r in rows[2:2 + len(slips)]} == set(slips)
    assert any("制表：" in str(r[0]) and "生成时间" in str(r[0]) for r in rows if r and r[0])
    assert _audits(demo, "member.pins_issue") == 1
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "member.pins_issue"))
    assert entry is not None and not any(pin in str(entry.details) for _n, pin in slips)


def test_a_secretary_is_refused_on_other_branches_and_nothing_changes(
        as_secretary: FlaskClient, demo: Session) -> None:
    other = _branch(demo, OTHER_BRANCH)
    stranger = demo.scalars(select(Member).where(Member.branch_id == other.id)).first()
    assert stranger is not None
    before = (stranger.name, stranger.pin_hash, stranger.active)
    page = "/admin/members"
    cases = [
        (f"/admin/members/{stranger.id}/edit", {"number": stranger.number, "name": "改名"}),
        (f"/admin/members/{stranger.id}/left", {"reason": "deceased", "left_on": "2026-11-01"}),
        (f"/admin/members/{stranger.id}/pin/reset", {}),
        ("/admin/members/pins/issue", {"branch_id": other.id}),
        ("/admin/members/pins/issue", {"member_ids": str(stranger.id)}),
        ("/admin/members/new", {"number": "X1", "name": "某某", "branch_id": other.id}),
    ]
    for url, data in cases:
        r = post(as_secretary, url, data, page=page)
        assert r.status_code == 403, url
        assert "您只能管理本支部的党员" in r.get_data(as_text=True), url
    r = as_secretary.get(f"/admin/members/stats?branch={other.id}")
    assert r.status_code == 403 and "只能查看本支部" in r.get_data(as_text=True)
    demo.expire_all()
    assert (stranger.name, stranger.pin_hash, stranger.active) == before
    assert demo.scalar(select(func.count(Member.id)).where(Member.number == "X1")) == 0
    assert _audits(demo, "member.pins_issue") == 0 and _audits(demo, "member.pin_reset") == 0
    # Their own branch works, and the PIN page offers only it.
    assert OTHER_BRANCH not in as_secretary.get("/admin/members/pins").get_data(as_text=True)
    mine = as_secretary.get("/admin/members/stats").get_data(as_text=True)
    assert SECRETARY_BRANCH in mine and "在册" in mine


def test_member_statistics_with_combined_filters_and_an_audited_export(
        as_admin: FlaskClient, demo: Session) -> None:
    total = demo.scalar(select(func.count(Member.id)).where(Member.active.is_(True)))
    html = as_admin.get("/admin/members/stats").get_data(as_text=True)
    for heading in ("支部", "性别", "年龄段", "学历", "入党年份", "人员类别", "党员类别"):
        assert f"<h2>{heading}</h2>" in html
    assert f"在册 {total} 人" in html and html.count("<svg") == 7
    branch = _branch(demo, SECRETARY_BRANCH)
    women = demo.scalar(select(func.count(Member.id)).where(Member.active.is_(True), Member.branch_id == branch.id,
                                                            Member.gender == "female"))
    both = as_admin.get(f"/admin/members/stats?branch={branch.id}&gender=female").get_data(as_text=True)
    assert f"在册 {women} 人" in both and "性别：女" in both
    r = as_admin.get(f"/admin/members/stats/export.xlsx?branch={branch.id}&gender=female")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(r.data))
    assert book.sheetnames[:2] == ["支部", "性别"]
    assert _audits(demo, "member.stats_export") == 1
    bad = as_admin.get("/admin/members/stats?colour=red")
    assert bad.status_code == 200  # unknown query parameters are not filters
