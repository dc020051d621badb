"""Child processes for the benchmarks: start them in their own process group, talk to them line by line
with bounded waits, measure their memory, and always kill the whole group at the end.

Nothing here knows about any particular benchmark.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1
# Settings that would point a child server at another database or bus than the benchmark's own.
_SERVER_ENV = ("DATABASE_URL", "REDIS_URL")
_SERVER_ENV_PREFIX = "ACTIVITY_ROOM_"


class BenchError(RuntimeError):
    """A benchmark could not be measured (a child failed, a wait ran out)."""


def raise_fd_limit(want: int = 65536) -> int:
    """Raise this process's open-file limit towards ``want`` (children inherit it); return the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child server: ours, minus anything that would change its database or bus."""
    env = {
        k: v for k, v in os.environ.items() if k not in _SERVER_ENV and not k.startswith(_SERVER_ENV_PREFIX)
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def activity_room_cmd() -> list[str]:
    """How to run the ``activity-room`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "activity-room"
    if script.exists():
        return [str(script)]
    found = shutil.which("activity-room")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from screen_server.cli import main; sys.exit(main())"]


def _die_with_parent() -> None:
    """In the forked child: ask Linux to SIGTERM it if the benchmark process dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One child process (and its process group) with its stdout read line by line in a thread."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
        stdin: bool = False,
        lines: bool = False,
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE if lines else self._log,
            stderr=self._log,
            env=env if env is not None else clean_env(),
            start_new_session=True,  # its own process group, killed as one
            preexec_fn=_die_with_parent,
        )
        if lines:
            threading.Thread(target=self._read, name=f"{name}-stdout", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        for raw in out:
            self._lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self._lines.put(None)

    def send(self, line: str) -> None:
        stdin: IO[bytes] | None = self.proc.stdin
        if stdin is None:
            raise BenchError(f"{self.name}: no stdin")
        try:
            stdin.write((line + "\n").encode())
            stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise BenchError(f"{self.name} has gone: {exc}\n{self.log_tail()}") from exc

    def expect(self, prefix: str, timeout: float) -> list[str]:
        """Return the words of the next stdout line starting with ``prefix`` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"{self.name}: no {prefix!r} within {timeout:.0f} s\n{self.log_tail()}")
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise BenchError(
                    f"{self.name} exited ({self.proc.poll()}) before {prefix!r}\n{self.log_tail()}"
                )
            if line.startswith(prefix):
                return line.split()[1:]

    def log_tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            self._log.flush()
            return self.log_path.read_text("utf-8", "replace")[-chars:]
        return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kib(self, *, include_children: bool = True) -> int:
        """Resident memory of the process (and its descendants) in KiB."""
        pids = [self.pid] + (descendants(self.pid) if include_children else [])
        return sum(rss_kib(p) for p in pids)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the group, then SIGKILL whatever is left after ``timeout`` seconds."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers in the group, even if the leader exited
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._log.close()


@contextlib.contextmanager
def children() -> Iterator[list[Child]]:
    """A list to put children in; all of them are stopped on the way out, whatever happened."""
    started: list[Child] = []
    try:
        yield started
    finally:
        for child in reversed(started):
            child.stop()


def wait_http(url: str, child: Child, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers 200, failing early if ``child`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise BenchError(f"{child.name} exited ({child.proc.returncode})\n{child.log_tail()}")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=2) as resp,
        ):
            if resp.status == 200:
                return
        time.sleep(0.1)
    raise BenchError(f"{child.name}: {url} did not answer within {timeout:.0f} s\n{child.log_tail()}")


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise BenchError(f"{what}: not within {timeout:.0f} s")


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc, so Linux only)."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parent_of[int(entry.name)] = ppid
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [p for p, pp in parent_of.items() if pp == current]
        found.extend(kids)
        frontier.extend(kids)
    return found
