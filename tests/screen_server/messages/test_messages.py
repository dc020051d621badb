"""The message wall's rules: a pending message reaches no screen, approval puts it on the wall (name
masked per the setting), rejection keeps it off and tells its author why; closed topics, blank or
too-long text, members outside the branch and a fourth waiting message are refused; secretaries
moderate only their own branch's topics; every moderator action is audited."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server import protocol
from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.messages import services as messages
from screen_server.messages.models import MessageStatus, WallMessage
from screen_server.org.models import Role
from screen_server.org.services import mask_name
from screen_server.push.viewer import Viewer
from screen_server.runtime import Runtime
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_member, make_room, make_user


def _updates(log: EventLog, topic_id: int) -> list[dict[str, Any]]:
    return [e.payload["message_wall"] for e in log.of(protocol.MESSAGES_UPDATED)
            if e.payload["message_wall"]["id"] == topic_id]


def test_only_approved_messages_reach_the_wall(runtime: Runtime, session: Session, settings: Settings) -> None:
    room, branch = make_room(session), make_branch(session, short_name="一支部")
    admin = make_user(session, Role.ADMIN)
    author, other = make_member(session, branch_id=branch.id, name="张小明"), make_member(session, branch_id=branch.id)
    log = EventLog(runtime.bus)
    topic = messages.open_topic(session, settings, admin, room_id=room.id, title="说说你心中的党员模样")
    session.commit()
    opened = log.wait(protocol.MESSAGES_UPDATED, where=lambda e: e.payload["message_wall"]["id"] == topic.id)
    assert opened.room_id == room.id and opened.payload["message_wall"]["open"] is True
    assert opened.payload["message_wall"]["messages"] == [] and opened.payload["message_wall"]["path"] == f"/w/{topic.id}"

    pending = messages.post_message(session, topic.id, author, "  为人民服务，\n\n从身边小事做起。 ")
    later = messages.post_message(session, topic.id, other, "学党史，悟思想")
    session.commit()
    assert pending.status is MessageStatus.PENDING and pending.text == "为人民服务， 从身边小事做起。"
    assert messages.topic_data(session, settings, topic)["messages"] == []
    wall = runtime.snapshots.build(Viewer(kind="device", room_id=room.id))["message_wall"]
    assert wall["id"] == topic.id and wall["messages"] == [] and wall["approved"] == 0

    messages.approve(session, settings, admin, later.id)
    session.commit()
    log.wait(protocol.MESSAGES_UPDATED, where=lambda e: [m["id"] for m in e.payload["message_wall"]["messages"]]
             == [later.id])
    # Events arrive in order: had the two posts raised any, they would be here before the approval's.
    assert len(_updates(log, topic.id)) == 2

    messages.approve(session, settings, admin, pending.id)
    session.commit()
    pushed = log.wait(protocol.MESSAGES_UPDATED, where=lambda e: len(e.payload["message_wall"]["messages"]) == 2)
    newest = pushed.payload["message_wall"]["messages"][0]
    assert newest == {"id": pending.id, "name": "张*明", "branch": "一支部", "text": "为人民服务， 从身边小事做起。",
                      "at": newest["at"]}
    assert pushed.payload["message_wall"]["approved"] == 2
    wall = runtime.snapshots.build(Viewer(kind="device", room_id=room.id))["message_wall"]
    assert [m["id"] for m in wall["messages"]] == [pending.id, later.id]
    assert runtime.snapshots.build(Viewer(kind="device", room_id=make_room(session).id))["message_wall"] is None

    unmasked = dataclasses.replace(settings, mask_names=False, public_url="https://dj.example.cn/")
    data = messages.topic_data(session, unmasked, topic)
    assert data["messages"][0]["name"] == "张小明" and data["url"] == f"https://dj.example.cn/w/{topic.id}"
    assert mask_name("张小明") == "张*明"


def test_rejecting_keeps_it_off_and_takes_it_down(runtime: Runtime, session: Session, settings: Settings) -> None:
    room, admin, member = make_room(session), make_user(session, Role.ADMIN), make_member(session)
    topic = messages.open_topic(session, settings, admin, room_id=room.id, title="对支部工作的建议")
    first = messages.post_message(session, topic.id, member, "建议多组织实地参观学习")
    second = messages.post_message(session, topic.id, member, "广告：低价出售……")
    session.commit()
    log = EventLog(runtime.bus)
    messages.reject(session, settings, admin, second.id, "与主题无关")
    session.commit()
    assert second.status is MessageStatus.REJECTED and second.reason == "与主题无关"
    assert second.moderated_by_user_id == admin.id and second.moderated_at is not None
    assert [m.status for m in messages.own_messages(session, topic.id, member.id)] == [MessageStatus.REJECTED,
                                                                                        MessageStatus.PENDING]
    with pytest.raises(Conflict, match="已经是未通过"):
        messages.reject(session, settings, admin, second.id)
    session.rollback()
    messages.approve(session, settings, admin, first.id)
    session.commit()
    shown = log.wait(protocol.MESSAGES_UPDATED, where=lambda e: len(e.payload["message_wall"]["messages"]) == 1)
    messages.reject(session, settings, admin, first.id)  # taken down again
    session.commit()
    gone = log.wait(protocol.MESSAGES_UPDATED, where=lambda e: e.seq > shown.seq)
    assert gone.payload["message_wall"]["messages"] == [] and gone.payload["message_wall"]["approved"] == 0
    assert messages.topic_data(session, settings, topic)["messages"] == []


def test_what_a_member_may_post(session: Session, settings: Settings) -> None:
    room, branch, other_branch = make_room(session), make_branch(session), make_branch(session)
    admin = make_user(session, Role.ADMIN)
    member, outsider = make_member(session, branch_id=branch.id), make_member(session, branch_id=other_branch.id)
    topic = messages.open_topic(session, settings, admin, room_id=room.id, title="本支部的心里话", branch_id=branch.id)
    session.commit()
    with pytest.raises(Invalid, match="请先写下"):
        messages.post_message(session, topic.id, member, " \n\t ")
    with pytest.raises(Invalid, match="最多 140 字，现在是 141 字"):
        messages.post_message(session, topic.id, member, "党" * 141)
    with pytest.raises(Forbidden, match="只限"):
        messages.post_message(session, topic.id, outsider, "我也想说")
    session.rollback()
    exactly = messages.post_message(session, topic.id, member, "党" * 140)
    session.commit()
    assert len(exactly.text) == 140

    # The same form sent twice stores one message, even with three waiting.
    again = messages.post_message(session, topic.id, member, "同一张表单", client_id="form-0001")
    messages.post_message(session, topic.id, member, "第三条")
    twice = messages.post_message(session, topic.id, member, "同一张表单", client_id="form-0001")
    session.commit()
    assert again.id == twice.id
    with pytest.raises(Conflict, match="3 条留言在等待审核"):
        messages.post_message(session, topic.id, member, "第四条")
    session.rollback()
    messages.approve(session, settings, admin, exactly.id)
    session.commit()
    edited = messages.post_message(session, topic.id, member, "改过的表单", client_id="form-0001")  # an old form, edited
    session.commit()
    assert edited.id != again.id and edited.text == "改过的表单" and again.text == "同一张表单"
    count = session.scalar(select(func.count(WallMessage.id)).where(WallMessage.member_id == member.id))
    assert count == 4

    messages.close_topic(session, settings, admin, topic.id)
    session.commit()
    with pytest.raises(Conflict, match="已经结束"):
        messages.post_message(session, topic.id, member, "结束之后")


def test_topics_and_who_moderates(session: Session, settings: Settings) -> None:
    room, other_room = make_room(session), make_room(session)
    mine, theirs = make_branch(session), make_branch(session)
    admin = make_user(session, Role.ADMIN)
    secretary = make_user(session, Role.SECRETARY, branch_id=mine.id)
    editor = make_user(session, Role.EDITOR)
    with pytest.raises(Forbidden):
        messages.open_topic(session, settings, editor, room_id=room.id, title="编辑不能开")
    with pytest.raises(Forbidden, match="本支部"):
        messages.open_topic(session, settings, secretary, room_id=room.id, title="别的支部", branch_id=theirs.id)
    with pytest.raises(Invalid, match="主题"):
        messages.open_topic(session, settings, admin, room_id=room.id, title="  ")
    with pytest.raises(Invalid, match="活动室"):
        messages.open_topic(session, settings, admin, room_id=None, title="没有活动室")
    own = messages.open_topic(session, settings, secretary, room_id=room.id, title="支部的话")
    assert own.branch_id == mine.id
    with pytest.raises(Conflict, match="请先结束它"):
        messages.open_topic(session, settings, admin, room_id=room.id, title="同一间活动室的第二个")
    everyone = messages.open_topic(session, settings, admin, room_id=other_room.id, title="全体党员")
    session.commit()
    outsider_msg = messages.post_message(session, everyone.id, make_member(session, branch_id=mine.id), "大家好")
    session.commit()

    # A topic open to every member is moderated by admins: its authors come from every branch.
    with pytest.raises(NotFound):
        messages.approve(session, settings, secretary, outsider_msg.id)
    with pytest.raises(NotFound):
        messages.close_topic(session, settings, secretary, everyone.id)
    assert [q.topic.id for q in messages.queues(session, secretary)] == [own.id]
    assert {q.topic.id for q in messages.queues(session, admin)} == {own.id, everyone.id}
    post = messages.post_message(session, own.id, make_member(session, branch_id=mine.id), "书记审核")
    session.commit()
    messages.approve(session, settings, secretary, post.id)
    messages.close_topic(session, settings, secretary, own.id)
    session.commit()
    assert messages.open_topic_in_room(session, room.id) is None
    with pytest.raises(Conflict, match="已经结束"):
        messages.close_topic(session, settings, admin, own.id)


def test_every_moderator_action_is_audited(session: Session, settings: Settings) -> None:
    room, admin, member = make_room(session), make_user(session, Role.ADMIN), make_member(session)
    topic = messages.open_topic(session, settings, admin, room_id=room.id, title="审计")
    one = messages.post_message(session, topic.id, member, "一")
    two = messages.post_message(session, topic.id, member, "二")
    messages.approve(session, settings, admin, one.id)
    messages.reject(session, settings, admin, two.id, "重复")
    messages.close_topic(session, settings, admin, topic.id)
    session.commit()
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    mine = [(r.action, r.target_id, r.actor_user_id) for r in rows if r.action.startswith(("message_topic.", "wall_"))]
    assert mine == [("message_topic.opened", str(topic.id), admin.id), ("wall_message.approved", str(one.id), admin.id),
                    ("wall_message.rejected", str(two.id), admin.id), ("message_topic.closed", str(topic.id), admin.id)]
    rejected = next(r for r in rows if r.action == "wall_message.rejected")
    assert rejected.details == {"topic_id": topic.id, "from": "pending", "reason": "重复"}
    assert not [r for r in rows if r.action.startswith("wall_message.") and r.actor_user_id is None]


def test_text_is_tidied() -> None:
    assert messages.tidy("第一行\r\n\r\n第二行\u0000\u200b  结尾 ") == "第一行 第二行 结尾"
    assert messages.tidy(None) == ""
