"""500 members signing in at once through the HTTP API: exactly 500 records and 500 wall events."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from screen_server import protocol
from screen_server.db import utcnow
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.meetings import qr
from screen_server.meetings.models import Attendance, MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Role
from screen_server.runner import RoomServer
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user
from tests.helpers.ws import RoomClient

CROWD = 500


def test_500_at_once_give_500_records_and_500_wall_events(server: RoomServer) -> None:
    settings = server.settings
    with server.runtime.session_factory() as s:
        branch = make_branch(s)
        members = [make_member(s, branch_id=branch.id) for _ in range(CROWD)]
        room = make_room(s)
        _wall, token = make_device(s, room_id=room.id)
        now = utcnow()
        meeting = create_meeting(
            s, settings, make_user(s, Role.ADMIN), title="全体党员大会", type=MeetingType.BRANCH_GENERAL,
            branch_ids=[branch.id], room_id=room.id, starts_at=now + dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=2), signin_opens_at=now - dt.timedelta(minutes=1),
        )
        s.commit()
        cookies = [phone_cookie_value(settings.secret_key, m) for m in members]
        meeting_id = meeting.id
    url = f"{server.http_url}/api/meetings/{meeting_id}/signins"

    def sign(cookie: str) -> int:
        t = qr.current(settings.secret_key, meeting_id, utcnow(), settings.qr_rotate_seconds).token
        r = requests.post(url, json={"token": t, "client_id": uuid.uuid4().hex},
                          cookies={PHONE_COOKIE: cookie}, timeout=60)
        return r.status_code

    async def scenario() -> list[int]:
        wall = await RoomClient.open(server.ws_url, device_token=token)
        assert wall.snapshot["state"]["signin"]["meeting"]["id"] == meeting_id
        with ThreadPoolExecutor(max_workers=64) as pool:
            statuses = await asyncio.get_running_loop().run_in_executor(None, lambda: list(pool.map(sign, cookies)))
        seen: set[int] = set()
        last_counts: dict[str, object] = {}
        async with asyncio.timeout(30):
            while len(seen) < CROWD:
                msg = await wall.recv_type(protocol.SIGNIN_RECORDED, timeout=30)
                seen.add(msg["attendee"]["member_id"])
                last_counts = msg["counts"]
        assert last_counts["signed"] == CROWD or len(seen) == CROWD
        # Repeats add nothing and raise no event.
        with ThreadPoolExecutor(max_workers=16) as pool:
            again = await asyncio.get_running_loop().run_in_executor(None, lambda: list(pool.map(sign, cookies[:50])))
        assert set(again) == {200}
        await wall.ws.send(protocol.encode(protocol.heartbeat()))
        while (extra := await wall.recv())["type"] != protocol.HEARTBEAT_ACK:
            assert extra["type"] != protocol.SIGNIN_RECORDED  # repeats raised no event
        await wall.close()
        return statuses

    statuses = asyncio.run(scenario())
    assert statuses.count(201) == CROWD
    with server.runtime.session_factory() as s:
        assert s.scalar(select(func.count(Attendance.id)).where(Attendance.meeting_id == meeting_id)) == CROWD
