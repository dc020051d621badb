"""The network layer against the fake room server: pairing, live push, reconnects, refused tokens,
heartbeats and previews. No window."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import state as st
from kiosk.net import Backoff, HttpError, ServerLink, Unreachable, http_request
from kiosk.store import DeviceStore
from screen_server import protocol
from tests.helpers.fake_room import WAIT, FakeRoom, announcement, wait_until

FAST = Backoff(base=0.05, cap=0.2)


class Inbox:
    """What the link delivered, in order; the test waits on it with a bound."""

    def __init__(self) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []

    def __call__(self, message: dict[str, Any]) -> None:
        self.queue.put(message)

    def wait_for(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Return the next message of ``type_`` whose fields match, skipping others."""
        while True:
            try:
                message = self.queue.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no {type_} {fields} among {self.seen}") from None
            self.seen.append(message)
            if message.get("type") == type_ and all(message.get(k) == v for k, v in fields.items()):
                return message


@pytest.fixture
def room() -> Iterator[FakeRoom]:
    fake = FakeRoom().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_link(tmp_path: Path) -> Iterator[Any]:
    links: list[ServerLink] = []

    def _make(room: FakeRoom, inbox: Inbox, **kwargs: Any) -> ServerLink:
        kwargs.setdefault("heartbeat_seconds", 30)
        link = ServerLink(
            room.http_url,
            DeviceStore(tmp_path / "state"),
            inbox,
            backoff=FAST,
            poll_seconds=0.02,
            http_timeout=2,
            **kwargs,
        )
        links.append(link.start())
        return link

    yield _make
    for link in links:
        link.stop()


def test_backoff_grows_to_the_cap_with_jitter() -> None:
    delays = Backoff(base=1, cap=8, factor=2, jitter=0.5).delays()
    values = [next(delays) for _ in range(8)]
    ceilings = [1, 2, 4, 8, 8, 8, 8, 8]
    assert all(c * 0.5 <= v <= c for v, c in zip(values, ceilings, strict=True))
    assert len(set(values)) > 1


def test_http_request_reports_server_errors_and_silence(room: FakeRoom) -> None:
    with pytest.raises(HttpError) as err:
        http_request("GET", room.http_url + "/api/device/snapshot", token="nope")
    assert err.value.status == 401 and err.value.message == "设备未授权"
    with pytest.raises(Unreachable):
        http_request("GET", "http://127.0.0.1:9/api/server-info", timeout=1)


def test_pairing_shows_a_code_then_connects_once_approved(
    room: FakeRoom, make_link: Any, tmp_path: Path
) -> None:
    room.announcements.append(announcement(1, "五月主题党日安排"))
    inbox = Inbox()
    link = make_link(room, inbox, name="一楼终端")
    code = inbox.wait_for(st.PAIRING_CODE)["pairing_code"]
    assert len(code) == 6 and code.isdigit()
    token = room.approve(code)
    approved = inbox.wait_for(st.PAIRING_APPROVED)
    assert approved["device"]["room"]["name"] == "第一党员活动室"
    snapshot = inbox.wait_for(protocol.SNAPSHOT)
    assert snapshot["state"]["announcements"][0]["title"] == "五月主题党日安排"
    inbox.wait_for(st.LINK_STATUS, status=st.UP)
    assert link.store.token == token
    assert DeviceStore(tmp_path / "state").token == token  # kept on disk for the next start
    assert room.of_type(protocol.HELLO)[0]["device_token"] == token


def test_an_expired_code_is_replaced_by_a_new_one(room: FakeRoom, make_link: Any) -> None:
    inbox = Inbox()
    make_link(room, inbox)
    first = inbox.wait_for(st.PAIRING_CODE)["pairing_code"]
    room.expire(first)
    second = inbox.wait_for(st.PAIRING_CODE)["pairing_code"]
    assert second != first or len(room.claims) == 2


def test_events_arrive_live_and_a_dropped_server_is_reconnected(make_link: Any) -> None:
    room = FakeRoom(auto_approve=True).start()
    try:
        inbox = Inbox()
        make_link(room, inbox)
        inbox.wait_for(protocol.WELCOME)
        seq = room.publish(announcement(7, "关于开展学习的通知"))
        event = inbox.wait_for(protocol.ANNOUNCEMENT_PUBLISHED)
        assert event["seq"] == seq and event["announcement"]["id"] == 7

        room.stop_ws()
        inbox.wait_for(st.LINK_STATUS, status=st.DOWN)
        room.announcements.insert(0, announcement(8, "断线期间发布的公告"))
        room.start_ws()
        inbox.wait_for(st.LINK_STATUS, status=st.UP)
        again = inbox.wait_for(protocol.SNAPSHOT)
        assert [a["id"] for a in again["state"]["announcements"]] == [8, 7]
    finally:
        room.stop()


def test_a_refused_token_goes_back_to_pairing(room: FakeRoom, make_link: Any, tmp_path: Path) -> None:
    DeviceStore(tmp_path / "state").save_token("stale-token", None, room.http_url)
    inbox = Inbox()
    link = make_link(room, inbox)
    inbox.wait_for(st.LINK_UNPAIRED)
    inbox.wait_for(st.PAIRING_CODE)
    assert link.store.token is None


def test_revocation_while_connected_goes_back_to_pairing(make_link: Any) -> None:
    room = FakeRoom(auto_approve=True).start()
    try:
        inbox = Inbox()
        link = make_link(room, inbox)
        inbox.wait_for(protocol.WELCOME)
        room.auto_approve = False
        room.revoke(link.store.token)
        inbox.wait_for(protocol.DEVICE_REVOKED)
        inbox.wait_for(st.LINK_UNPAIRED)
        inbox.wait_for(st.PAIRING_CODE)
        assert link.store.token is None
    finally:
        room.stop()


def test_heartbeats_report_the_screen_and_stop_closes_politely(make_link: Any) -> None:
    room = FakeRoom(auto_approve=True).start()
    try:
        inbox = Inbox()
        link = make_link(room, inbox, heartbeat_seconds=0.05)
        link.screen = "announcements"
        inbox.wait_for(protocol.WELCOME)
        beat = wait_until(lambda: room.of_type(protocol.HEARTBEAT))[0]
        assert beat["screen"] == "announcements" and beat["version"]
        link.stop()
        link.stop()  # idempotent
        assert wait_until(lambda: room.close_codes) == [1000]
    finally:
        room.stop()


def test_previews_are_uploaded_with_the_token_and_on_request(make_link: Any) -> None:
    room = FakeRoom(auto_approve=True).start()
    try:
        inbox = Inbox()
        link = make_link(room, inbox)
        inbox.wait_for(protocol.WELCOME)
        assert link.upload_preview(lambda: b"\x89PNG fake").result(WAIT) is True
        assert room.previews == [(link.store.token, "image/png", b"\x89PNG fake")]
        room.push({"type": protocol.PREVIEW_REQUESTED})
        inbox.wait_for(protocol.PREVIEW_REQUESTED)
    finally:
        room.stop()


def test_a_server_that_is_not_there_is_reported_down(tmp_path: Path) -> None:
    inbox = Inbox()
    link = ServerLink(
        "http://127.0.0.1:9", DeviceStore(tmp_path), inbox, backoff=FAST, http_timeout=1
    ).start()
    try:
        inbox.wait_for(st.LINK_STATUS, status=st.CONNECTING)
        down = inbox.wait_for(st.LINK_STATUS, status=st.DOWN)
        assert down["detail"]
    finally:
        link.stop()
    assert link.submit(_noop()) is None


async def _noop() -> None:
    return None
