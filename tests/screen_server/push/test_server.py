"""The live push server against real WebSocket clients."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from websockets.asyncio.client import connect

from screen_server import protocol
from screen_server.announcements.services import create_announcement, withdraw_announcement
from screen_server.devices.services import revoke_device
from screen_server.runner import RoomServer
from tests.helpers.factories import make_device, make_room, make_user
from tests.helpers.ws import RoomClient


def _paired(server: RoomServer, **kw: object) -> tuple[int, int, str, int]:
    with server.runtime.session_factory() as s:
        admin = make_user(s)
        room = make_room(s)
        device, token = make_device(s, room_id=room.id, **kw)
        s.commit()
        return admin.id, room.id, token, device.id


def test_device_gets_welcome_snapshot_and_its_rooms_events(server: RoomServer) -> None:
    admin_id, room_id, token, device_id = _paired(server)
    with server.runtime.session_factory() as s:
        other_room = make_room(s)
        s.commit()

    async def scenario() -> None:
        client = await RoomClient.open(server.ws_url, device_token=token)
        assert client.welcome["type"] == "welcome"
        assert client.welcome["client"]["device_id"] == device_id
        snap = client.snapshot
        assert snap["type"] == "snapshot"
        assert snap["state"]["device"]["id"] == device_id
        assert snap["state"]["announcements"] == []
        with server.runtime.session_factory() as s:
            create_announcement(s, actor_user_id=admin_id, title="别的活动室", room_ids=[other_room.id])
            create_announcement(s, actor_user_id=admin_id, title="本活动室通知", room_ids=[room_id])
            s.commit()
        msg = await client.recv_type(protocol.ANNOUNCEMENT_PUBLISHED)
        assert msg["announcement"]["title"] == "本活动室通知"  # the other room's never arrived first
        assert msg["seq"] > snap["seq"]
        await client.close()

    asyncio.run(scenario())


def test_reconnecting_client_gets_a_fresh_snapshot(server: RoomServer) -> None:
    admin_id, room_id, token, _ = _paired(server)

    async def scenario() -> None:
        first = await RoomClient.open(server.ws_url, device_token=token)
        await first.close()
        # While the client is away, something changes...
        with server.runtime.session_factory() as s:
            a = create_announcement(s, actor_user_id=admin_id, title="掉线期间发布", room_ids=[room_id])
            s.commit()
        second = await RoomClient.open(server.ws_url, device_token=token)
        titles = [x["title"] for x in second.snapshot["state"]["announcements"]]
        assert titles == ["掉线期间发布"]
        assert second.snapshot["seq"] >= first.snapshot["seq"] + 1
        with server.runtime.session_factory() as s:
            withdraw_announcement(s, actor_user_id=admin_id, announcement_id=a.id)
            s.commit()
        gone = await second.recv_type(protocol.ANNOUNCEMENT_WITHDRAWN)
        assert gone["id"] == a.id
        await second.close()

    asyncio.run(scenario())


def test_heartbeat_is_acknowledged_and_recorded(server: RoomServer) -> None:
    _, _, token, device_id = _paired(server)

    async def scenario() -> None:
        client = await RoomClient.open(server.ws_url, device_token=token)
        await client.ws.send(protocol.encode(protocol.heartbeat(version="9.9", screen="home")))
        await client.recv_type(protocol.HEARTBEAT_ACK)
        await client.close()

    asyncio.run(scenario())
    from screen_server.devices.models import Device

    with server.runtime.session_factory() as s:
        device = s.get(Device, device_id)
        assert device is not None
        assert device.version == "9.9" and device.screen == "home" and device.last_seen_at is not None


@pytest.mark.parametrize(
    "hello",
    [
        {"type": "hello", "device_token": "not-a-real-token"},
        {"type": "hello", "ticket": "eyJraW5kIjoidXNlciIsInVzZXJfaWQiOjF9.forged.signature"},
        {"type": "hello"},
        {"type": "subscribe"},
    ],
    ids=["wrong-token", "forged-ticket", "no-credentials", "not-a-hello"],
)
def test_bad_credentials_are_refused(server: RoomServer, hello: dict[str, str]) -> None:
    async def scenario() -> None:
        async with connect(server.ws_url, compression=None) as ws:
            await ws.send(protocol.encode(hello))
            reply = protocol.decode(await asyncio.wait_for(ws.recv(), 5))
            assert reply == {"type": "error", "code": "auth_failed", "message": reply["message"]}
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == protocol.CLOSE_AUTH_FAILED

    asyncio.run(scenario())


def test_expired_and_tampered_tickets_are_refused(server: RoomServer) -> None:
    admin_id, _, _, _ = _paired(server)
    good = server.runtime.ws_tickets.issue({"kind": "user", "user_id": admin_id})
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]

    async def scenario() -> None:
        ok = await RoomClient.open(server.ws_url, ticket=good)
        assert ok.welcome["type"] == "welcome" and ok.welcome["client"]["user_id"] == admin_id
        await ok.close()
        bad = await RoomClient.open(server.ws_url, ticket=tampered)
        assert bad.welcome["type"] == "error"

    asyncio.run(scenario())


def test_browser_origin_must_match_the_server_host(server: RoomServer) -> None:
    admin_id, _, _, _ = _paired(server)
    ticket = server.runtime.ws_tickets.issue({"kind": "user", "user_id": admin_id})

    async def scenario() -> None:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await connect(server.ws_url, origin="http://evil.example", compression=None)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
        same_host = f"http://127.0.0.1:{server.http_port}"
        client = await RoomClient.open(server.ws_url, ticket=ticket, origin=same_host)
        assert client.welcome["type"] == "welcome"
        await client.close()

    asyncio.run(scenario())


def test_revoked_device_is_told_and_disconnected(server: RoomServer) -> None:
    admin_id, _, token, device_id = _paired(server)

    async def scenario() -> None:
        client = await RoomClient.open(server.ws_url, device_token=token)
        with server.runtime.session_factory() as s:
            revoke_device(s, actor_user_id=admin_id, device_id=device_id)
            s.commit()
        await client.recv_type(protocol.DEVICE_REVOKED)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(client.ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == protocol.CLOSE_DEVICE_REVOKED
        again = await RoomClient.open(server.ws_url, device_token=token)
        assert again.welcome["type"] == "error"

    asyncio.run(scenario())


def test_unknown_path_is_not_found(server: RoomServer) -> None:
    async def scenario() -> None:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await connect(server.ws_url.replace("/ws", "/other"), compression=None)
        assert refused.value.response.status_code == 404

    asyncio.run(scenario())
