"""Bringing a network answer back to the UI thread: ``when_done(future, handler)`` calls
``handler(answer, None)``, ``handler(None, HttpError)`` when the server refused (its message is for the
member), or ``handler(None, None)`` when it could not be reached — always on Kivy's thread, by Clock."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from kivy.clock import Clock

from kiosk.httpclient import HttpError

log = logging.getLogger(__name__)
Handler = Callable[[Any, HttpError | None], None]


def when_done(future: concurrent.futures.Future[Any] | None, handler: Handler) -> None:
    if future is None:  # no link (offline) or stopping
        handler(None, None)
        return
    future.add_done_callback(lambda f: Clock.schedule_once(partial(_deliver, f, handler), 0))


def _deliver(future: concurrent.futures.Future[Any], handler: Handler, _dt: float) -> None:
    try:
        answer = future.result()
    except HttpError as exc:
        handler(None, exc)
    except Exception as exc:  # unreachable, unpaired, cancelled: all "cannot reach the server" to a member
        log.info("request failed: %s", exc)
        handler(None, None)
    else:
        handler(answer, None)
