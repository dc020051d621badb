"""Blocking HTTP for the kiosk (urllib; the network thread runs it in ``asyncio.to_thread``), the errors
it raises, and the reconnect backoff. No Kivy; the UI never calls these directly (it goes through
``kiosk.net.ServerLink``).
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from kiosk import __version__


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with jitter: base, base*factor, ... up to cap, each cut by up to
    ``jitter`` (a fraction) at random so that a room full of kiosks does not reconnect in step."""

    base: float = 1.0
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5

    def delays(self) -> Generator[float, None, None]:
        delay = self.base
        while True:
            yield delay * (1.0 - self.jitter * random.random())
            delay = min(self.cap, delay * self.factor)


class HttpError(Exception):
    """The server answered with an error status; ``message`` is its (Chinese) explanation."""

    def __init__(self, status: int, code: str = "", message: str = "") -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Unreachable(Exception):
    """No answer from the server (refused, timed out, reset)."""


class Unpaired(Exception):
    """The server no longer accepts this device's token."""


def http_request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: Any = None,
    data: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
) -> Any:
    """Make one blocking HTTP request and return its JSON answer (None when empty).

    Raises:
        HttpError: the server answered 4xx/5xx.
        Unreachable: the server did not answer.
    """
    headers = {"Accept": "application/json", "User-Agent": f"activity-room-kiosk/{__version__}", **(headers or {})}
    if body is not None:
        data, content_type = json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json"
    if content_type:
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read() or b"{}").get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        finally:
            exc.close()
        raise HttpError(exc.code, str(error.get("code") or ""), str(error.get("message") or "")) from None
    except (OSError, ValueError) as exc:  # URLError, timeouts and resets are OSErrors
        raise Unreachable(str(getattr(exc, "reason", exc))) from None
    return json.loads(raw) if raw.strip() else None


def http_chunks(url: str, *, timeout: float = 30.0, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """Yield the body of a GET in chunks (media files are never held whole in memory).

    Raises HttpError or Unreachable like ``http_request``, before the first chunk or while reading.
    """
    headers = {"User-Agent": f"activity-room-kiosk/{__version__}"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            while block := response.read(chunk):
                yield block
    except urllib.error.HTTPError as exc:
        exc.close()
        raise HttpError(exc.code) from None
    except (OSError, ValueError) as exc:
        raise Unreachable(str(getattr(exc, "reason", exc))) from None
