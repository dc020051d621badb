"""The setup checklist on the admin dashboard: each step in order, linked to its page, ticked when done,
gone when everything is done; only admins see it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.devices.models import DeviceRole
from screen_server.org.models import Role
from screen_server.setup.checklist import STEPS, setup_checklist
from tests.admin.forms import login
from tests.helpers.factories import PASSWORD, make_branch, make_committee, make_device, make_member, make_user


def _steps(html: str) -> dict[str, str]:
    """Each step's state on the page (done, next or ''), in the page's order."""
    return {key: state for state, key in re.findall(r'<li class="(\w*)" data-step="(\w+)"', html)}


def test_an_empty_install_lists_every_step_with_its_page(client: FlaskClient, session: Session) -> None:
    make_user(session, Role.ADMIN, username="boss")
    session.commit()
    login(client, "boss", PASSWORD)
    html = client.get("/admin/").get_data(as_text=True)
    assert "还需完成 7 步" in html
    steps = _steps(html)
    assert list(steps) == list(STEPS)
    assert steps["organisation"] == "next" and steps["rooms"] == ""
    for href in ("/admin/org", "/admin/devices#rooms", "/admin/devices", "/admin/users", "/admin/members",
                 "/admin/content/items"):
        assert f'href="{href}"' in html


def test_steps_are_ticked_as_they_are_done_and_the_list_goes_when_all_are(client: FlaskClient,
                                                                           session: Session) -> None:
    make_user(session, Role.ADMIN, username="boss")
    make_committee(session, name="中共测试委员会")
    branch = make_branch(session)
    make_user(session, Role.SECRETARY, branch_id=branch.id)
    session.commit()
    login(client, "boss", PASSWORD)
    steps = _steps(client.get("/admin/").get_data(as_text=True))
    assert steps["organisation"] == "done" and steps["users"] == "done" and steps["rooms"] == "next"

    make_device(session, DeviceRole.WALL)  # with its room
    make_member(session, branch_id=branch.id, pin_hash=None)
    session.commit()
    done = {s.key: s.done for s in setup_checklist(session)}
    assert done == {"organisation": True, "rooms": True, "screens": True, "users": True, "members": True,
                    "pins": False, "content": False}
    make_member(session, branch_id=branch.id)  # with a PIN
    session.add(Item(title="学习材料", kind=ItemKind.ARTICLE, body_markdown="正文", status=ReviewStatus.PUBLISHED))
    session.commit()
    assert all(s.done for s in setup_checklist(session))
    assert 'id="setup-checklist"' not in client.get("/admin/").get_data(as_text=True)


def test_a_secretary_does_not_see_the_checklist(client: FlaskClient, session: Session) -> None:
    make_user(session, Role.SECRETARY, username="sec")
    session.commit()
    login(client, "sec", PASSWORD)
    assert 'id="setup-checklist"' not in client.get("/admin/").get_data(as_text=True)
