"""The terminal's study outbox against a real RoomServer (no window): spans reach the server; with the
server stopped they wait on disk; after a restart they arrive exactly once, with their points."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from content.models import Item, ItemKind, ReviewStatus
from kiosk.library import Library
from kiosk.net import ServerLink
from kiosk.outbox import Outbox
from kiosk.store import DeviceStore
from screen_server.devices import logins
from screen_server.devices.models import Device
from screen_server.org.models import Member
from screen_server.points.models import PointsEntry
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from screen_server.study.models import StudySpan
from tests.helpers.fake_room import wait_until
from tests.kiosk.signin_room import pair, seed_room


def _item(server: RoomServer) -> int:
    with server.runtime.session_factory() as s:
        item = Item(kind=ItemKind.ARTICLE, title="党章学习", status=ReviewStatus.PUBLISHED,
                    published_at=dt.datetime.now(dt.UTC))
        s.add(item)
        s.commit()
        return item.id


def _span(member_id: int, item_id: int, seconds: int, minutes_ago: int) -> dict[str, Any]:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return {"id": uuid.uuid4().hex, "member_id": member_id, "item_id": item_id, "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(seconds=seconds)).isoformat(), "active_seconds": seconds,
            "position": 0.5, "progress": 0.5, "completed": False}


def _log_in(server: RoomServer, device_id: int, member_id: int) -> None:
    """The member typed their PIN at this terminal ten minutes ago (the spans fall inside that login)."""
    with server.runtime.session_factory() as s:
        device, member = s.get(Device, device_id), s.get(Member, member_id)
        assert device is not None and member is not None
        logins.start(s, device, member, now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
        s.commit()


def _spans(server: RoomServer) -> list[tuple[str, int]]:
    with server.runtime.session_factory() as s:
        return [(sp.id, sp.active_seconds) for sp in s.scalars(select(StudySpan).order_by(StudySpan.started_at))]


def test_outbox_survives_a_server_restart_and_counts_once(server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(1,), open_meeting=False)
    member_id = seeded.branches["第1支部"][0][0]
    item_id = _item(server)
    state = tmp_path / "t"
    pair(state, server, seeded)
    _log_in(server, seeded.device_id, member_id)
    outbox = Outbox(state)
    link = ServerLink(server.http_url, DeviceStore(state), lambda _m: None, http_timeout=3,
                      library=Library(state), outbox=outbox, drain_seconds=0.2).start()
    try:
        first = _span(member_id, item_id, 30, 5)
        outbox.add(first)
        link.kick_outbox()
        wait_until(lambda: outbox.count() == 0, 10)
        assert _spans(server) == [(first["id"], 30)]

        server.stop()
        second = _span(member_id, item_id, 40, 3)
        outbox.add(second)
        outbox.add(first)  # sent before, but its answer "was lost": it goes again
        assert link.submit(link.drain()).result(10) == 0  # the server is down: nothing leaves
        assert outbox.count() == 2

        settings = dataclasses.replace(server.settings, port=server.http_port, ws_port=server.runtime.ws_port)
        again = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
        try:
            wait_until(lambda: outbox.count() == 0, 20)
            assert sorted(_spans(again)) == sorted([(first["id"], 30), (second["id"], 40)])
            with again.runtime.session_factory() as s:
                entries = s.scalars(select(PointsEntry).where(PointsEntry.member_id == member_id)).all()
                assert [(e.rule_key, e.points) for e in entries] == [("article_read", 1)]
                assert s.scalar(select(func.count()).select_from(StudySpan)) == 2
        finally:
            again.stop()
    finally:
        link.stop()
        outbox.close()
