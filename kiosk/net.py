"""The kiosk's link to the room server: pairing, snapshot, live push, heartbeats and preview uploads.

``ServerLink`` owns one asyncio loop in a named daemon thread. Everything it learns it hands to the UI
as a message dict (the server's own messages, plus the ``link.*``/``pairing.*`` ones in kiosk.state)
through ``deliver``, which the app wraps in ``Clock.schedule_once``: ``deliver`` is called on the
network thread and must not touch widgets. HTTP is urllib (kiosk.httpclient) run in
``asyncio.to_thread``; WebSocket is ``websockets``' reconnecting ``async for ws in connect(...)`` with
capped exponential backoff and jitter. The terminal's sign-in calls (``roster``, ``sign_in``) return
futures the UI turns into ``Clock`` callbacks; they are not retried, since a member is waiting.

The flow: no token → ask for a pairing code and poll until an admin approves it; with a token → fetch
the server info and a snapshot over HTTP (a refused token means back to pairing), then stay on the
WebSocket, reconnecting for as long as the kiosk runs. Close codes 4401/4410 or ``device.revoked``
also mean back to pairing.

No Kivy here; from the server only ``screen_server.protocol``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import logging
import threading
import time
import urllib.parse
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import Any, cast

from websockets.asyncio.client import connect
from websockets.client import process_exception
from websockets.exceptions import ConnectionClosed

import screen_server.protocol as protocol
from kiosk import __version__
from kiosk import state as st
from kiosk.httpclient import Backoff, HttpError, Unpaired, Unreachable, http_chunks, http_request
from kiosk.i18n import _
from kiosk.library import Library
from kiosk.outbox import Outbox
from kiosk.pincache import PinCache
from kiosk.store import DeviceStore

__all__ = ["Backoff", "HttpError", "ServerLink", "Unpaired", "Unreachable", "http_request"]

log = logging.getLogger(__name__)
Deliver = Callable[[dict[str, Any]], None]
REFUSED_CLOSE_CODES = (protocol.CLOSE_AUTH_FAILED, protocol.CLOSE_DEVICE_REVOKED)
DEFAULT_BACKOFF = Backoff()
# Made up here for the UI: the content index on disk changed; the outbox was sent (with the answer).
CONTENT_SYNCED = "content.synced"
STUDY_SYNCED = "study.synced"
INDEX_LIMIT = 500  # newest published summaries a terminal keeps for browsing offline
DRAIN_SECONDS = 10.0


class ServerLink:
    """The kiosk's one connection to its server, run on a background asyncio loop."""

    def __init__(
        self,
        server: str,
        store: DeviceStore,
        deliver: Deliver,
        *,
        mode: str = "terminal",
        name: str = "",
        backoff: Backoff = DEFAULT_BACKOFF,
        heartbeat_seconds: float = protocol.HEARTBEAT_SECONDS,
        poll_seconds: float = 2.0,
        http_timeout: float = 10.0,
        library: Library | None = None,
        outbox: Outbox | None = None,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self.server = server.rstrip("/")
        self.store = store
        self.mode = mode
        self.name = name
        self.backoff = backoff
        self.heartbeat_seconds = heartbeat_seconds
        self.poll_seconds = poll_seconds
        self.http_timeout = http_timeout
        self.screen = ""  # the UI's current screen, reported in heartbeats (a str swap is thread-safe)
        self._deliver = deliver
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._main: asyncio.Task[None] | None = None
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._status = ""
        self.library = library
        self.outbox = outbox
        self.pins: PinCache | None = PinCache(store.state_dir, lambda: self.store.token) if outbox else None
        self.clock_offset_s = 0.0  # the server's clock minus ours, from /api/server-info
        self.drain_seconds = drain_seconds
        self._kick: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- called from the UI thread ---------------------------------------------------------------

    def start(self) -> ServerLink:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="kiosk-net", daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close the socket politely and end the thread; safe to call twice (``on_stop`` can fire twice)."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        loop, main = self._loop, self._main
        if loop is not None and main is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(main.cancel)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any] | None:
        """Run ``coro`` on the network loop; None (and the coroutine closed) once the link has stopped."""
        loop = self._loop
        if self._stopped or loop is None or loop.is_closed():
            coro.close()
            return None
        return asyncio.run_coroutine_threadsafe(coro, loop)

    def upload_preview(self, make_png: Callable[[], bytes]) -> concurrent.futures.Future[Any] | None:
        """Encode (``make_png`` runs off the UI thread) and POST the screen's preview."""
        return self.submit(self._upload_preview(make_png))

    def roster(self) -> concurrent.futures.Future[Any] | None:
        """GET the open meeting's roster (branches and members) for the terminal's sign-in tiles; the last
        one kept on disk while the server cannot be reached."""
        return self.submit(self._roster())

    def sign_in(self, body: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        """POST a sign-in made at this terminal: {meeting_id, member_id, pin, client_id}.

        The future's result is the server's answer; it raises HttpError (with the server's message,
        e.g. a wrong PIN), Unreachable, or Unpaired when this device has no token. With the server
        unreachable, a PIN that matches the terminal's PIN cache queues the sign-in in the outbox and
        the answer says so (``queued``); a wrong PIN is refused as the server would.
        """
        return self.submit(self._sign_in(body))

    async def _roster(self) -> Any:
        try:
            answer = await self._device_call("GET", "/api/device/roster")
        except Unreachable:
            cached = await asyncio.to_thread(self.store.load_roster)
            if cached is None or self.pins is None or not await asyncio.to_thread(self.pins.has_cache):
                raise
            return cached
        await asyncio.to_thread(self.store.save_roster, answer)
        return answer

    async def _sign_in(self, body: dict[str, Any]) -> Any:
        try:
            return await self._device_call("POST", "/api/device/signins", body=body)
        except Unreachable:
            if self.outbox is None or self.pins is None:
                raise
            member = await asyncio.to_thread(self.pins.check, str(body.get("pin") or ""),
                                             member_id=int(body["member_id"]))
            if member is None:
                if not await asyncio.to_thread(self.pins.has_cache):
                    raise
                raise HttpError(401, "not_authenticated", "党员编号或密码不正确。") from None
            record = {"client_id": str(body["client_id"]), "meeting_id": int(body["meeting_id"]),
                      "member_id": member["id"], **self.clock_stamp()}
            await asyncio.to_thread(self.outbox.add_record, "signin", record)
            return {"created": True, "queued": True, "member": {"id": member["id"], "name": member["name"]},
                    "message": "服务器暂时连不上，签到已记录在本终端，恢复连接后自动提交。"}

    def clock_stamp(self) -> dict[str, Any]:
        """This terminal's clock now, and its offset from the server's (learnt at the last connection)."""
        return {"device_clock": dt.datetime.now(dt.UTC).isoformat(), "clock_offset_s": self.clock_offset_s}

    # --- study: content, members, the outbox (futures for the UI) -------------------------------------

    def item(self, item_id: int) -> concurrent.futures.Future[Any] | None:
        """An item's detail: from the server (and kept on disk), or from disk when the server is down."""
        return self.submit(self._item(int(item_id)))

    def media(self, url: str) -> concurrent.futures.Future[Any] | None:
        """A local path of the file at ``url`` (a server path such as /media/…), downloading it once."""
        return self.submit(self._media(url))

    def search(self, text: str = "", initials: str = "") -> concurrent.futures.Future[Any] | None:
        return self.submit(self._search(text, initials))

    def member_login(self, number: str, pin: str) -> concurrent.futures.Future[Any] | None:
        """Identify a member by number and PIN: at the server, or against the PIN cache while it is down
        (the answer then says ``offline`` and holds no figures; their study waits in the outbox)."""
        return self.submit(self._member_login(number, pin))

    async def _member_login(self, number: str, pin: str) -> Any:
        try:
            return await self._device_call("POST", "/api/device/members/login",
                                           body={"number": number, "pin": pin})
        except Unreachable:
            if self.pins is None or not await asyncio.to_thread(self.pins.has_cache):
                raise
            member = await asyncio.to_thread(self.pins.check, pin, number=number)
            if member is None:
                raise HttpError(401, "not_authenticated", "党员编号或密码不正确。") from None
            zero = {"today": 0, "week": 0, "month": 0, "year": 0, "total": 0}
            return {"member": {"id": member["id"], "name": member["name"], "branch": ""}, "offline": True,
                    "minutes": {"today": 0, "week": 0, "total": 0}, "items_studied": 0, "items_completed": 0,
                    "points": zero, "recent": [], "recent_points": []}

    def change_pin(self, body: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        """POST a member's own new PIN: {number or member_id, pin (the initial one), new_pin, repeat}."""
        return self.submit(self._device_call("POST", "/api/device/members/pin", body=body))
    def member_logout(self) -> concurrent.futures.Future[Any] | None:
        """Tell the server the member here logged out: from now it refuses to read them for this terminal."""
        return self.submit(self._device_call("POST", "/api/device/members/logout", body={}))

    def member_summary(self, member_id: int) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", f"/api/device/members/{int(member_id)}/summary"))

    def recommendations(self, member_id: int) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", f"/api/device/members/{int(member_id)}/recommendations"))

    def assessment(self, member_id: int) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", f"/api/device/members/{int(member_id)}/assessment"))

    def service_window(self, member_id: int) -> concurrent.futures.Future[Any] | None:
        """服务窗口 of the member logged in here: the categories with their phrases and their own requests."""
        return self.submit(self._device_call("GET", f"/api/device/members/{int(member_id)}/services"))

    def post_service(self, member_id: int, body: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        """POST one request {category, text, client_id} for the member logged in here."""
        return self.submit(self._device_call("POST", f"/api/device/members/{int(member_id)}/services", body=body))

    def own_record(self, member_id: int) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", f"/api/device/members/{int(member_id)}/record"))
    def honour(self) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", "/api/device/honour"))

    def published_assessment(self) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", "/api/device/assessment/published"))
    def plans(self, member_id: int) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("GET", f"/api/device/members/{int(member_id)}/plans"))

    def leaderboard(self, period: str) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._http("GET", f"/api/leaderboard?period={urllib.parse.quote(period)}"))

    def member_rank(self, member_id: int, period: str) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call(
            "GET", f"/api/device/members/{int(member_id)}/rank?period={urllib.parse.quote(period)}"))

    def contest_join(self, contest_id: int, member_id: int) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("POST", f"/api/device/contests/{int(contest_id)}/join",
                                             body={"member_id": int(member_id)}))

    def contest_answer(self, contest_id: int, body: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._http("POST", f"/api/contests/{int(contest_id)}/answers", body=body))

    def contest_player(self, contest_id: int, player_id: int, secret: str) -> concurrent.futures.Future[Any] | None:
        return self.submit(asyncio.to_thread(
            http_request, "GET", f"{self.server}/api/device/contests/{int(contest_id)}/players/{int(player_id)}",
            token=self.store.token, timeout=self.http_timeout, headers={"X-Player-Secret": secret}))

    def contest_host(self, contest_id: int, code: str, action: str) -> concurrent.futures.Future[Any] | None:
        """Host the room's contest from this terminal: check the host code, or drive one step with it."""
        return self.submit(self._device_call("POST", f"/api/device/contests/{int(contest_id)}/host",
                                             body={"code": code, "action": action}))

    def meeting_host(self, code: str, action: str, **extra: Any) -> concurrent.futures.Future[Any] | None:
        """Run the room's meeting from this terminal with the meeting's host code (check, close_signin,
        reopen_signin, step, end, reveal)."""
        return self.submit(self._device_call("POST", "/api/device/meeting-host",
                                             body={"code": code, "action": action, **extra}))

    def practice(self, method: str, path: str, body: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        """A practice call (daily, levels, streak, answers) for the member logged in at this terminal."""
        if method == "GET":
            query = urllib.parse.urlencode(body)
            return self.submit(self._device_call("GET", f"/api/practice/{path}?{query}"))
        return self.submit(self._device_call("POST", f"/api/practice/{path}", body=body))

    def exams(self, method: str, path: str, body: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        """A formal-test call (the list, start or resume, show, answers, submit) for the member logged in here."""
        suffix = f"/{path}" if path else ""
        if method == "GET":
            query = urllib.parse.urlencode(body)
            return self.submit(self._device_call("GET", f"/api/exams{suffix}?{query}"))
        return self.submit(self._device_call("POST", f"/api/exams{suffix}", body=body))

    def login_qr(self) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._device_call("POST", "/api/device/login-qr"))

    def kick_outbox(self) -> None:
        """Send the outbox now (a span was just added); thread-safe."""
        loop, kick = self._loop, self._kick
        if loop is not None and kick is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(kick.set)

    def sync_content(self) -> concurrent.futures.Future[Any] | None:
        return self.submit(self._sync_content())

    async def _item(self, item_id: int) -> dict[str, Any] | None:
        try:
            item = await self._http("GET", f"/api/content/items/{item_id}")
        except Unreachable:
            return await asyncio.to_thread(self.library.load_item, item_id) if self.library else None
        except HttpError as exc:
            if exc.status >= 500 and self.library is not None:
                return await asyncio.to_thread(self.library.load_item, item_id)
            raise
        if self.library is not None and isinstance(item, dict):
            await asyncio.to_thread(self.library.save_item, item)
        return dict(item) if isinstance(item, dict) else None

    async def _media(self, url: str) -> str | None:
        if self.library is None:
            return self.server + url
        cached = await asyncio.to_thread(self.library.cached_media, url)
        if cached is not None:
            return str(cached)
        full = url if url.startswith("http") else self.server + url
        path = await asyncio.to_thread(self.library.store_media, url, http_chunks(full, timeout=self.http_timeout))
        return str(path)

    async def _search(self, text: str, initials: str) -> list[dict[str, Any]]:
        query = {"q": text} if text else {"initials": initials}
        try:
            answer = await self._http("GET", "/api/content/search?" + urllib.parse.urlencode(query))
            return list((answer or {}).get("items") or [])
        except (Unreachable, HttpError):
            return self.library.search(text, initials) if self.library is not None else []

    async def _sync_content(self) -> bool:
        """Fetch the categories and the newest summaries into the library; True when it changed."""
        if self.library is None:
            return False
        try:
            cats = await self._http("GET", "/api/content/categories")
            items = await self._http("GET", f"/api/content/items?limit={INDEX_LIMIT}")
        except (Unreachable, HttpError) as exc:
            log.info("content not synced: %s", exc)
            return False
        await asyncio.to_thread(self.library.save_index, list((cats or {}).get("categories") or []),
                                list((items or {}).get("items") or []))
        self._emit({"type": CONTENT_SYNCED})
        return True

    def _background(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain_forever(self) -> None:
        """Send the outbox whenever kicked, and every few seconds while anything is waiting."""
        self._kick = asyncio.Event()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.drain_seconds)
            self._kick.clear()
            try:
                await self.drain()
            except Exception:  # never let the outbox loop die; the spans stay on disk
                log.exception("outbox drain failed")

    async def drain(self) -> int:
        """POST what the outbox holds; drop what the server acknowledged. Returns how many left."""
        if self.outbox is None or not self.store.token:
            return 0
        sent, batch = 0, 200
        while spans := await asyncio.to_thread(self.outbox.pending, batch):
            try:
                answer = await self._device_call("POST", "/api/study/spans", body={"spans": spans})
            except (Unreachable, Unpaired) as exc:
                log.info("outbox kept %d span(s): %s", len(spans), exc)
                break
            except HttpError as exc:
                if exc.status >= 500 or exc.status == 401:
                    break
                if len(spans) > 1:  # refused whole: send one by one, so the server judges each span
                    log.warning("outbox batch refused whole (%s); sending one by one", exc)
                    batch = 1
                    continue
                log.error("span %s refused whole (%s): dropped, it can never be accepted", spans[0].get("id"), exc)
                await asyncio.to_thread(self.outbox.remove, [s["id"] for s in spans])
                continue
            done = [*answer.get("accepted", []), *answer.get("duplicates", []),
                    *[r.get("id") for r in answer.get("rejected", [])]]
            for refusal in answer.get("rejected", []):
                log.warning("span %s refused: %s", refusal.get("id"), refusal.get("error"))
            await asyncio.to_thread(self.outbox.remove, done)
            sent += len(answer.get("accepted", []))
            self._emit({"type": STUDY_SYNCED, **answer})
            if not done:
                break
        return sent + await self._drain_records()

    async def _drain_records(self) -> int:
        """Deliver queued sign-ins one by one; each leaves the outbox once the server has it (recorded,
        already recorded, or kept as an offline conflict for the admin)."""
        assert self.outbox is not None
        sent = 0
        for record in await asyncio.to_thread(self.outbox.pending_records, "signin"):
            try:
                answer = await self._device_call("POST", "/api/device/offline/signins", body=record)
            except (Unreachable, Unpaired) as exc:
                log.info("queued sign-ins kept: %s", exc)
                break
            except HttpError as exc:
                log.warning("queued sign-in %s kept; the server said %s", record.get("client_id"), exc)
                if exc.status >= 500 or exc.status == 401:
                    break
                continue  # kept: never dropped silently; the log names it
            if "conflict" in answer:
                log.warning("queued sign-in %s became an offline conflict: %s", record.get("client_id"),
                            answer["conflict"].get("reason"))
            await asyncio.to_thread(self.outbox.remove_record, str(record["client_id"]))
            sent += 1
        return sent

    # --- the network thread ----------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._main = loop.create_task(self._serve_forever(), name="kiosk-link")
        if self.outbox is not None:
            loop.create_task(self._drain_forever(), name="kiosk-outbox")
        ready.set()
        try:
            loop.run_until_complete(self._main)
        except asyncio.CancelledError:
            pass
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    def _emit(self, message: dict[str, Any]) -> None:
        try:
            self._deliver(message)
        except Exception:  # a broken UI callback must not take the link down
            log.exception("deliver failed for %s", message.get("type"))

    def _set_status(self, status: str, detail: str = "") -> None:
        if status != self._status:
            self._status = status
            self._emit({"type": st.LINK_STATUS, "status": status, "detail": detail})

    async def _http(self, method: str, path: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(
            http_request, method, self.server + path, timeout=self.http_timeout, **kwargs
        )

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Await ``call()`` until the server answers, saying so to the UI and backing off in between."""
        delays = self.backoff.delays()
        while True:
            try:
                return await call()
            except Unreachable as exc:
                self._set_status(st.DOWN, str(exc))
            except HttpError as exc:
                if exc.status < 500:
                    raise
                self._set_status(st.DOWN, exc.message or str(exc))
            await asyncio.sleep(next(delays))

    async def _serve_forever(self) -> None:
        self._set_status(st.CONNECTING)
        while True:
            token = self.store.token or await self._pair()
            try:
                await self._session(token)
            except Unpaired as exc:
                log.warning("token refused (%s); pairing again", exc)
                await asyncio.to_thread(self.store.forget)
                self._emit({"type": st.LINK_UNPAIRED, "reason": str(exc)})

    # --- pairing -----------------------------------------------------------------------------------

    async def _pair(self) -> str:
        """Ask for a pairing code, show it, and poll until approved (a new code when one expires)."""
        body = {"mode": self.mode, "name": self.name, "version": __version__}
        while True:
            try:
                answer = await self._retrying(lambda: self._http("POST", "/api/devices/pairing", body=body))
            except HttpError as exc:  # e.g. 400: a setting on the server refuses this mode
                self._set_status(st.DOWN, exc.message or str(exc))
                await asyncio.sleep(next(self.backoff.delays()) * 5)
                continue
            self._set_status(st.UP)
            while answer.get("status") == "pending":
                self._emit(
                    {
                        "type": st.PAIRING_CODE,
                        "pairing_code": answer.get("pairing_code") or "",
                        "expires_at": answer.get("expires_at") or "",
                    }
                )
                claim = answer.get("claim") or ""
                answer = await self._poll(claim)
            if answer.get("status") == "approved" and answer.get("device_token"):
                token = str(answer["device_token"])
                device = answer.get("device")
                await asyncio.to_thread(self.store.save_token, token, device, self.server)
                self._emit({"type": st.PAIRING_APPROVED, "device": device})
                return token
            # expired or unknown: ask for a fresh code

    async def _poll(self, claim: str) -> dict[str, Any]:
        """Poll one claim until its status changes; carries the claim on in the answer."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                answer = await self._http("GET", f"/api/devices/pairing/{claim}")
            except Unreachable as exc:
                self._set_status(st.DOWN, str(exc))
                continue
            except HttpError as exc:
                if exc.status >= 500:
                    continue
                return {"status": "expired"}
            self._set_status(st.UP)
            if answer.get("status") != "pending":
                return dict(answer)

    # --- the live session ----------------------------------------------------------------------------

    async def _session(self, token: str) -> None:
        """Stay connected with ``token`` until it is refused (raises Unpaired) or the link stops."""
        if self._status != st.DOWN:
            self._set_status(st.CONNECTING)
        while True:
            try:
                asked = time.time()
                info = await self._retrying(lambda: self._http("GET", "/api/server-info"))
                self._note_clock(info, asked, time.time())
                self._emit({"type": st.SERVER_INFO, **info})
                if self.pins is not None:
                    self._background(self._refresh_pins())
                await self._fetch_snapshot(token)
                await self._live(str(info["ws_url"]), token)
            except Unpaired:
                raise
            except Exception as exc:
                # A fatal handshake error (404 on the WebSocket, a bad ws_url): start over after a pause.
                log.warning("session failed: %s", exc)
                self._set_status(st.DOWN, str(exc))
                await asyncio.sleep(next(self.backoff.delays()))

    async def _fetch_snapshot(self, token: str) -> None:
        try:
            answer = await self._http("GET", "/api/device/snapshot", token=token)
        except HttpError as exc:
            if exc.status == 401:
                raise Unpaired(exc.message or "401") from None
            raise
        except Unreachable:
            return  # the WebSocket's own snapshot will follow once the server is back
        message = {"type": protocol.SNAPSHOT, "seq": answer.get("seq", 0), "state": answer.get("state") or {}}
        await self._keep_snapshot(message)

    async def _keep_snapshot(self, message: dict[str, Any]) -> None:
        self._emit(message)
        try:
            await asyncio.to_thread(self.store.save_snapshot, message)
        except OSError as exc:
            log.warning("could not cache the snapshot: %s", exc)

    def _on_connect_error(self, exc: Exception) -> Exception | None:
        self._set_status(st.DOWN, str(exc) or type(exc).__name__)
        return process_exception(exc)

    async def _live(self, ws_url: str, token: str) -> None:
        # websockets' connect() iterates as an async generator (its stub says AsyncIterator): aclose() below.
        connections = cast(AsyncGenerator[Any, None], connect(
            ws_url,
            compression=None,
            open_timeout=self.http_timeout,
            process_exception=self._on_connect_error,
            reconnect_delays=self.backoff.delays,
            user_agent_header=f"activity-room-kiosk/{__version__}",
        ).__aiter__())
        drops = self.backoff.delays()
        try:
            async for ws in connections:
                opened = time.monotonic()
                try:
                    await ws.send(protocol.encode(protocol.hello(device_token=token, version=__version__)))
                    await self._receive(ws)
                except ConnectionClosed:
                    pass
                except BaseException:  # stopping (cancelled) or refused: leaving the iterator would send 1011
                    await ws.close()
                    raise
                if ws.close_code in REFUSED_CLOSE_CODES:
                    raise Unpaired(ws.close_reason or str(ws.close_code))
                self._set_status(st.DOWN, _("与服务器的连接已断开"))
                if time.monotonic() - opened < 10:
                    await asyncio.sleep(next(drops))  # a server that accepts and drops at once: do not hammer
                else:
                    drops = self.backoff.delays()
        finally:
            await connections.aclose()

    async def _receive(self, ws: Any) -> None:
        beats = asyncio.create_task(self._heartbeats(ws), name="kiosk-heartbeat")
        try:
            async for raw in ws:
                try:
                    message = protocol.decode(raw)
                except protocol.ProtocolError as exc:
                    log.warning("ignored a malformed message: %s", exc)
                    continue
                kind = message["type"]
                if kind == protocol.WELCOME:
                    self._set_status(st.UP)
                if kind == protocol.SNAPSHOT:
                    await self._keep_snapshot(message)
                    continue
                self._emit(message)
                if kind in (protocol.CONTENT_CHANGED, protocol.WELCOME):  # changed, or maybe while away
                    self._background(self._sync_content())
                if kind == protocol.WELCOME:
                    self.kick_outbox()
                if kind == protocol.DEVICE_REVOKED:
                    raise Unpaired("device.revoked")
        finally:
            beats.cancel()

    async def _heartbeats(self, ws: Any) -> None:
        try:
            while True:
                await asyncio.sleep(self.heartbeat_seconds)
                await ws.send(protocol.encode(protocol.heartbeat(version=__version__, screen=self.screen,
                                                                     clock=time.time())))
        except ConnectionClosed:
            return  # the receive loop sees the close and reconnects

    def _note_clock(self, info: dict[str, Any], asked: float, answered: float) -> None:
        try:
            server = dt.datetime.fromisoformat(str(info["server_time"])).timestamp()
        except (KeyError, ValueError):
            return
        self.clock_offset_s = round(server - (asked + answered) / 2, 3)

    async def _refresh_pins(self) -> None:
        """Fetch the PIN hashes this terminal may keep for signing in while the server is down."""
        try:
            payload = await self._device_call("GET", "/api/device/offline/pins")
        except (HttpError, Unreachable, Unpaired) as exc:
            log.info("PIN cache not refreshed: %s", exc)
            return
        if self.pins is not None:
            await asyncio.to_thread(self.pins.save, payload)

    async def _device_call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request as this device (Bearer token); no retries: a member is waiting for the answer."""
        token = self.store.token
        if not token:
            raise Unpaired("no device token")
        return await self._http(method, path, token=token, **kwargs)

    async def _upload_preview(self, make_png: Callable[[], bytes]) -> bool:
        token = self.store.token
        if not token:
            return False
        png = await asyncio.to_thread(make_png)
        try:
            await self._http("POST", "/api/device/preview", token=token, data=png, content_type="image/png")
        except (HttpError, Unreachable) as exc:
            log.info("preview not sent: %s", exc)
            return False
        return True
