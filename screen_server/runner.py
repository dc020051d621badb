"""Running the server: HTTP (waitress, a production WSGI server), the WebSocket push server and the
timed jobs in one process, until SIGTERM or SIGINT; under systemd with ``Type=notify`` it also tells
systemd when it is ready and pings its watchdog while every part answers (``ops/watchdog.py``).

``RoomServer`` is also what tests and benchmarks start on free ports (port 0).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

from waitress.server import create_server

from screen_server.app import create_app
from screen_server.config import Settings
from screen_server.contests.clock import ContestClock
from screen_server.jobs import default_jobs
from screen_server.ops.watchdog import STALL_SECONDS, Check, Watchdog, http_check
from screen_server.push.server import PushServer
from screen_server.runtime import Runtime, build_runtime
from screen_server.stats.publisher import StatsPublisher
from screen_server.workers import Worker

log = logging.getLogger(__name__)


class RoomServer:
    """One server process's moving parts, started and stopped together."""

    def __init__(self, settings: Settings, *, runtime: Runtime | None = None, jobs: bool = True) -> None:
        self.settings = settings
        self.runtime = runtime or build_runtime(settings)
        self.runtime.bus.start()
        self.push = PushServer(
            settings, self.runtime.session_factory, self.runtime.bus, self.runtime.snapshots, self.runtime.ws_tickets
        )
        self.runtime.push = self.push
        self.app = create_app(self.runtime)
        rt = self.runtime
        self.jobs = (default_jobs(settings, rt.session_factory, leases=rt.leases, shared=rt.shared, owner=rt.owner)
                     if jobs and settings.run_jobs else None)
        self.stats = (StatsPublisher(settings, rt.session_factory, rt.bus, leases=rt.leases, owner=rt.owner)
                      if self.jobs else None)
        self.contest_clock = ContestClock(rt.contests)
        self._http = create_server(
            self.app,
            host=settings.host,
            port=settings.port,
            threads=settings.http_threads,
            ident="activity-room",
            connection_limit=1000,
            channel_timeout=60,
            # X-Forwarded-For/-Proto are read by http.common.client_ip / is_https, believed only from
            # the addresses in ``trusted_proxies`` (waitress trusts at most one proxy address).
            clear_untrusted_proxy_headers=False,
            # poll() reports a socket closed by stop() from another thread; select() raises EBADF.
            asyncore_use_poll=True,
        )
        self.http_port: int = self._http.effective_port  # type: ignore[union-attr]
        self._http_thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self.setup_link: str | None = None  # the one-time setup link this start printed, if any
        self.watchdog: Watchdog | None = None
        self.stall_seconds = STALL_SECONDS  # a writer inside one batch longer than this counts as hung

    @property
    def http_url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "") else self.settings.host
        return f"http://{host}:{self.http_port}"

    @property
    def ws_url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "") else self.settings.host
        return f"ws://{host}:{self.runtime.ws_port}/ws"

    def _workers(self) -> list[Worker]:
        """The background loops this process runs (each under its leases when there are several processes)."""
        return [w for w in (self.jobs, self.stats, self.contest_clock) if w is not None]

    def start(self) -> RoomServer:
        self.push.start()
        self.runtime.ws_port = self.push.port
        for worker in self._workers():
            worker.start()
        self._http_thread = threading.Thread(target=self._http.run, name="http", daemon=True)
        self._http_thread.start()
        log.info("serving HTTP on %s and WebSocket on %s", self.http_url, self.ws_url)
        self.setup_link = self._announce_setup_link()
        self.watchdog = Watchdog.from_env(os.environ, self.liveness_checks())
        if self.watchdog is not None:
            self.watchdog.start()
        return self

    def _announce_setup_link(self) -> str | None:
        """On an installation without users, issue the one-time setup link and show it on the console
        and in the log (once per start; the database keeps only its digest)."""
        from screen_server.setup.services import LINK_HOURS, SETUP_PATH, issue_setup_token

        with self.runtime.session_factory() as session:
            token = issue_setup_token(session)
            session.commit()
        if token is None:
            return None
        link = f"{(self.settings.public_url or self.http_url).rstrip('/')}{SETUP_PATH}{token}"
        log.warning("no users yet: open the one-time setup link to create the first admin: %s", link)
        print(f"\n首次启动：请在 {LINK_HOURS} 小时内用浏览器打开下面的一次性设置链接，创建系统管理员并填写党委名称：\n"
              f"  {link}\n（在其他电脑上打开时，把地址中的 127.0.0.1 换成本机的 IP 地址。）\n", flush=True)
        return link

    def liveness_checks(self) -> list[Check]:
        """What must answer for systemd's watchdog to be pinged: HTTP, the push loop, both writers."""
        rt = self.runtime

        def websocket() -> str | None:
            return None if self.push.is_answering() else "WebSocket loop not answering"

        def writers() -> str | None:
            if rt.signin_writer.is_stalled(self.stall_seconds):
                return "sign-in writer stalled"
            if rt.contests.is_stalled(self.stall_seconds):
                return "contest answer writer stalled"
            return None

        return [http_check(f"{self.http_url}/healthz"), websocket, writers]

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.watchdog is not None:
            self.watchdog.stop()
        for worker in self._workers():
            worker.stop()
        self._http.close()
        self._http.task_dispatcher.shutdown(timeout=5)  # type: ignore[union-attr]
        self.runtime.close()

    def serve_forever(self) -> int:
        """Serve until SIGTERM or SIGINT; return the exit code (0)."""
        # The sign-in writer is this process's one serial path, and it gives up the GIL around every
        # database call; with the default 5 ms switch interval it often waits that long to get it back
        # from busy HTTP threads. 1 ms hands it back sooner (about +10% sign-ins/s at 64 phones).
        sys.setswitchinterval(0.001)
        done = threading.Event()

        def _on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received signal %s; stopping", signum)
            done.set()

        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
        self.start()
        done.wait()
        self.stop()
        return 0
