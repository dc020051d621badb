"""Debian's Chromium driven by Playwright (never a downloaded browser): one per test process.

Launching Chromium costs a second or two; each xdist worker launches it once, on first use, and each
``with chromium() as browser:`` block gets a fresh view of it: the contexts (cookies, storage) and pages
it opens are closed when the block ends, so tests share nothing but the process. ``close_shared`` (the
root conftest calls it when the session ends) shuts it down.

Playwright's sync API runs its asyncio loop in a suspended greenlet and leaves that loop marked as this
thread's running loop, which would make every later ``asyncio.run()`` in the test process fail. The
loop is therefore marked running only inside a ``chromium()`` block, as it was when each block started
its own Playwright.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 13; Phone) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0"}


class _Shared:
    playwright: Playwright | None = None
    browser: Browser | None = None
    loop: asyncio.AbstractEventLoop | None = None


class FreshContexts:
    """The process's browser as one test sees it: what it opens through this is closed at the end."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._contexts: list[BrowserContext] = []

    def new_context(self, **options: Any) -> BrowserContext:
        context = self._browser.new_context(**options)
        self._contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Page:
        return self.new_context(**options).new_page()

    def close(self) -> None:
        for context in reversed(self._contexts):
            with contextlib.suppress(Exception):  # a context the test closed itself, or a crashed page
                context.close()
        self._contexts.clear()


def _launch() -> Browser:
    if _Shared.browser is None or not _Shared.browser.is_connected():
        if _Shared.playwright is None:
            _Shared.playwright = sync_playwright().start()
            _Shared.loop = asyncio._get_running_loop()
        _Shared.browser = _Shared.playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    return _Shared.browser


@contextmanager
def chromium() -> Iterator[FreshContexts]:
    """This process's Chromium, with every context opened in the block closed after it.

    Playwright's sync objects belong to the thread that made them: the shared browser lives on the main
    thread, and a block on another thread (a kiosk test driving its app) launches one of its own."""
    if threading.current_thread() is not threading.main_thread():
        with sync_playwright() as p:
            own = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                yield FreshContexts(own)
            finally:
                own.close()
        return
    if _Shared.loop is not None:
        asyncio._set_running_loop(_Shared.loop)
    view = FreshContexts(_launch())
    try:
        yield view
    finally:
        view.close()
        asyncio._set_running_loop(None)


def close_shared() -> None:
    """Shut this process's Chromium and Playwright down (at the end of the test session)."""
    if _Shared.playwright is None:
        return
    asyncio._set_running_loop(_Shared.loop)
    try:
        if _Shared.browser is not None:
            _Shared.browser.close()
        _Shared.playwright.stop()
    finally:
        asyncio._set_running_loop(None)
        _Shared.playwright = _Shared.browser = _Shared.loop = None
