"""A small WebSocket test client that speaks the room protocol, with bounded waits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from screen_server import protocol

WAIT = 5.0


class RoomClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        self.snapshot: dict[str, Any] = {}

    @classmethod
    async def open(cls, url: str, *, device_token: str | None = None, ticket: str | None = None,
                   origin: str | None = None, ssl: Any = None) -> RoomClient:
        extra = {"ssl": ssl} if ssl is not None else {}  # wss:// through a proxy with a test CA
        ws = await connect(url, compression=None, origin=origin, open_timeout=WAIT, **extra)  # type: ignore[arg-type]
        client = cls(ws)
        await ws.send(protocol.encode(protocol.hello(device_token=device_token, ticket=ticket)))
        client.welcome = await client.recv()
        if client.welcome["type"] == protocol.WELCOME:
            client.snapshot = await client.recv()
        return client

    async def recv(self, timeout: float = WAIT) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def recv_type(self, type_: str, timeout: float = WAIT) -> dict[str, Any]:
        """Return the next message of ``type_``, skipping others, within ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                msg = json.loads(await self.ws.recv())
                if msg["type"] == type_:
                    return msg

    async def close(self) -> None:
        await self.ws.close()
