"""Events reach only the viewers meant for them: the sign-in QR and its rotation go to the room's paired
walls and terminals (and its web wall page), never to a player's, an editor's, an admin's or another
room's connection; a player gets their own contest's state only."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from screen_server import protocol
from screen_server.config import Settings
from screen_server.devices.models import DeviceRole
from screen_server.meetings import services as meetings
from screen_server.org.models import Role, User
from screen_server.push.viewer import Viewer
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from tests.helpers.factories import make_branch, make_device, make_room, make_user
from tests.helpers.ws import RoomClient

WINDOW_SECONDS = 6


@pytest.fixture
def fast_server(settings: Settings) -> Iterator[RoomServer]:
    """A running server whose sign-in QR turns every second, so a short window sees several turns."""
    fast = dataclasses.replace(settings, qr_rotate_seconds=1)
    srv = RoomServer(fast, runtime=build_runtime(fast, apply_migrations=False)).start()
    yield srv
    srv.stop()


def _open_meeting(server: RoomServer, admin_id: int, room_id: int) -> int:
    """A meeting in the room whose sign-in opens within a second and stays open WINDOW_SECONDS."""
    with server.runtime.session_factory() as s:
        admin = s.get(User, admin_id)
        assert admin is not None
        now = dt.datetime.now(dt.UTC)
        meeting = meetings.create_meeting(
            s, server.settings, admin, title="主题党日", type="theme_day", branch_ids=[make_branch(s).id],
            room_id=room_id, starts_at=now + dt.timedelta(seconds=2), ends_at=now + dt.timedelta(hours=1),
            signin_opens_at=now + dt.timedelta(seconds=1),
            signin_closes_at=now + dt.timedelta(seconds=1 + WINDOW_SECONDS))
        s.commit()
        return meeting.id


def _setup(server: RoomServer, *, meeting: bool = True) -> dict[str, Any]:
    tickets = server.runtime.ws_tickets
    with server.runtime.session_factory() as s:
        admin, editor = make_user(s, Role.ADMIN), make_user(s, Role.EDITOR)
        secretary = make_user(s, Role.SECRETARY)
        here, there = make_room(s), make_room(s)
        _wall, wall_token = make_device(s, DeviceRole.WALL, room_id=here.id)
        _terminal, terminal_token = make_device(s, DeviceRole.TERMINAL, room_id=here.id)
        _other, other_token = make_device(s, DeviceRole.WALL, room_id=there.id)
        s.commit()
        ids = {"here": here.id, "admin_id": admin.id, "admin": admin.id, "editor": editor.id,
               "secretary": secretary.id}
    ids["meeting"] = _open_meeting(server, ids["admin_id"], ids["here"]) if meeting else 0
    return ids | {
        "wall": {"device_token": wall_token},
        "terminal": {"device_token": terminal_token},
        "web_wall": {"ticket": tickets.issue({"kind": "room", "room_id": here.id})},
        "other_room_wall": {"device_token": other_token},
        "player": {"ticket": tickets.issue({"kind": "player", "room_id": here.id, "contest_id": 424242})},
        "editor": {"ticket": tickets.issue({"kind": "user", "user_id": editor.id})},
        "secretary": {"ticket": tickets.issue({"kind": "user", "user_id": secretary.id})},
        "admin": {"ticket": tickets.issue({"kind": "user", "user_id": admin.id})},
    }


MEANT = ("wall", "terminal", "web_wall")
NOT_MEANT = ("other_room_wall", "player", "editor", "secretary", "admin")


def test_the_signin_qr_reaches_only_the_rooms_walls_and_terminals(fast_server: RoomServer) -> None:
    ids = _setup(fast_server, meeting=False)
    connected: list[str] = []
    opened = asyncio.Event()

    async def watch(name: str) -> list[dict[str, Any]]:
        client = await RoomClient.open(fast_server.ws_url, **ids[name])
        assert client.welcome["type"] == protocol.WELCOME, (name, client.welcome)
        seen = [client.snapshot]
        connected.append(name)
        await opened.wait()  # everyone connected before the meeting exists: all of them can see it open
        try:
            async with asyncio.timeout(WINDOW_SECONDS + 6):
                while True:
                    msg = await client.recv(timeout=WINDOW_SECONDS + 6)
                    seen.append(msg)
                    if msg["type"] == protocol.SIGNIN_CLOSED or (
                            name in NOT_MEANT and len(seen) > 200):
                        break
        except TimeoutError:
            pass
        await client.close()
        return seen

    async def scenario() -> dict[str, list[dict[str, Any]]]:
        names = MEANT + NOT_MEANT
        watchers = asyncio.gather(*(watch(n) for n in names))
        while len(connected) < len(names):
            if watchers.done():  # one failed before it connected: its error, not a wait forever
                await watchers
            await asyncio.sleep(0.01)  # polling the watchers' start
        ids["meeting"] = await asyncio.to_thread(_open_meeting, fast_server, ids["admin_id"], ids["here"])
        opened.set()
        return dict(zip(names, await watchers, strict=True))

    seen = asyncio.run(scenario())
    qr_path = f"/s/{ids['meeting']}?t="
    for name in MEANT:
        types = [m["type"] for m in seen[name]]
        assert protocol.SIGNIN_OPENED in types and protocol.SIGNIN_CLOSED in types, (name, types)
        assert types.count(protocol.SIGNIN_QR) >= 2, (name, types)  # it turned while we watched
    for name in NOT_MEANT:
        text = json.dumps(seen[name], ensure_ascii=False)
        types = {m["type"] for m in seen[name]}
        assert not types & {protocol.SIGNIN_OPENED, protocol.SIGNIN_QR}, (name, types)
        assert qr_path not in text, name


def test_late_joiners_snapshots_carry_the_qr_only_for_the_room(fast_server: RoomServer) -> None:
    ids = _setup(fast_server)
    qr_path = f"/s/{ids['meeting']}?t="

    async def scenario() -> None:
        wall = await RoomClient.open(fast_server.ws_url, **ids["wall"])
        await wall.recv_type(protocol.SIGNIN_OPENED, timeout=5)
        # Fresh tickets: the open window is now in every snapshot built for the room.
        tickets = fast_server.runtime.ws_tickets
        late = {
            "terminal": ids["terminal"], "other_room_wall": ids["other_room_wall"],
            "player": {"ticket": tickets.issue({"kind": "player", "room_id": ids["here"], "contest_id": 1})},
            "editor": {"ticket": tickets.issue({"kind": "user", "user_id": ids["editor"]})},
            "admin": {"ticket": tickets.issue({"kind": "user", "user_id": ids["admin"]})},
        }
        for name, hello in late.items():
            client = await RoomClient.open(fast_server.ws_url, **hello)
            text = json.dumps(client.snapshot, ensure_ascii=False)
            assert (qr_path in text) == (name == "terminal"), name
            await client.close()
        await wall.close()

    asyncio.run(scenario())


def test_a_player_ticket_without_its_contest_is_refused(fast_server: RoomServer) -> None:
    ids = _setup(fast_server)
    stale = fast_server.runtime.ws_tickets.issue({"kind": "player", "room_id": ids["here"]})

    async def scenario() -> None:
        client = await RoomClient.open(fast_server.ws_url, ticket=stale)
        assert client.welcome["type"] == protocol.ERROR

    asyncio.run(scenario())


@pytest.mark.parametrize("viewer, event, room, wanted", [
    (Viewer("player", room_id=1, contest_id=7), protocol.CONTEST_STATE, 1, {"contest": {"id": 7}}),
    (Viewer("player", room_id=1, contest_id=7), protocol.CONTEST_STATE, 1, {"contest": {"id": 8}}),
    (Viewer("player", room_id=1, contest_id=7), protocol.ANNOUNCEMENT_PUBLISHED, None, {}),
    (Viewer("player", room_id=1, contest_id=7), protocol.SIGNIN_RECORDED, 1, {}),
    (Viewer("user", role="editor"), protocol.CONTENT_CHANGED, None, {}),
    (Viewer("user", role="editor"), protocol.SIGNIN_RECORDED, 1, {}),
    (Viewer("user", role="secretary", branch_id=1), protocol.STUDY_RECORDED, None, {}),
    (Viewer("user", role="secretary", branch_id=1), protocol.POLL_UPDATED, 1, {}),
    (Viewer("user", role="admin"), protocol.SIGNIN_QR, 1, {}),
    (Viewer("user", role="admin"), protocol.STUDY_RECORDED, None, {}),
    (Viewer("device", room_id=1, role="wall"), protocol.SIGNIN_QR, 2, {}),
])
def test_each_kind_of_viewer_gets_only_its_own(viewer: Viewer, event: str, room: int | None,
                                               wanted: dict[str, Any]) -> None:
    expected = {
        (protocol.CONTEST_STATE, 7): True, (protocol.CONTEST_STATE, 8): False,
    }
    contest = (wanted.get("contest") or {}).get("id")
    allowed = expected.get((event, contest)) if contest else {
        ("player", protocol.ANNOUNCEMENT_PUBLISHED): False, ("player", protocol.SIGNIN_RECORDED): False,
        ("editor", protocol.CONTENT_CHANGED): True, ("editor", protocol.SIGNIN_RECORDED): False,
        ("secretary", protocol.STUDY_RECORDED): False, ("secretary", protocol.POLL_UPDATED): True,
        ("admin", protocol.SIGNIN_QR): False, ("admin", protocol.STUDY_RECORDED): True,
        ("wall", protocol.SIGNIN_QR): False,
    }[(viewer.role if viewer.kind != "player" else "player", event)]
    assert viewer.receives(room, None, event, wanted) is allowed
