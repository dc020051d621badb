"""A wall's WebSocket, standing in for the Kivy wall in multi-process tests: it says hello with the
wall's device token and records every message it receives, in a thread, until closed."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from screen_server import protocol


class WallListener:
    def __init__(self, url: str, token: str) -> None:
        self.messages: list[dict[str, Any]] = []
        self.closed = threading.Event()
        self._cond = threading.Condition()
        self._stack = ExitStack()
        self._ws = self._stack.enter_context(connect(url, compression=None, open_timeout=10, max_size=2**22))
        self._ws.send(protocol.encode(protocol.hello(device_token=token, version="test-wall")))
        self.welcome = json.loads(self._ws.recv(timeout=10))
        self.snapshot = json.loads(self._ws.recv(timeout=10))
        self._thread = threading.Thread(target=self._run, name="test-wall", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for raw in self._ws:
                with self._cond:
                    self.messages.append(json.loads(raw))
                    self._cond.notify_all()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            with self._cond:
                self._cond.notify_all()

    def contest_states(self, status: str | None = None, index: int | None = None) -> list[dict[str, Any]]:
        with self._cond:
            states = [m["contest"] for m in self.messages if m["type"] == protocol.CONTEST_STATE and m.get("contest")]
        return [c for c in states if (status is None or c["status"] == status)
                and (index is None or c["index"] == index)]

    def wait_contest(self, status: str, index: int | None = None, timeout: float = 15.0) -> dict[str, Any]:
        """The first contest.state with ``status`` (and ``index``); fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.contest_states(status, index)
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0 or self.closed.is_set():
                    raise AssertionError(f"the wall got no contest.state {status} {index} (closed={self.closed.is_set()})")
                self._cond.wait(left)

    def close(self) -> None:
        self._stack.close()
        self._thread.join(timeout=5)
