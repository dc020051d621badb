"""The network layer's sign-in calls against a real RoomServer (no window): the roster, a sign-in, a
repeat, a resent client id, a wrong PIN, and a device without a token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.net import HttpError, ServerLink, Unpaired
from kiosk.store import DeviceStore
from screen_server.meetings.models import Attendance, SignInMethod
from screen_server.runner import RoomServer
from tests.helpers.factories import PIN
from tests.helpers.fake_room import WAIT
from tests.kiosk.signin_room import pair, seed_room


@pytest.fixture
def link(server: RoomServer, tmp_path: Path) -> Any:
    links: list[ServerLink] = []

    def _make(state_dir: Path) -> ServerLink:
        made = ServerLink(server.http_url, DeviceStore(state_dir), lambda _m: None, http_timeout=5).start()
        links.append(made)
        return made

    yield _make
    for made in links:
        made.stop()


def attendances(server: RoomServer) -> list[tuple[int, SignInMethod, str | None, int | None]]:
    with server.runtime.session_factory() as s:
        return [
            (a.member_id, a.method, a.client_id, a.device_id)
            for a in s.scalars(select(Attendance).order_by(Attendance.id))
        ]


def test_roster_and_sign_in_at_a_terminal(server: RoomServer, link: Any, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(3, 2))
    pair(tmp_path / "t", server, seeded)
    terminal = link(tmp_path / "t")

    roster = terminal.roster().result(WAIT)
    assert roster["meeting"]["id"] == seeded.meeting_id
    assert [[m["name"] for m in b["members"]] for b in roster["branches"]] == [
        [name for _id, name in members] for members in seeded.branches.values()
    ]

    member_id, name = seeded.branches["第1支部"][0]
    body = {"meeting_id": seeded.meeting_id, "member_id": member_id, "pin": PIN, "client_id": "c-1"}
    first = terminal.sign_in(body).result(WAIT)
    assert first["created"] and first["member"]["name"] == name and "签到成功" in first["message"]
    resent = terminal.sign_in(body).result(WAIT)
    assert not resent["created"] and "无需重复签到" in resent["message"]
    assert attendances(server) == [(member_id, SignInMethod.TERMINAL, "c-1", seeded.device_id)]

    other_id, _name = seeded.branches["第2支部"][0]
    wrong = terminal.sign_in({**body, "member_id": other_id, "pin": "000000", "client_id": "c-2"})
    with pytest.raises(HttpError) as refused:
        wrong.result(WAIT)
    assert refused.value.status == 401 and refused.value.message == "党员编号或密码不正确。"
    with server.runtime.session_factory() as s:
        assert s.scalar(select(func.count(Attendance.id))) == 1


def test_a_room_without_an_open_meeting_has_an_empty_roster(
    server: RoomServer, link: Any, tmp_path: Path
) -> None:
    seeded = seed_room(server, open_meeting=False)
    pair(tmp_path / "t", server, seeded)
    assert link(tmp_path / "t").roster().result(WAIT) == {"meeting": None, "branches": []}


def test_without_a_token_nothing_is_sent(server: RoomServer, link: Any, tmp_path: Path) -> None:
    with pytest.raises(Unpaired):
        link(tmp_path / "nobody").roster().result(WAIT)
