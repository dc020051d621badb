"""学习计划 in the admin, on the demo organisation: a secretary sets a plan for their own branch only
(another branch's refused, bad input refused in Chinese and nothing saved), sees the committee's plan
without changing it, and exports their branch's completion; the member sees the plan on the phone and
at a terminal where they are logged in, nobody else's."""

from __future__ import annotations

import datetime as dt
import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.config import Settings
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import DeviceRole
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.org.models import Branch, Member, User
from screen_server.study import plans
from screen_server.study.models import StudyPlan
from tests.admin.forms import OTHER_BRANCH, SECRETARY, SECRETARY_BRANCH, login, post
from tests.helpers.factories import log_in_at, make_device

PAGE = "/admin/plans"


def _branch(session: Session, name: str) -> int:
    branch_id = session.scalar(select(Branch.id).where(Branch.name == name))
    assert branch_id
    return int(branch_id)


def _items(session: Session) -> list[int]:
    return list(session.scalars(select(Item.id).where(Item.status == ReviewStatus.PUBLISHED,
                                                      Item.kind == ItemKind.ARTICLE).order_by(Item.id).limit(3)))


def _form(branch_id: int | str, items: list[int], **kw: str) -> dict[str, object]:
    today = dt.date.today()
    return {"title": "本月必学", "branch_id": str(branch_id), "starts_on": today.isoformat(),
            "due_on": (today + dt.timedelta(days=7)).isoformat(), "item_id": [str(i) for i in items], **kw}


def test_secretary_sets_plans_for_own_branch_only(client: FlaskClient, demo: Session) -> None:
    mine, theirs, items = _branch(demo, SECRETARY_BRANCH), _branch(demo, OTHER_BRANCH), _items(demo)
    login(client, *SECRETARY)
    page = client.get(PAGE).get_data(as_text=True)
    assert "新建学习计划" in page and OTHER_BRANCH not in page and "全体党员（党委）" not in page
    other = post(client, PAGE, _form(theirs, items), page=PAGE)
    assert other.status_code == 403 and "只能为本支部" in other.get_data(as_text=True)
    everyone = post(client, PAGE, _form("", items), page=PAGE)
    assert everyone.status_code == 403
    bad = post(client, PAGE, _form(mine, items, due_on="明天"), page=PAGE)
    assert bad.status_code == 400 and "请填写正确的截止日期" in bad.get_data(as_text=True)
    none = post(client, PAGE, _form(mine, []), page=PAGE)
    assert none.status_code == 400 and "请至少选择一项必学内容" in none.get_data(as_text=True)
    assert demo.scalar(select(func.count(StudyPlan.id))) == 1  # the demo's own committee plan only
    ok = post(client, PAGE, _form(mine, items), page=PAGE)
    assert ok.status_code == 302
    plan = demo.scalar(select(StudyPlan).where(StudyPlan.title == "本月必学"))
    assert plan is not None and plan.branch_id == mine and plans.plan_item_ids(demo, plan.id) == items
    shown = client.get(f"{PAGE}/{plan.id}").get_data(as_text=True)
    assert "支部完成率" in shown and SECRETARY_BRANCH in shown and "修改计划" in shown


def test_committee_plan_is_read_only_for_a_secretary_and_other_branches_hidden(client: FlaskClient,
                                                                               demo: Session) -> None:
    admin = demo.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    items = _items(demo)
    today = dt.date.today()
    committee = plans.save_plan(demo, admin, title="全体必学", branch_id=None, starts_on=today, due_on=today,
                                item_ids=items)
    theirs = plans.save_plan(demo, admin, title="二支部必学", branch_id=_branch(demo, OTHER_BRANCH),
                             starts_on=today, due_on=today, item_ids=items)
    demo.commit()
    login(client, *SECRETARY)
    listing = client.get(PAGE).get_data(as_text=True)
    assert "全体必学" in listing and "二支部必学" not in listing
    page = client.get(f"{PAGE}/{committee.id}").get_data(as_text=True)
    assert "修改计划" not in page and "支部书记只能查看本支部的完成情况" in page
    rows = page[page.index('id="branch-rates"'):page.index('id="member-rates"')]
    assert SECRETARY_BRANCH in rows and OTHER_BRANCH not in rows
    assert post(client, f"{PAGE}/{committee.id}", _form(_branch(demo, SECRETARY_BRANCH), items),
                page=PAGE).status_code == 403
    assert client.get(f"{PAGE}/{theirs.id}").status_code == 404
    r = client.get(f"{PAGE}/{committee.id}/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    members = [row for row in wb["党员完成情况"].iter_rows(min_row=3, values_only=True) if row[1]]
    assert len(members) == 15 and {m[1] for m in members} == {SECRETARY_BRANCH}


def test_member_sees_plans_on_phone_and_at_the_terminal(client: FlaskClient, demo: Session,
                                                        settings: Settings) -> None:
    member = demo.scalar(select(Member).where(Member.number == "D0001"))
    other = demo.scalar(select(Member).where(Member.number == "D0002"))
    admin = demo.scalar(select(User).where(User.username == "admin"))
    assert member and other and admin
    today = dt.date.today()
    plan = plans.save_plan(demo, admin, title="全体必学", branch_id=None, starts_on=today, due_on=today,
                           item_ids=_items(demo))
    device, token = make_device(demo, DeviceRole.TERMINAL)
    log_in_at(demo, device, member)
    demo.commit()
    form = client.get("/m/plans").get_data(as_text=True)
    assert "请输入党员编号和密码" in form
    wrong = post(client, "/m/plans", {"number": member.number, "pin": "000000"}, page="/m/plans")
    assert wrong.status_code == 401 and "全体必学" not in wrong.get_data(as_text=True)
    right = post(client, "/m/plans", {"number": member.number, "pin": MEMBER_PIN}, page="/m/plans")
    assert right.status_code == 200 and "已完成 0/3" in right.get_data(as_text=True)
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    assert f'id="plan-{plan.id}"' in client.get("/m/plans").get_data(as_text=True)
    auth = {"Authorization": f"Bearer {token}"}
    data = client.get(f"/api/device/members/{member.id}/plans", headers=auth).get_json()
    assert [(p["title"], p["done"], p["total"]) for p in data["plans"] if p["id"] == plan.id] == [("全体必学", 0, 3)]
    assert "本月必学：党章党规" in {p["title"] for p in data["plans"]}  # the demo's plan binds everyone too
    assert client.get(f"/api/device/members/{other.id}/plans", headers=auth).status_code in (401, 404)
