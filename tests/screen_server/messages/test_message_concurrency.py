"""A member's waiting messages stay at ``MAX_PENDING`` when their posts arrive together: eight posts from
one member, each on its own thread and database session (through the service, and through the phone
page's HTTP endpoint), store exactly three; the other five are refused as too many pending.

To make the race certain rather than lucky, every post that has counted the member's waiting messages
is held until all eight have counted (or, when the service makes posts take turns, until a short
timeout lets the one holding the turn go on). Without the serialisation all eight count 0 and all are
stored; with it they take turns and the fourth sees three."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.errors import Conflict
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.messages import services as messages
from screen_server.messages.models import MessageStatus, MessageTopic, WallMessage
from screen_server.org.models import Member, Role
from screen_server.runtime import Runtime
from tests.helpers.factories import make_member, make_room, make_user

POSTS = 8
HOLD = 1.0  # seconds a post that has counted waits for the others before going on
WAIT = 60.0  # bound on the whole run


@pytest.fixture
def topic_and_member(session: Session, settings: Settings) -> tuple[MessageTopic, Member]:
    admin = make_user(session, Role.ADMIN)
    topic = messages.open_topic(session, settings, admin, room_id=make_room(session).id, title="同时提交")
    member = make_member(session, name="李同时")
    session.commit()
    return topic, member


@pytest.fixture
def counted_together(runtime: Runtime) -> Iterator[None]:
    """Hold each post right after it counted the member's waiting messages, until all have counted."""
    barrier = threading.Barrier(POSTS, timeout=HOLD)

    def _hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "count(wall_messages.id)" in statement and "wall_messages.member_id" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):  # posts take turns: it goes on alone
                barrier.wait()

    event.listen(runtime.engine, "after_cursor_execute", _hold)
    try:
        yield
    finally:
        event.remove(runtime.engine, "after_cursor_execute", _hold)


def _all_at_once(post: Callable[[int], str]) -> Counter[str]:
    start = threading.Barrier(POSTS, timeout=WAIT)

    def one(i: int) -> str:
        start.wait()
        return post(i)

    with ThreadPoolExecutor(POSTS) as pool:
        return Counter(pool.map(one, range(POSTS), timeout=WAIT))


def _waiting(session: Session, topic: MessageTopic, member: Member) -> int:
    session.expire_all()
    return session.scalar(select(func.count(WallMessage.id)).where(
        WallMessage.topic_id == topic.id, WallMessage.member_id == member.id,
        WallMessage.status == MessageStatus.PENDING)) or 0


@pytest.mark.usefixtures("counted_together")
def test_concurrent_posts_through_the_service(runtime: Runtime, session: Session,
                                              topic_and_member: tuple[MessageTopic, Member]) -> None:
    topic, member = topic_and_member

    def post(i: int) -> str:
        with runtime.session_factory() as s:
            try:
                messages.post_message(s, topic.id, s.get_one(Member, member.id), f"第{i}条心里话",
                                      client_id=f"concurrent-{i:04d}")
                s.commit()
                return "stored"
            except Conflict as exc:
                s.rollback()
                return exc.code

    assert _all_at_once(post) == {"stored": messages.MAX_PENDING, "too_many_pending": POSTS - messages.MAX_PENDING}
    assert _waiting(session, topic, member) == messages.MAX_PENDING


@pytest.mark.usefixtures("counted_together")
def test_concurrent_posts_through_the_phone_page(app: Flask, session: Session, settings: Settings,
                                                 topic_and_member: tuple[MessageTopic, Member]) -> None:
    topic, member = topic_and_member
    cookie = phone_cookie_value(settings.secret_key, member)

    def post(i: int) -> str:
        client = app.test_client()  # one per thread: each request has its own session
        client.set_cookie(PHONE_COOKIE, cookie)
        r = client.post(f"/w/{topic.id}", data={"text": f"第{i}条心里话", "client_id": f"concurrent-{i:04d}"})
        return {200: "stored", 409: "too_many_pending"}.get(r.status_code, str(r.status_code))

    assert _all_at_once(post) == {"stored": messages.MAX_PENDING, "too_many_pending": POSTS - messages.MAX_PENDING}
    assert _waiting(session, topic, member) == messages.MAX_PENDING
