"""Members pages: list, search, branch filter, pages, masked phones, a member's card, PINs, and the
branch secretary's scope through the pages and through the JSON API."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.org.models import Branch, Member
from screen_server.security import verify_secret
from tests.admin.forms import OTHER_BRANCH, SECRETARY_BRANCH, post


def _branch(s: Session, name: str) -> Branch:
    branch = s.scalar(select(Branch).where(Branch.name == name))
    assert branch is not None
    return branch


def _members_of(s: Session, name: str) -> list[Member]:
    return list(
        s.scalars(select(Member).where(Member.branch_id == _branch(s, name).id).order_by(Member.number))
    )


def test_list_pages_search_and_filter(as_admin: FlaskClient, demo: Session) -> None:
    first = as_admin.get("/admin/members").get_data(as_text=True)
    assert "共 60 人" in first and "D0001" in first and "D0051" not in first and "第 1 / 2 页" in first
    second = as_admin.get("/admin/members?page=2").get_data(as_text=True)
    assert "D0051" in second and "D0001" not in second
    found = as_admin.get("/admin/members?q=D0007").get_data(as_text=True)
    assert "共 1 人" in found and "D0007" in found
    other = _branch(demo, OTHER_BRANCH)
    filtered = as_admin.get(f"/admin/members?branch_id={other.id}").get_data(as_text=True)
    assert all(m.number in filtered for m in _members_of(demo, OTHER_BRANCH))
    assert not any(m.number in filtered for m in _members_of(demo, SECRETARY_BRANCH))


def test_phones_are_masked_in_the_list_and_whole_on_the_card(as_admin: FlaskClient, demo: Session) -> None:
    m = demo.scalar(select(Member).where(Member.number == "D0001"))
    assert m is not None and m.phone and len(m.phone) == 11
    listing = as_admin.get("/admin/members?q=D0001").get_data(as_text=True)
    assert f"{m.phone[:3]}****{m.phone[-4:]}" in listing and m.phone not in listing
    assert m.phone in as_admin.get(f"/admin/members/{m.id}").get_data(as_text=True)


def test_setting_a_pin_is_audited(as_admin: FlaskClient, demo: Session) -> None:
    m = demo.scalar(select(Member).where(Member.number == "D0002"))
    assert m is not None
    r = post(as_admin, f"/admin/members/{m.id}/pin", {"pin": "8642"}, page=f"/admin/members/{m.id}")
    assert r.status_code == 302
    assert "签到密码已设置" in as_admin.get(r.headers["Location"]).get_data(as_text=True)
    demo.expire_all()
    assert m.pin_hash and verify_secret(m.pin_hash, "8642")
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "member.set_pin")) is not None
    bad = post(as_admin, f"/admin/members/{m.id}/pin", {"pin": "12"}, page=f"/admin/members/{m.id}")
    assert bad.status_code == 400 and "4 到 8 位数字" in bad.get_data(as_text=True)


def test_secretary_sees_only_their_branch_in_the_pages(as_secretary: FlaskClient, demo: Session) -> None:
    own, others = _members_of(demo, SECRETARY_BRANCH), _members_of(demo, OTHER_BRANCH)
    listing = as_secretary.get("/admin/members").get_data(as_text=True)
    assert f"共 {len(own)} 人" in listing
    assert all(m.number in listing for m in own) and not any(m.number in listing for m in others)
    assert OTHER_BRANCH not in listing  # not even offered in the branch filter
    assert not any(
        m.number in as_secretary.get("/admin/members?q=D00").get_data(as_text=True) for m in others
    )
    r = as_secretary.get(f"/admin/members?branch_id={_branch(demo, OTHER_BRANCH).id}")
    assert r.status_code == 403 and "本支部" in r.get_data(as_text=True)
    stranger = others[0]
    r = as_secretary.get(f"/admin/members/{stranger.id}")
    assert r.status_code == 404 and "不在您的管理范围内" in r.get_data(as_text=True)
    assert stranger.name not in r.get_data(as_text=True)
    r = post(as_secretary, f"/admin/members/{stranger.id}/pin", {"pin": "111111"})
    assert r.status_code == 404
    demo.expire_all()
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "member.set_pin")) is None
    assert as_secretary.get(f"/admin/members/{own[0].id}").status_code == 200


def test_secretary_sees_only_their_branch_in_the_json_api(as_secretary: FlaskClient, demo: Session) -> None:
    own, others = _members_of(demo, SECRETARY_BRANCH), _members_of(demo, OTHER_BRANCH)
    body = as_secretary.get("/api/members?limit=500").get_json()
    assert body["total"] == len(own) and {m["number"] for m in body["items"]} == {m.number for m in own}
    assert as_secretary.get(f"/api/members/{others[0].id}").status_code == 404
    assert as_secretary.get(f"/api/members?branch_id={others[0].branch_id}").status_code == 403
    assert as_secretary.get(f"/api/members/{own[0].id}").get_json()["number"] == own[0].number
    assert [b["name"] for b in as_secretary.get("/api/branches").get_json()["items"]] == [SECRETARY_BRANCH]
