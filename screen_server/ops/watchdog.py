"""The systemd watchdog: ``READY=1`` once the server serves, then ``WATCHDOG=1`` only while it is well.

systemd (``Type=notify``, ``WatchdogSec=``) gives the server a datagram socket in ``$NOTIFY_SOCKET`` and
the deadline in ``$WATCHDOG_USEC``; a server that stops pinging is killed and restarted. We ping a third
of the deadline apart, and only after every liveness check passed: HTTP answers ``/healthz`` (waitress
threads and the database), the WebSocket loop runs a task, and neither single-writer thread (sign-ins,
contest answers) died or sat in one batch longer than ``stall_seconds``. A hung part therefore stops the
pings, which is the point: a process that merely exists is not a room that works.

The protocol is one datagram per message (``sd_notify(3)``); a leading ``@`` names an abstract socket.
Nothing happens without ``$NOTIFY_SOCKET`` (tests, ``make demo``, a terminal).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import urllib.request
from collections.abc import Callable, Mapping, Sequence

log = logging.getLogger(__name__)

Check = Callable[[], str | None]  # None when well, else what is wrong (for the log and systemd's STATUS)
STALL_SECONDS = 60.0


def notify(message: str, socket_path: str | None = None) -> bool:
    """Send one sd_notify message; return whether it was sent (False without a notify socket)."""
    path = socket_path if socket_path is not None else os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError:
        log.warning("could not notify systemd at %s", path, exc_info=True)
        return False
    return True


class Watchdog:
    """A thread that pings systemd every ``interval`` seconds while all ``checks`` pass."""

    def __init__(self, checks: Sequence[Check], *, socket_path: str, interval: float | None) -> None:
        self.checks = list(checks)
        self.socket_path = socket_path
        self.interval = interval  # None: systemd wants READY/STOPPING only, no pings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], checks: Sequence[Check]) -> Watchdog | None:
        """The watchdog systemd asked for in ``env``, or None when not run by systemd with notify."""
        path = env.get("NOTIFY_SOCKET", "")
        if not path:
            return None
        interval = None
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        if usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            interval = int(usec) / 1_000_000 / 3
        return cls(checks, socket_path=path, interval=interval)

    def start(self) -> Watchdog:
        notify("READY=1\nSTATUS=正在服务", self.socket_path)
        if self.interval is not None:
            self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        notify("STOPPING=1", self.socket_path)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def failures(self) -> list[str]:
        found = []
        for check in self.checks:
            try:
                problem = check()
            except Exception as exc:  # a check that raises is a failed check
                problem = f"{getattr(check, '__name__', 'check')}: {type(exc).__name__}: {exc}"
            if problem:
                found.append(problem)
        return found

    def _run(self) -> None:
        assert self.interval is not None
        while not self._stop.wait(self.interval):
            problems = self.failures()
            if self._stop.is_set():
                return
            if problems:
                log.error("watchdog: not pinging systemd: %s", "; ".join(problems))
                notify(f"STATUS=异常：{'；'.join(problems)}", self.socket_path)
            else:
                notify("WATCHDOG=1", self.socket_path)


def http_check(url: str, timeout: float = 10.0) -> Check:
    """A check that ``url`` answers 200 within ``timeout`` seconds."""

    def http() -> str | None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as answer:
                return None if answer.status == 200 else f"HTTP {answer.status} from {url}"
        except OSError as exc:
            return f"HTTP not answering ({type(exc).__name__})"

    return http
