"""留言墙 pages: an admin opens a topic on the demo room's wall, moderates the queue through the forms
(approve, reject with a reason, take down) and closes it; a secretary opens topics for their own branch
only and never sees a topic open to every member. Members' text is escaped on the page."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.devices.models import Room
from screen_server.messages import services as messages
from screen_server.messages.models import MessageStatus, MessageTopic, WallMessage
from screen_server.org.models import Branch, Member, User
from tests.admin.forms import ADMIN, OTHER_BRANCH, SECRETARY_BRANCH, post

PAGE = "/admin/messages"


def _id(s: Session, model: type, **where: object) -> int:
    found = s.scalar(select(model.id).filter_by(**where))  # type: ignore[attr-defined]
    assert found is not None
    return int(found)


def _member(s: Session, branch: str) -> Member:
    member = s.scalar(select(Member).join(Member.branch).where(Branch.name == branch).order_by(Member.id))
    assert member is not None
    return member


def test_admin_moderates_through_the_forms(as_admin: FlaskClient, demo: Session) -> None:
    room_id = _id(demo, Room, slug="demo")
    page = as_admin.get(PAGE).get_data(as_text=True)
    assert "留言墙" in page and "全体党员（由管理员审核）" in page
    r = post(as_admin, PAGE, {"title": "说说你心中的优秀共产党员", "room_id": str(room_id), "branch_id": ""}, page=PAGE)
    assert r.status_code == 302
    topic = demo.scalar(select(MessageTopic))
    assert topic is not None and topic.open and topic.branch_id is None and topic.room_id == room_id
    author = _member(demo, SECRETARY_BRANCH)
    good = messages.post_message(demo, topic.id, author, "<i>初心</i>如磐，使命在肩")
    bad = messages.post_message(demo, topic.id, author, "无关广告")
    gone = messages.post_message(demo, topic.id, author, "稍后撤下")
    demo.commit()
    page = as_admin.get(PAGE).get_data(as_text=True)
    assert "待审核 3 条，已上墙 0 条" in page and author.name in page
    assert "&lt;i&gt;初心&lt;/i&gt;如磐" in page and "<i>初心" not in page

    assert post(as_admin, f"{PAGE}/m/{good.id}/approve", {}, page=PAGE).status_code == 302
    assert post(as_admin, f"{PAGE}/m/{gone.id}/approve", {}, page=PAGE).status_code == 302
    assert post(as_admin, f"{PAGE}/m/{bad.id}/reject", {"reason": "与主题无关"}, page=PAGE).status_code == 302
    assert post(as_admin, f"{PAGE}/m/{gone.id}/reject", {}, page=PAGE).status_code == 302  # 撤下
    again = post(as_admin, f"{PAGE}/m/{good.id}/approve", {}, page=PAGE)
    assert again.status_code == 409 and "该留言已经上墙" in again.get_data(as_text=True)
    demo.expire_all()
    statuses = {m.id: (m.status, m.reason) for m in demo.scalars(select(WallMessage))}
    assert statuses == {good.id: (MessageStatus.APPROVED, ""), bad.id: (MessageStatus.REJECTED, "与主题无关"),
                        gone.id: (MessageStatus.REJECTED, "")}
    page = as_admin.get(PAGE).get_data(as_text=True)
    assert "待审核 0 条，已上墙 1 条，未通过 2 条" in page and "撤下" in page

    assert post(as_admin, f"{PAGE}/{topic.id}/close", {}, page=PAGE).status_code == 302
    demo.expire_all()
    assert not demo.get(MessageTopic, topic.id).open  # type: ignore[union-attr]
    actions = [a for (a,) in demo.execute(select(AuditEntry.action).order_by(AuditEntry.id))
               if a.startswith(("message_topic.", "wall_message."))]
    assert actions == ["message_topic.opened", "wall_message.approved", "wall_message.approved",
                       "wall_message.rejected", "wall_message.rejected", "message_topic.closed"]


def test_secretary_stays_in_their_branch(as_secretary: FlaskClient, demo: Session, settings: Settings) -> None:
    room_id = _id(demo, Room, slug="demo")
    mine, other = _id(demo, Branch, name=SECRETARY_BRANCH), _id(demo, Branch, name=OTHER_BRANCH)
    page = as_secretary.get(PAGE).get_data(as_text=True)
    assert 'href="/admin/messages"' in page and "全体党员（由管理员审核）" not in page and OTHER_BRANCH not in page
    refused = post(as_secretary, PAGE, {"title": "别的支部", "room_id": str(room_id), "branch_id": str(other)}, page=PAGE)
    assert refused.status_code == 403
    assert post(as_secretary, PAGE, {"title": "支部的心里话", "room_id": str(room_id)}, page=PAGE).status_code == 302
    own = demo.scalar(select(MessageTopic).where(MessageTopic.title == "支部的心里话"))
    assert own is not None and own.branch_id == mine
    admin = demo.scalar(select(User).where(User.username == ADMIN[0]))
    assert admin is not None
    messages.close_topic(demo, settings, admin, own.id)
    everyone = messages.open_topic(demo, settings, admin, room_id=room_id, title="全员话题")
    demo.commit()
    note = messages.post_message(demo, everyone.id, _member(demo, SECRETARY_BRANCH), "全体的留言")
    demo.commit()
    page = as_secretary.get(PAGE).get_data(as_text=True)
    assert "支部的心里话" in page and "全员话题" not in page and "全体的留言" not in page
    assert post(as_secretary, f"{PAGE}/m/{note.id}/approve", {}, page=PAGE).status_code == 404
    assert post(as_secretary, f"{PAGE}/{everyone.id}/close", {}, page=PAGE).status_code == 404

