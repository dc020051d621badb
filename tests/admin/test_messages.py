"""留言墙 pages: an admin opens a topic on the demo room's wall, moderates the queue through the forms
(approve, reject with a reason, take down) and closes it; a secretary opens topics for their own branch
only and never sees a topic open to every member. Members' text is escaped on the page. The page's
waiting lists update themselves from ``pending.json``, which keeps to the same login and branch scope."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.devices.models import Room
from screen_server.messages import services as messages
from screen_server.messages.models import MessageStatus, MessageTopic, WallMessage
from screen_server.org.models import Branch, Member, User
from tests.admin.forms import ADMIN, OTHER_BRANCH, SECRETARY, SECRETARY_BRANCH, login, post
from tests.helpers.factories import make_room

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



LIVE = f"{PAGE}/pending.json"


def test_the_page_updates_its_queue_by_itself(as_admin: FlaskClient, demo: Session, settings: Settings) -> None:
    admin = demo.scalar(select(User).where(User.username == ADMIN[0]))
    assert admin is not None
    topic = messages.open_topic(demo, settings, admin, room_id=_id(demo, Room, slug="demo"), title="实时审核")
    demo.commit()
    page = as_admin.get(PAGE).get_data(as_text=True)
    # Without JavaScript: the plain page with a 刷新 link; with it, queue.js asks pending.json.
    assert f'<a href="{PAGE}">刷新</a>' in page and f'data-url="{LIVE}"' in page and 'data-every="3000"' in page
    assert f'<script src="{PAGE}/static/queue.js" defer>' in page and f'data-topic="{topic.id}"' in page
    script = as_admin.get(f"{PAGE}/static/queue.js")
    code = script.get_data(as_text=True)
    script.close()
    assert script.status_code == 200 and "textContent" in code and "innerHTML" not in code  # text stays text

    empty = as_admin.get(LIVE)
    assert empty.status_code == 200 and empty.headers["Cache-Control"] == "no-store"
    assert empty.get_json()["topics"] == [{"id": topic.id, "summary": "待审核 0 条，已上墙 0 条，未通过 0 条",
                                           "counts": {"pending": 0, "approved": 0, "rejected": 0}, "pending": []}]
    author = _member(demo, OTHER_BRANCH)
    first = messages.post_message(demo, topic.id, author, "<b>新留言</b>")
    second = messages.post_message(demo, topic.id, author, "第二条")
    demo.commit()
    data = as_admin.get(LIVE).get_json()
    (queue,) = data["topics"]
    assert queue["summary"] == "待审核 2 条，已上墙 0 条，未通过 0 条"
    assert [m["id"] for m in queue["pending"]] == [first.id, second.id]  # oldest first, as on the page
    shown = queue["pending"][0]
    assert shown["text"] == "<b>新留言</b>" and shown["name"] == author.name  # text: the script sets it as text
    assert shown["approve"] == f"{PAGE}/m/{first.id}/approve" and shown["reject"] == f"{PAGE}/m/{first.id}/reject"

    # The rows' forms work with the token the queue hands out.
    r = as_admin.post(shown["approve"], data={"csrf_token": data["csrf_token"]})
    assert r.status_code == 302
    (queue,) = as_admin.get(LIVE).get_json()["topics"]
    assert [m["id"] for m in queue["pending"]] == [second.id]
    assert queue["summary"] == "待审核 1 条，已上墙 1 条，未通过 0 条"
    messages.close_topic(demo, settings, admin, topic.id)
    demo.commit()
    assert as_admin.get(LIVE).get_json()["topics"] == []  # a closed topic has no queue


def test_the_live_queue_keeps_to_the_moderators_scope(app: Flask, demo: Session, settings: Settings) -> None:
    admin = demo.scalar(select(User).where(User.username == ADMIN[0]))
    assert admin is not None
    mine = _id(demo, Branch, name=SECRETARY_BRANCH)
    branch_topic = messages.open_topic(demo, settings, admin, room_id=_id(demo, Room, slug="demo"),
                                       title="支部的话", branch_id=mine)
    everyone = messages.open_topic(demo, settings, admin, room_id=make_room(demo).id, title="全员的话")
    demo.commit()
    ours = messages.post_message(demo, branch_topic.id, _member(demo, SECRETARY_BRANCH), "本支部的留言")
    theirs = messages.post_message(demo, everyone.id, _member(demo, OTHER_BRANCH), "全员主题的留言")
    demo.commit()

    def queue_of(*who: str) -> dict[int, list[int]]:
        client = app.test_client()
        login(client, *who)
        r = client.get(LIVE)
        assert r.status_code == 200
        return {t["id"]: [m["id"] for m in t["pending"]] for t in r.get_json()["topics"]}

    assert queue_of(*ADMIN) == {everyone.id: [theirs.id], branch_topic.id: [ours.id]}
    assert queue_of(*SECRETARY) == {branch_topic.id: [ours.id]}  # not the topic open to every member
    assert queue_of("secretary2", SECRETARY[1]) == {}  # another branch's secretary: nothing

    anonymous = app.test_client().get(LIVE)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    assert "留言" not in anonymous.get_data(as_text=True)
    editor = app.test_client()
    login(editor, "editor1", "demo-editor-2026")
    refused = editor.get(LIVE, headers={"Accept": "application/json"})
    assert refused.status_code == 403 and "本支部的留言" not in refused.get_data(as_text=True)
