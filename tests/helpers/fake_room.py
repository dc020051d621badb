"""A small fake room server for kiosk tests: the device HTTP API and the WebSocket push, on free ports.

It speaks the same wire as the real server (``screen_server.protocol``) but keeps everything in
memory, so the kiosk's network layer can be tested without a database: pairing (pending or
auto-approved), snapshots, pushed events, refused tokens, a WebSocket that goes away and comes back,
heartbeats and preview uploads are all recorded for the test to look at.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from screen_server import protocol

WAIT = 5.0
ROOM = {"id": 1, "name": "第一党员活动室", "slug": "room-1"}


def wait_until(predicate: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Return ``predicate()``'s first truthy value, or fail after ``timeout`` seconds (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        pause.wait(0.01)
    raise AssertionError(f"condition not met within {timeout} s")


def announcement(
    id_: int,
    title: str,
    *,
    body: str = "",
    level: str = "normal",
    publish_at: str = "2026-05-01T08:00:00+00:00",
) -> protocol.AnnouncementData:
    return {
        "id": id_,
        "title": title,
        "body": body or f"{title}的正文。",
        "level": level,
        "publish_at": publish_at,
        "expires_at": None,
    }


class FakeRoom:
    """The fake server. ``start()`` it, point a kiosk at ``http_url``, ``stop()`` it."""

    def __init__(self, *, auto_approve: bool = False) -> None:
        self.auto_approve = auto_approve
        self.lock = threading.Lock()
        self.seq = 0
        self.tokens: dict[str, protocol.DeviceData] = {}
        self.claims: dict[str, dict[str, Any]] = {}
        self.announcements: list[protocol.AnnouncementData] = []
        self.settings: dict[str, Any] = {"room_name": ROOM["name"], "idle_seconds": 120, "mask_names": True}
        self.received: list[dict[str, Any]] = []  # every WebSocket message from clients
        self.close_codes: list[int | None] = []  # how each client connection ended
        self.previews: list[tuple[str, str, bytes]] = []  # (token, content type, body)
        self.requests: list[tuple[str, str]] = []
        self.clients: set[ServerConnection] = set()
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever, name="fake-room-ws", daemon=True)
        self._ws: Server | None = None
        self.ws_port = 0
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._http.daemon_threads = True
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, name="fake-room-http", daemon=True
        )

    # --- life cycle --------------------------------------------------------------------------------

    def start(self) -> FakeRoom:
        self._loop_thread.start()
        self.start_ws()
        self._http_thread.start()
        return self

    def stop(self) -> None:
        self.stop_ws()
        self._http.shutdown()
        self._http.server_close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join(WAIT)
        self._loop.close()

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(WAIT)

    def start_ws(self) -> None:
        async def _start() -> Server:
            return await serve(self._handle, "127.0.0.1", self.ws_port, compression=None)

        self._ws = self._run(_start())
        self.ws_port = next(iter(self._ws.sockets)).getsockname()[1]

    def stop_ws(self) -> None:
        """Make the WebSocket server go away (clients see the connection drop and retry)."""
        if self._ws is None:
            return

        async def _stop(server: Server) -> None:
            server.close()
            await server.wait_closed()

        self._run(_stop(self._ws))
        self._ws = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}{protocol.WS_PATH}"

    # --- what a test does --------------------------------------------------------------------------

    def approve(self, code: str) -> str:
        """Approve the pending device showing ``code``, as an admin would; return its token."""
        with self.lock:
            claim = next(c for c in self.claims.values() if c["code"] == code and c["status"] == "pending")
            token = self._issue(claim["mode"], claim["name"])
            claim.update(status="approved", token=token)
        return token

    def expire(self, code: str) -> None:
        with self.lock:
            for claim in self.claims.values():
                if claim["code"] == code:
                    claim["status"] = "expired"

    def revoke(self, token: str) -> None:
        """Forget a token and tell its connections, as the real server does (event, then close 4410)."""
        with self.lock:
            self.tokens.pop(token, None)
        self.push({"type": protocol.DEVICE_REVOKED}, close_code=protocol.CLOSE_DEVICE_REVOKED)

    def publish(self, item: protocol.AnnouncementData) -> int:
        with self.lock:
            self.announcements.insert(0, item)
        return self.push({"type": protocol.ANNOUNCEMENT_PUBLISHED, "announcement": item})

    def push(self, message: dict[str, Any], *, close_code: int | None = None) -> int:
        """Send an event to every connected client; return its seq."""
        with self.lock:
            self.seq += 1
            seq = self.seq
        text = protocol.encode({**message, "seq": seq})

        async def _send() -> None:
            for ws in list(self.clients):
                try:
                    await ws.send(text)
                    if close_code:
                        await ws.close(close_code, "revoked")
                except ConnectionClosed:
                    pass

        self._run(_send())
        return seq

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.received if m.get("type") == type_]

    # --- the server side -----------------------------------------------------------------------------

    def _issue(self, mode: str, name: str) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens[token] = {
            "id": len(self.tokens) + 1,
            "name": name or "终端",
            "role": mode,
            "room": dict(ROOM),
        }  # type: ignore[typeddict-item]
        return token

    def snapshot(self, token: str) -> dict[str, Any]:
        with self.lock:
            return {
                "type": protocol.SNAPSHOT,
                "seq": self.seq,
                "state": {
                    "device": self.tokens.get(token),
                    "room": dict(ROOM),
                    "announcements": list(self.announcements),
                    "settings": dict(self.settings),
                    "signin": None,
                },
            }

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            hello = protocol.decode(await asyncio.wait_for(ws.recv(), WAIT))
            with self.lock:
                self.received.append(hello)
                device = self.tokens.get(str(hello.get("device_token")))
            if device is None:
                await ws.send(
                    protocol.encode({"type": protocol.ERROR, "code": "auth_failed", "message": "设备未授权"})
                )
                await ws.close(protocol.CLOSE_AUTH_FAILED, "auth failed")
                return
            self.clients.add(ws)
            await ws.send(
                protocol.encode({"type": protocol.WELCOME, "seq": self.seq, "client": {"device": device}})
            )
            await ws.send(protocol.encode(self.snapshot(str(hello["device_token"]))))
            async for raw in ws:
                with self.lock:
                    self.received.append(protocol.decode(raw))
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)
            with self.lock:
                self.close_codes.append(ws.close_code)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        room = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _token(self) -> str | None:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                with room.lock:
                    return token if token in room.tokens else None

            def _refuse(self) -> None:
                self._answer(401, {"error": {"code": "not_authenticated", "message": "设备未授权"}})

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                with room.lock:
                    room.requests.append(("GET", self.path))
                if self.path == "/api/server-info":
                    self._answer(
                        200,
                        {
                            "name": ROOM["name"],
                            "ws_url": room.ws_url,
                            "version": "fake",
                            "server_time": "2026-05-01T08:00:00+00:00",
                        },
                    )
                elif self.path.startswith("/api/devices/pairing/"):
                    with room.lock:
                        claim = room.claims.get(self.path.rsplit("/", 1)[1])
                        token = claim and claim.get("token")
                        answer = {"status": claim["status"] if claim else "expired"}
                        if token:
                            answer |= {"device_token": token, "device": room.tokens[token]}
                    self._answer(200, answer)
                elif self.path == "/api/device/snapshot":
                    token = self._token()
                    if token is None:
                        return self._refuse()
                    snap = room.snapshot(token)
                    self._answer(200, {"seq": snap["seq"], "state": snap["state"]})
                else:
                    self._answer(404, {"error": {"code": "not_found", "message": "没有这个地址"}})

            def do_POST(self) -> None:
                with room.lock:
                    room.requests.append(("POST", self.path))
                body = self._body()
                if self.path == "/api/devices/pairing":
                    data = json.loads(body)
                    with room.lock:
                        claim_id = secrets.token_urlsafe(12)
                        code = f"{secrets.randbelow(10**6):06d}"
                        claim = {
                            "code": code,
                            "status": "pending",
                            "mode": data["mode"],
                            "name": data.get("name", ""),
                        }
                        room.claims[claim_id] = claim
                        answer = {
                            "claim": claim_id,
                            "pairing_code": code,
                            "status": "pending",
                            "expires_at": "2026-05-01T08:10:00+00:00",
                        }
                        if room.auto_approve:
                            token = room._issue(data["mode"], data.get("name", ""))
                            claim.update(status="approved", token=token)
                            answer |= {
                                "status": "approved",
                                "device_token": token,
                                "device": room.tokens[token],
                            }
                    self._answer(201, answer)
                elif self.path == "/api/device/preview":
                    token = self._token()
                    if token is None:
                        return self._refuse()
                    with room.lock:
                        room.previews.append((token, self.headers.get("Content-Type", ""), body))
                    self._answer(204)
                else:
                    self._answer(404, {"error": {"code": "not_found", "message": "没有这个地址"}})

        return Handler
