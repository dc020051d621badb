"""The message wall's phone page ``/w/<topic>``: identification by number and PIN (then remembered),
posting, a clear Chinese message for every refusal, the member's own messages with their status, and
members' text shown as text, never as HTML."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.messages import services as messages
from screen_server.messages.models import MessageTopic
from screen_server.org.models import Member, Role
from tests.helpers.factories import PIN, make_branch, make_member, make_room, make_user


def _topic(session: Session, settings: Settings, **kw: object) -> MessageTopic:
    topic = messages.open_topic(session, settings, make_user(session, Role.ADMIN), room_id=make_room(session).id,
                                title="说说你心中的党员模样", **kw)  # type: ignore[arg-type]
    session.commit()
    return topic


def _as(client: FlaskClient, settings: Settings, member: Member) -> None:
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))


def test_identify_then_post(client: FlaskClient, session: Session, settings: Settings) -> None:
    member = make_member(session, name="王建国")
    topic = _topic(session, settings)
    page = client.get(f"/w/{topic.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "说说你心中的党员模样" in html and "党员编号" in html and "最多 140 字" in html
    assert 'maxlength="140"' in html and "还没有留言上墙" in html
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src" not in policy and "http" not in policy

    wrong = client.post(f"/w/{topic.id}", data={"text": "我的心里话", "number": member.number, "pin": "000000"})
    assert wrong.status_code == 401 and "党员编号或密码不正确" in wrong.get_data(as_text=True)
    assert "我的心里话</textarea>" in wrong.get_data(as_text=True)  # what they wrote is not lost
    assert PHONE_COOKIE not in wrong.headers.get("Set-Cookie", "")

    form = client.get(f"/w/{topic.id}").get_data(as_text=True)
    client_id = form.split('name="client_id" value="')[1].split('"')[0]
    data = {"text": "我的心里话", "number": member.number, "pin": PIN, "client_id": client_id}
    done = client.post(f"/w/{topic.id}", data=data)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "留言已提交" in html and PHONE_COOKIE in done.headers["Set-Cookie"]
    assert "待审核" in html and "我的心里话" in html and "王建国 同志" in html
    assert "大屏上的留言（0 条）" in html  # pending: not among what the wall shows
    again = client.post(f"/w/{topic.id}", data={"text": "我的心里话", "client_id": client_id})  # a reload re-posts
    assert again.status_code == 200 and len(messages.own_messages(session, topic.id, member.id)) == 1


def test_every_refusal_is_explained(client: FlaskClient, session: Session, settings: Settings) -> None:
    branch, other = make_branch(session, name="机关第一党支部"), make_branch(session)
    member, outsider = make_member(session, branch_id=branch.id), make_member(session, branch_id=other.id)
    topic = _topic(session, settings, branch_id=branch.id)
    assert client.get("/w/999999").status_code == 404
    assert "留言主题不存在" in client.get("/w/999999").get_data(as_text=True)
    assert "无法留言" in client.get("/w/999999").get_data(as_text=True)

    # A refused first post still remembers the phone: the next try needs no PIN.
    blank = client.post(f"/w/{topic.id}", data={"text": "  ", "number": member.number, "pin": PIN})
    assert blank.status_code == 400 and "请先写下您的留言" in blank.get_data(as_text=True)
    assert PHONE_COOKIE in blank.headers["Set-Cookie"]
    _as(client, settings, member)
    long = client.post(f"/w/{topic.id}", data={"text": "长" * 141})
    assert long.status_code == 400 and "最多 140 字，现在是 141 字" in long.get_data(as_text=True)
    for n in range(3):
        assert client.post(f"/w/{topic.id}", data={"text": f"第{n}条"}).status_code == 200
    fourth = client.post(f"/w/{topic.id}", data={"text": "第四条"})
    assert fourth.status_code == 409 and "3 条留言在等待审核" in fourth.get_data(as_text=True)

    _as(client, settings, outsider)
    refused = client.post(f"/w/{topic.id}", data={"text": "我也想说"})
    assert refused.status_code == 403 and "本主题只限机关第一党支部的党员留言" in refused.get_data(as_text=True)

    messages.close_topic(session, settings, make_user(session, Role.ADMIN), topic.id)
    session.commit()
    _as(client, settings, member)
    closed = client.post(f"/w/{topic.id}", data={"text": "结束了吗"})
    assert closed.status_code == 409 and "本次留言已经结束" in closed.get_data(as_text=True)
    assert "<textarea" not in client.get(f"/w/{topic.id}").get_data(as_text=True)


def test_statuses_and_plain_text(client: FlaskClient, session: Session, settings: Settings) -> None:
    member = make_member(session, name="李红梅")
    admin = make_user(session, Role.ADMIN)
    topic = _topic(session, settings)
    _as(client, settings, member)
    client.post(f"/w/{topic.id}", data={"text": "<script>alert(1)</script><b>加油</b>"})
    client.post(f"/w/{topic.id}", data={"text": "无关内容"})
    first, second = reversed(messages.own_messages(session, topic.id, member.id))
    messages.approve(session, settings, admin, first.id)
    messages.reject(session, settings, admin, second.id, "与主题无关")
    session.commit()
    html = client.get(f"/w/{topic.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>加油" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;加油&lt;/b&gt;" in html
    assert "已上墙" in html and "未通过" in html and "原因：与主题无关" in html
    assert "李*梅 · " in html and "大屏上的留言（1 条）" in html
