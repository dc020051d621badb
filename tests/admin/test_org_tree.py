"""The organisation tree page: the admin changes the committee, branches and groups; a secretary sees
their own branch and edits its groups; every bad input gets a Chinese message and changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.org.models import Branch, Committee, PartyGroup, Role
from tests.admin.forms import login, post
from tests.helpers.factories import PASSWORD, make_branch, make_committee, make_member, make_user

TREE = "/admin/org"


@pytest.fixture
def org(session: Session) -> dict[str, int]:
    """A committee with two branches (the first with a member and a group), an admin and a secretary."""
    committee = make_committee(session, name="中共测试委员会")
    one = make_branch(session, committee_id=committee.id, name="第一党支部", short_name="一支部", position=1)
    two = make_branch(session, committee_id=committee.id, name="第二党支部", short_name="二支部", position=2)
    make_member(session, branch_id=one.id)
    group = PartyGroup(branch_id=one.id, name="第一党小组", position=1)
    other_group = PartyGroup(branch_id=two.id, name="二支部党小组", position=1)
    session.add_all([group, other_group])
    admin = make_user(session, Role.ADMIN, username="boss")
    secretary = make_user(session, Role.SECRETARY, username="sec1", display_name="王书记", branch_id=one.id)
    session.commit()
    return {"one": one.id, "two": two.id, "group": group.id, "other_group": other_group.id,
            "admin": admin.id, "secretary": secretary.id}


@pytest.fixture
def as_boss(client: FlaskClient, org: dict[str, int]) -> FlaskClient:
    login(client, "boss", PASSWORD)
    return client


@pytest.fixture
def as_sec(client: FlaskClient, org: dict[str, int]) -> FlaskClient:
    login(client, "sec1", PASSWORD)
    return client


def _audited(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_the_admin_sees_the_whole_tree_with_secretaries_and_counts(as_boss: FlaskClient) -> None:
    html = as_boss.get(TREE).get_data(as_text=True)
    assert "中共测试委员会" in html and "第一党支部" in html and "第二党支部" in html
    assert "王书记（sec1）" in html and "1 人" in html and "第一党小组" in html


def test_the_admin_renames_the_committee_and_adds_a_branch_audited(as_boss: FlaskClient, session: Session) -> None:
    assert post(as_boss, f"{TREE}/committee", {"name": "中共新名称委员会"}, page=TREE).status_code == 302
    r = post(as_boss, f"{TREE}/branches", {"name": "离退休党支部", "short_name": "离退休"}, page=TREE)
    assert r.status_code == 302
    session.expire_all()
    assert session.scalar(select(Committee.name)) == "中共新名称委员会"
    branch = session.scalar(select(Branch).where(Branch.name == "离退休党支部"))
    assert branch is not None and branch.short_name == "离退休" and branch.position == 3
    assert _audited(session, "org.committee.rename") == 1 and _audited(session, "org.branch.create") == 1


def test_a_duplicate_branch_name_is_refused_and_changes_nothing(as_boss: FlaskClient, session: Session,
                                                                 org: dict[str, int]) -> None:
    r = post(as_boss, f"{TREE}/branches", {"name": "第二党支部"}, page=TREE, headers={"Referer": "http://localhost/admin/org"})
    assert r.status_code == 302
    assert "已有名为“第二党支部”的支部" in as_boss.get(TREE).get_data(as_text=True)
    r = post(as_boss, f"{TREE}/branches/{org['one']}", {"name": "第二党支部", "short_name": "x"}, page=TREE)
    assert r.status_code == 400 and "已有名为“第二党支部”的支部" in r.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Branch)) == 2
    assert session.get(Branch, org["one"]).name == "第一党支部"  # type: ignore[union-attr]
    assert _audited(session, "org.branch.create") == 0 and _audited(session, "org.branch.update") == 0


def test_an_empty_branch_name_is_refused(as_boss: FlaskClient, session: Session) -> None:
    r = post(as_boss, f"{TREE}/branches", {"name": "   "}, page=TREE)
    assert r.status_code == 400 and "请填写支部名称" in r.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Branch)) == 2


def test_a_branch_with_members_is_not_deactivated_and_the_page_says_how(as_boss: FlaskClient, session: Session,
                                                                        org: dict[str, int]) -> None:
    r = post(as_boss, f"{TREE}/branches/{org['one']}/deactivate", {}, page=TREE)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "还有 1 名党员，不能停用" in html and "转到其他支部" in html
    assert f"/admin/members?branch_id={org['one']}" in html
    session.expire_all()
    assert session.get(Branch, org["one"]).active  # type: ignore[union-attr]
    assert _audited(session, "org.branch.deactivate") == 0


def test_an_empty_branch_is_deactivated_and_brought_back(as_boss: FlaskClient, session: Session,
                                                        org: dict[str, int]) -> None:
    assert post(as_boss, f"{TREE}/branches/{org['two']}/deactivate", {}, page=TREE).status_code == 302
    session.expire_all()
    assert not session.get(Branch, org["two"]).active  # type: ignore[union-attr]
    assert "已停用" in as_boss.get(TREE).get_data(as_text=True)
    members_page = as_boss.get("/admin/members").get_data(as_text=True)
    assert "第二党支部" not in members_page  # no longer offered in the choice lists
    assert post(as_boss, f"{TREE}/branches/{org['two']}/activate", {}, page=TREE).status_code == 302
    session.expire_all()
    assert session.get(Branch, org["two"]).active  # type: ignore[union-attr]
    assert _audited(session, "org.branch.deactivate") == 1 and _audited(session, "org.branch.activate") == 1


def test_branches_and_groups_are_reordered(as_boss: FlaskClient, session: Session, org: dict[str, int]) -> None:
    post(as_boss, f"{TREE}/branches/{org['two']}/move", {"step": -1}, page=TREE)
    session.expire_all()
    order = list(session.scalars(select(Branch.name).order_by(Branch.position)))
    assert order == ["第二党支部", "第一党支部"]
    post(as_boss, f"{TREE}/branches/{org['one']}/groups", {"name": "第二党小组"}, page=TREE)
    second = session.scalar(select(PartyGroup).where(PartyGroup.name == "第二党小组"))
    assert second is not None
    post(as_boss, f"{TREE}/groups/{second.id}/move", {"step": -1}, page=TREE)
    session.expire_all()
    names = list(session.scalars(select(PartyGroup.name).where(PartyGroup.branch_id == org["one"])
                                 .order_by(PartyGroup.position)))
    assert names == ["第二党小组", "第一党小组"]
    assert _audited(session, "org.branch.move") == 1 and _audited(session, "org.group.move") == 1


def test_the_secretary_sees_only_their_branch_and_edits_its_groups(as_sec: FlaskClient, session: Session,
                                                                  org: dict[str, int]) -> None:
    html = as_sec.get(TREE).get_data(as_text=True)
    assert "第一党支部" in html and "第二党支部" not in html and "二支部党小组" not in html
    assert "添加支部" not in html and "保存名称" not in html
    assert post(as_sec, f"{TREE}/branches/{org['one']}/groups", {"name": "第三党小组"}, page=TREE).status_code == 302
    assert post(as_sec, f"{TREE}/groups/{org['group']}", {"name": "机关党小组"}, page=TREE).status_code == 302
    assert post(as_sec, f"{TREE}/groups/{org['group']}/deactivate", {}, page=TREE).status_code == 302
    session.expire_all()
    group = session.get(PartyGroup, org["group"])
    assert group is not None and group.name == "机关党小组" and not group.active
    assert _audited(session, "org.group.create") == 1 and _audited(session, "org.group.rename") == 1


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/branches/{two}/groups", {"name": "越权党小组"}),
        ("/groups/{other_group}", {"name": "越权改名"}),
        ("/groups/{other_group}/deactivate", {}),
        ("/branches", {"name": "越权支部"}),
        ("/branches/{one}", {"name": "越权改支部名"}),
        ("/branches/{two}/deactivate", {}),
        ("/committee", {"name": "越权党委"}),
    ],
)
def test_the_secretary_cannot_act_on_another_branch_or_on_branches(as_sec: FlaskClient, session: Session,
                                                                    org: dict[str, int], url: str,
                                                                    data: dict[str, str]) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    r = post(as_sec, TREE + url.format(**org), data, page=TREE)
    html = r.get_data(as_text=True)
    assert r.status_code == 403 and ("只能管理本支部的党小组" in html or "只有系统管理员" in html)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert session.scalar(select(Committee.name)) == "中共测试委员会"
    assert session.get(PartyGroup, org["other_group"]).name == "二支部党小组"  # type: ignore[union-attr]


def test_a_duplicate_group_name_is_refused(as_sec: FlaskClient, session: Session, org: dict[str, int]) -> None:
    r = post(as_sec, f"{TREE}/branches/{org['one']}/groups", {"name": "第一党小组"}, page=TREE)
    assert r.status_code == 400 and "已有名为“第一党小组”的党小组" in r.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PartyGroup)) == 2


def test_content_roles_do_not_see_the_tree(client: FlaskClient, session: Session, org: dict[str, int]) -> None:
    make_user(session, Role.EDITOR, username="ed")
    session.commit()
    login(client, "ed", PASSWORD)
    assert client.get(TREE).status_code == 403
