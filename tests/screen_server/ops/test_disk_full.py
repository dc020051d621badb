"""A full disk degrades gracefully: sign-ins and study are refused with a clear message (507), nothing
is corrupted, and writes work again once there is room. SQLite's ``max_page_count`` stands in for the
full disk: it raises the same SQLITE_FULL error."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests
from sqlalchemy import event, text

from content.models import Item, ItemKind, ReviewStatus
from screen_server.db import utcnow
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.meetings import qr
from screen_server.meetings.models import MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Role
from screen_server.runner import RoomServer
from tests.helpers.db import is_postgres
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user


def test_writes_are_refused_plainly_while_the_disk_is_full(server: RoomServer) -> None:
    if is_postgres(server.settings.db_url):
        pytest.skip("SQLITE_FULL via max_page_count")
    settings, engine = server.settings, server.runtime.engine
    with server.runtime.session_factory() as s:
        branch = make_branch(s)
        members = [make_member(s, branch_id=branch.id) for _ in range(400)]
        room = make_room(s)
        _terminal, token = make_device(s, room_id=room.id)
        item = Item(kind=ItemKind.ARTICLE, title="学习党章", status=ReviewStatus.PUBLISHED, published_at=utcnow())
        s.add(item)
        now = utcnow()
        meeting = create_meeting(
            s, settings, make_user(s, Role.ADMIN), title="支部党员大会", type=MeetingType.BRANCH_GENERAL,
            branch_ids=[branch.id], room_id=room.id, starts_at=now + dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=2), signin_opens_at=now - dt.timedelta(minutes=1))
        s.commit()
        cookies = {m.id: phone_cookie_value(settings.secret_key, m) for m in members}
        meeting_id, item_id, member_id = meeting.id, item.id, members[0].id
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()

    def full(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    def sign(cookie: str) -> requests.Response:
        t = qr.current(settings.secret_key, meeting_id, utcnow(), settings.qr_rotate_seconds).token
        return requests.post(f"{server.http_url}/api/meetings/{meeting_id}/signins",
                             json={"token": t, "client_id": uuid.uuid4().hex}, cookies={PHONE_COOKIE: cookie},
                             timeout=30)

    def study() -> requests.Response:
        start = utcnow() - dt.timedelta(seconds=40)
        spans = [{"id": uuid.uuid4().hex, "item_id": item_id, "member_id": member_id, "started_at": start.isoformat(),
                  "ended_at": (start + dt.timedelta(seconds=30)).isoformat(), "active_seconds": 30, "note": "x" * 2000}
                 for _ in range(50)]
        return requests.post(f"{server.http_url}/api/study/spans", headers={"Authorization": f"Bearer {token}"},
                             json={"spans": spans}, timeout=30)

    event.listen(engine, "connect", full)
    engine.dispose()
    stored, refused = [], []
    try:
        studied = study()
        assert studied.status_code == 507, studied.text
        for mid, cookie in cookies.items():  # the disk fills up during a meeting's sign-in
            r = sign(cookie)
            assert r.status_code in (201, 507), r.text
            (stored if r.status_code == 201 else refused).append(mid)
            if r.status_code == 507:
                assert r.json()["error"] == {"code": "storage_full",
                                             "message": "服务器磁盘已满，这次没有保存。请通知管理员清理磁盘后再试。"}
            if len(refused) >= 3:
                break
        assert refused, "the database never filled up"
        assert requests.get(f"{server.http_url}/healthz", timeout=10).json()["status"] == "ok"  # reads go on
    finally:
        event.remove(engine, "connect", full)
        engine.dispose()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        signed = set(conn.execute(text("SELECT member_id FROM attendances")).scalars())
    assert signed == set(stored) and not signed & set(refused)
    assert sign(cookies[refused[0]]).status_code == 201  # room again: the refused member signs in normally
