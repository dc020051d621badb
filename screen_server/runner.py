"""Running the server: HTTP (waitress, a production WSGI server), the WebSocket push server and the
timed jobs in one process, until SIGTERM or SIGINT.

``RoomServer`` is also what tests and benchmarks start on free ports (port 0).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from waitress.server import create_server

from screen_server.app import create_app
from screen_server.config import Settings
from screen_server.jobs import default_jobs
from screen_server.push.server import PushServer
from screen_server.runtime import Runtime, build_runtime
from screen_server.stats.publisher import StatsPublisher

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
        self.jobs = default_jobs(settings, self.runtime.session_factory) if jobs and settings.run_jobs else None
        self.stats = (StatsPublisher(settings, self.runtime.session_factory, self.runtime.bus)
                      if self.jobs else None)
        self._http = create_server(
            self.app,
            host=settings.host,
            port=settings.port,
            threads=settings.http_threads,
            ident="activity-room",
            connection_limit=1000,
            channel_timeout=60,
            clear_untrusted_proxy_headers=True,
            # The shipped nginx on this machine: its X-Forwarded-For and -Proto name the real client and
            # the scheme (client addresses in the audit log and rate limits, HSTS under TLS). From any
            # other peer the headers are dropped, so nobody can forge them.
            trusted_proxy="127.0.0.1",
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
            # poll() reports a socket closed by stop() from another thread; select() raises EBADF.
            asyncore_use_poll=True,
        )
        self.http_port: int = self._http.effective_port  # type: ignore[union-attr]
        self._http_thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def http_url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "") else self.settings.host
        return f"http://{host}:{self.http_port}"

    @property
    def ws_url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "") else self.settings.host
        return f"ws://{host}:{self.runtime.ws_port}/ws"

    def start(self) -> RoomServer:
        self.push.start()
        self.runtime.ws_port = self.push.port
        if self.jobs:
            self.jobs.start()
        if self.stats:
            self.stats.start()
        self._http_thread = threading.Thread(target=self._http.run, name="http", daemon=True)
        self._http_thread.start()
        log.info("serving HTTP on %s and WebSocket on %s", self.http_url, self.ws_url)
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.jobs:
            self.jobs.stop()
        if self.stats:
            self.stats.stop()
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
