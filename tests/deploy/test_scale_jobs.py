"""Timed jobs with three server processes on PostgreSQL + Redis: every process runs the jobs worker,
each job under its own lease. A wall connected to each process sees each QR window announced exactly
once and each scheduled announcement go live exactly once, also after the process holding the sign-in
watcher is killed with SIGKILL and another takes it over. The QR announced by one process signs a
member in through another (the token is signed with the shared secret)."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path

import requests

from screen_server import protocol
from screen_server.announcements.services import create_announcement
from screen_server.config import load_settings
from screen_server.db import make_engine, make_session_factory, migrate, utcnow
from screen_server.devices.models import DeviceRole
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.meetings.models import MeetingType
from screen_server.meetings.services import create_meeting
from tests.helpers.cluster import Cluster, pg_database
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user
from tests.helpers.shared import REDIS_URL, namespace, redis_or_skip
from tests.helpers.wall import WallListener

ROTATE = 2  # seconds per QR window, so that the test sees several
SECRET = "one-secret-for-every-process"


def _windows(wall: WallListener) -> list[int]:
    return [int(m["qr"]["path"].split("t=")[1].split(".")[0]) for m in wall.messages if m["type"] == protocol.SIGNIN_QR]


def _published(wall: WallListener) -> Counter[int]:
    return Counter(m["announcement"]["id"] for m in wall.messages if m["type"] == protocol.ANNOUNCEMENT_PUBLISHED)


def test_each_qr_window_and_each_scheduled_announcement_once_across_three_processes(tmp_path: Path) -> None:
    client = redis_or_skip()
    with pg_database() as db_url, namespace(client) as ns:
        engine = make_engine(db_url)
        migrate(engine)
        start = utcnow()
        with make_session_factory(engine)() as s:
            branch = make_branch(s)
            member = make_member(s, branch_id=branch.id)
            room = make_room(s)
            _wall, token = make_device(s, role=DeviceRole.WALL, room_id=room.id)
            user = make_user(s)
            meeting = create_meeting(
                s, load_settings(tmp_path / "seed", env={}, secret_key=SECRET), user, title="三进程签到",
                type=MeetingType.GROUP, branch_ids=[branch.id], room_id=room.id,
                starts_at=start + dt.timedelta(minutes=20), ends_at=start + dt.timedelta(hours=1),
                signin_opens_at=start - dt.timedelta(minutes=1))
            s.commit()
            meeting_id, cookie, user_id, room_id = meeting.id, phone_cookie_value(SECRET, member), user.id, room.id
        cluster = Cluster(tmp_path / "cluster", db_url, REDIS_URL, ns, secret=SECRET,
                          env={"ACTIVITY_ROOM_QR_ROTATE_SECONDS": str(ROTATE)}).start(3)
        try:
            walls = [WallListener(s.ws_url, token) for s in cluster.servers]
            assert all(w.snapshot["state"]["signin"]["meeting"]["id"] == meeting_id for w in walls)
            t0 = utcnow()
            with make_session_factory(engine)() as s:
                scheduled = {create_announcement(s, actor_user_id=user_id, title=title, room_ids=[room_id],
                                                 publish_at=t0 + dt.timedelta(seconds=after)).id
                             for title, after in (("定时通知一", 3), ("定时通知二", 14))}
                s.commit()
            engine.dispose()
            while utcnow() < t0 + dt.timedelta(seconds=6):  # the first announcement goes live meanwhile
                time.sleep(0.2)  # waiting for wall-clock time; bounded by the condition
            holder = cluster.by_owner(client.get(f"{ns}:lease:job:signin-watcher").decode())  # type: ignore[union-attr]
            cluster.kill(holder)
            killed_at = time.time()
            seen_at_kill = [len(w.messages) for w in walls]
            while utcnow() < t0 + dt.timedelta(seconds=22):  # the watcher is taken over; the second goes live
                time.sleep(0.2)  # waiting for wall-clock time; bounded by the condition
            survivors = [w for w, s in zip(walls, cluster.servers, strict=True) if s is not holder]
            new_holder = client.get(f"{ns}:lease:job:signin-watcher").decode()  # type: ignore[union-attr]
            assert new_holder != holder.owner and new_holder in {s.owner for s in cluster.servers if s.alive}

            # The QR on the walls (made by the watcher's process) signs a member in through another process.
            qr_path = [m for m in survivors[0].messages if m["type"] == protocol.SIGNIN_QR][-1]["qr"]["path"]
            other = next(s for s in cluster.servers if s.alive and s.owner != new_holder)
            r = requests.post(f"{other.http_url}/api/meetings/{meeting_id}/signins", json={"token": qr_path.split("t=")[1]},
                              cookies={PHONE_COOKIE: cookie}, timeout=10)
            assert r.status_code == 201, r.text
        finally:
            codes = cluster.stop()
        assert codes == [0, 0]

    for wall, seen in zip(walls, seen_at_kill, strict=True):
        if wall in survivors:  # the new holder knows what was announced: it opens nothing again
            assert not [m for m in wall.messages[seen:] if m["type"] == protocol.SIGNIN_OPENED]
    for wall in survivors:
        windows = _windows(wall)
        assert len(windows) == len(set(windows)), f"a QR window was announced twice: {windows}"
        assert windows == sorted(windows)
        # before the kill and after the take-over, the windows kept coming
        assert any(w * ROTATE < killed_at for w in windows) and any(w * ROTATE > killed_at + 2 for w in windows)
        assert _published(wall) == Counter(dict.fromkeys(scheduled, 1))
        assert len([m for m in wall.messages if m["type"] == protocol.SIGNIN_OPENED]) <= 1
    assert _windows(survivors[0]) == _windows(survivors[1])
