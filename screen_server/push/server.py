"""The WebSocket server: its own thread and asyncio loop, fed by the event bus.

HTTP threads never touch this loop: the bus calls ``_on_event`` on whatever thread published, and that
hands the event over with ``loop.call_soon_threadsafe``. Each event is serialised once and fanned out
with ``websockets.broadcast``. Database work (authentication, snapshots, heartbeats) runs in worker
threads so the loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from sqlalchemy.orm import Session, sessionmaker
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

from screen_server import protocol
from screen_server.bus import Bus
from screen_server.config import Settings
from screen_server.devices import services as devices
from screen_server.push.snapshot import SnapshotBuilder
from screen_server.push.viewer import Viewer
from screen_server.security import Tickets

log = logging.getLogger(__name__)
HELLO_TIMEOUT = 10.0


@dataclass(eq=False)
class Client:
    ws: ServerConnection
    viewer: Viewer
    ready: bool = False  # False until its snapshot is sent; events meanwhile wait in ``held``
    held: list[protocol.Event] = field(default_factory=list)


class PushServer:
    """Serve ``ws://host:ws_port/ws`` until ``stop``."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        bus: Bus,
        snapshots: SnapshotBuilder,
        tickets: Tickets,
    ) -> None:
        self.settings = settings
        self._session_factory = session_factory
        self._bus = bus
        self._snapshots = snapshots
        self._tickets = tickets
        self._clients: set[Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[protocol.Event] = []
        self._pending_lock = threading.Lock()
        self._drain_scheduled = False
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.port = settings.ws_port
        # Messages from clients that other areas answer: type → fn(viewer, message) -> reply | None.
        self.handlers: dict[str, Callable[[Viewer, dict[str, Any]], dict[str, Any] | None]] = {}
        bus.subscribe(self._on_event)

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._run, name="ws-push", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("the WebSocket server did not start")
        if self._error:
            raise self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced to start()
            self._error = exc
            self._started.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(
            self._handler,
            self.settings.host,
            self.settings.ws_port,
            process_request=self._check_request,
            compression=None,  # a room's LAN is fast; deflate costs CPU and ~3x memory per client
            max_size=2**20,
            ping_interval=20,
            ping_timeout=20,
        ) as server:
            self._server = server
            self.port = server.sockets[0].getsockname()[1]
            self._started.set()
            await self._stop.wait()

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop and stop and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread:
            self._thread.join(timeout=10)

    def is_answering(self, timeout: float = 5.0) -> bool:
        """Whether the push loop runs and gets to a task within ``timeout`` (for the watchdog)."""
        loop = self._loop
        if loop is None or loop.is_closed() or self._thread is None or not self._thread.is_alive():
            return False
        try:
            asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result(timeout)
        except Exception:
            return False
        return True

    @property
    def client_count(self) -> int:
        return len(self._clients)

    # --- connections -----------------------------------------------------------------------------
    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != protocol.WS_PATH:
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Not found\n")
        origin = request.headers.get("Origin")
        if origin and not self._origin_allowed(origin, request.headers.get("Host", "")):
            log.warning("refused a WebSocket from origin %s", origin)
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Origin not allowed\n")
        return None

    def _origin_allowed(self, origin: str, host_header: str) -> bool:
        if origin in self.settings.allowed_origins:
            return True
        origin_host = urlsplit(origin).hostname
        own_host = urlsplit("//" + host_header).hostname
        return bool(origin_host) and origin_host == own_host

    async def _handler(self, ws: ServerConnection) -> None:
        viewer = await self._authenticate(ws)
        if viewer is None:
            return
        client = Client(ws, viewer)
        self._clients.add(client)
        try:
            await self._send_snapshot(client, welcome=True)
            async for raw in ws:
                await self._on_message(client, raw)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)
            if viewer.device_id:
                await asyncio.to_thread(self._touch, viewer.device_id, {})

    async def _authenticate(self, ws: ServerConnection) -> Viewer | None:
        try:
            hello = protocol.decode(await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT))
        except (TimeoutError, protocol.ProtocolError, websockets.ConnectionClosed):
            await self._refuse(ws, "expected a hello message")
            return None
        viewer = None
        if hello.get("type") == protocol.HELLO:
            viewer = await asyncio.to_thread(self._viewer_for, hello)
        if viewer is None:
            await self._refuse(ws, "设备令牌或票据无效，请重新配对。")
            return None
        if viewer.device_id:
            meta = {"version": str(hello.get("version") or ""), "ip": _peer_ip(ws)}
            await asyncio.to_thread(self._touch, viewer.device_id, meta)
        return viewer

    def _viewer_for(self, hello: dict[str, Any]) -> Viewer | None:
        token, ticket = hello.get("device_token"), hello.get("ticket")
        if isinstance(token, str) and token:
            with self._session_factory() as session:
                device = devices.authenticate(session, token)
                if device is None:
                    return None
                return Viewer("device", room_id=device.room_id, device_id=device.id, role=device.role.value)
        if isinstance(ticket, str) and ticket:
            data = self._tickets.read(ticket)
            if not data:
                return None
            kind = data.get("kind")
            if kind == "user" and isinstance(data.get("user_id"), int):
                return self._user_viewer(int(data["user_id"]))  # type: ignore[call-overload]
            if kind == "room" and isinstance(data.get("room_id"), int):
                return Viewer("room", room_id=int(data["room_id"]))  # type: ignore[call-overload]
            if kind == "player" and isinstance(data.get("contest_id"), int):
                room_id = data.get("room_id")
                return Viewer("player", room_id=room_id if isinstance(room_id, int) else None,
                              contest_id=int(data["contest_id"]))  # type: ignore[call-overload]
        return None

    def _user_viewer(self, user_id: int) -> Viewer | None:
        """An admin browser, with the role and branch its events are filtered by (read now, not from the
        ticket, so a user disabled or demoted meanwhile gets what they are now)."""
        from screen_server.org.models import User

        with self._session_factory() as session:
            user = session.get(User, user_id)
            if user is None or not user.active:
                return None
            return Viewer("user", user_id=user.id, role=user.role.value, branch_id=user.branch_id)

    async def _refuse(self, ws: ServerConnection, message: str) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(protocol.encode({"type": protocol.ERROR, "code": "auth_failed", "message": message}))
            await ws.close(protocol.CLOSE_AUTH_FAILED, "auth failed")

    async def _send_snapshot(self, client: Client, *, welcome: bool = False) -> None:
        client.ready = False
        seq = await asyncio.to_thread(self._bus.last_seq)
        state = await asyncio.to_thread(self._snapshots.build, client.viewer)
        v = client.viewer
        if welcome:
            who = {"kind": v.kind, "room_id": v.room_id, "device_id": v.device_id, "user_id": v.user_id}
            await client.ws.send(protocol.encode({"type": protocol.WELCOME, "seq": seq, "client": who}))
        await client.ws.send(protocol.encode({"type": protocol.SNAPSHOT, "seq": seq, "state": state}))
        held, client.held, client.ready = client.held, [], True
        for event in held:
            if event.seq > seq:
                await client.ws.send(protocol.encode(event.to_message()))

    async def _on_message(self, client: Client, raw: str | bytes) -> None:
        try:
            msg = protocol.decode(raw)
        except protocol.ProtocolError as exc:
            await client.ws.send(protocol.encode({"type": protocol.ERROR, "code": "bad_message", "message": str(exc)}))
            return
        kind = msg["type"]
        if kind == protocol.HEARTBEAT:
            if client.viewer.device_id:
                meta: dict[str, Any] = {"version": str(msg.get("version") or ""),
                                        "screen": str(msg.get("screen") or "")}
                clock = msg.get("clock")
                if isinstance(clock, int | float) and not isinstance(clock, bool) and math.isfinite(clock):
                    meta["clock"] = float(clock)
                await asyncio.to_thread(self._touch, client.viewer.device_id, meta)
            seq = await asyncio.to_thread(self._bus.last_seq)
            await client.ws.send(protocol.encode({"type": protocol.HEARTBEAT_ACK, "seq": seq}))
        elif kind == protocol.SNAPSHOT:
            await self._send_snapshot(client)
        else:
            handler = self.handlers.get(kind)
            if handler is None:
                await client.ws.send(
                    protocol.encode({"type": protocol.ERROR, "code": "unknown_type", "message": kind})
                )
            else:
                reply = await asyncio.to_thread(handler, client.viewer, msg)
                if reply:
                    await client.ws.send(protocol.encode(reply))


    def _touch(self, device_id: int, meta: dict[str, Any]) -> None:
        try:
            with self._session_factory() as session:
                devices.touch(session, device_id, **meta)
                session.commit()
        except Exception:  # a busy database must not drop the connection
            log.exception("could not record a heartbeat of device %s", device_id)

    # --- fan-out ---------------------------------------------------------------------------------
    def _on_event(self, event: protocol.Event) -> None:
        """Hand an event to the loop. A rush of events (a batch of sign-ins) wakes the loop once: they
        wait in order in ``_pending`` and one scheduled drain sends them all."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._pending_lock:
            self._pending.append(event)
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._pending_lock:
            events, self._pending, self._drain_scheduled = self._pending, [], False
        for event in events:
            self._dispatch(event)

    def _dispatch(self, event: protocol.Event) -> None:
        text = protocol.encode(event.to_message())  # serialised once for every recipient
        live: list[ServerConnection] = []
        phones: list[ServerConnection] = []
        for client in self._clients:
            if not client.viewer.receives(event.room_id, event.device_id, event.type, event.payload):
                continue
            if client.ready:
                (phones if client.viewer.kind == "player" else live).append(client.ws)
            else:
                client.held.append(event)
        # Screens first: the wall is what the room watches; thousands of players' phones follow at once.
        broadcast(live + phones, text)
        if event.type == protocol.DEVICE_REVOKED:
            for ws in live:
                asyncio.ensure_future(ws.close(protocol.CLOSE_DEVICE_REVOKED, "device revoked"))


def _peer_ip(ws: ServerConnection) -> str:
    addr = ws.remote_address
    return str(addr[0]) if addr else ""
