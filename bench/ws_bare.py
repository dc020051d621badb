"""The WebSocket baseline: a bare ``websockets`` server that broadcasts one JSON message to every client.

    python -m bench.ws_bare

Served with the same options as our push server (no compression, same ping and size limits). It
prints ``READY <ws url>``; then, on stdin, ``FIRE r`` takes the time (``time.monotonic_ns()``), hands
over to the loop as our bus does (``call_soon_threadsafe``), serialises the message once and calls
``websockets.broadcast``; it prints ``FIRED r <ns>``. ``QUIT`` ends it.

``payload(r)`` is the message both servers send, so both put the same bytes on the wire.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve


def payload(r: int) -> dict[str, Any]:
    """An announcement event's payload, about 300 bytes of JSON, marked with its round."""
    return {
        "announcement": {
            "id": 1000 + r,
            "title": "关于召开第三季度党员大会的通知",
            "body": "请各支部党员于本周五下午三点到一楼活动室参加党员大会，请提前十分钟签到。",
            "level": "important",
            "publish_at": "2026-03-06T07:00:00+00:00",
            "expires_at": None,
        },
        "bench_round": r,
    }


class BareServer:
    def __init__(self) -> None:
        self.clients: set[ServerConnection] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def handler(self, ws: ServerConnection) -> None:
        try:
            await asyncio.wait_for(ws.recv(), 10)  # the hello, as ours expects one
            await ws.send(json.dumps({"type": "snapshot", "seq": 0, "state": {}}))
            self.clients.add(ws)
            async for _ in ws:
                pass
        except (websockets.ConnectionClosed, TimeoutError):
            pass
        finally:
            self.clients.discard(ws)

    def fire(self, r: int) -> None:
        """Called on the stdin thread, like a service publishing from an HTTP thread."""
        assert self.loop is not None
        started = time.monotonic_ns()
        self.loop.call_soon_threadsafe(self._broadcast, r)
        print(f"FIRED {r} {started}", flush=True)

    def _broadcast(self, r: int) -> None:
        message = {**payload(r), "type": "announcement.published", "seq": r}
        broadcast(self.clients, json.dumps(message, ensure_ascii=False, separators=(",", ":")))


async def main_async() -> int:
    server = BareServer()
    server.loop = asyncio.get_running_loop()
    done = asyncio.Event()
    async with serve(
        server.handler, "127.0.0.1", 0, compression=None, max_size=2**20, ping_interval=20, ping_timeout=20
    ) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        print(f"READY ws://127.0.0.1:{port}/ws", flush=True)

        def read_stdin() -> None:
            for line in sys.stdin:
                words = line.split()
                if words and words[0] == "FIRE":
                    server.fire(int(words[1]))
                elif words and words[0] == "QUIT":
                    break
            server.loop.call_soon_threadsafe(done.set)  # type: ignore[union-attr]

        threading.Thread(target=read_stdin, name="stdin", daemon=True).start()
        await done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async()))
