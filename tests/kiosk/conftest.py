"""Kiosk UI fixtures: one Kivy window per test process (per xdist worker), apps started and stopped
inside it, frames advanced by hand, taps simulated, screenshots saved under test-artifacts/kiosk/.

Run under a display: ``xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/pytest tests/kiosk``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.options import Options
from tests.helpers.fake_room import WAIT, wait_until


@pytest.fixture(scope="session")
def kivy_window(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Kivy's window, created once per process with a clean configuration and no input providers."""
    os.environ.update(
        KIVY_USE_DEFAULTCONFIG="1",
        KIVY_NO_FILELOG="1",
        KIVY_NO_ARGS="1",
        KIVY_LOG_MODE="PYTHON",
        KIVY_HOME=str(tmp_path_factory.mktemp("kivy-home")),
        KIVY_IMAGE="sdl2,pil",
        SDL_AUDIODRIVER="dummy",
    )
    from kiosk.cli import kivy_config

    kivy_config(Options(size=(1920, 1080)), testing=True)
    from kivy.core.window import Window

    return Window


class KioskDriver:
    """A running KioskApp and the means to drive it from a test."""

    def __init__(self, app: Any, shots: Path) -> None:
        from kivy.base import EventLoop

        self.app = app
        self.loop = EventLoop
        self.shots = shots

    def frames(self, n: int = 3) -> None:
        for _ in range(n):
            self.loop.idle()

    def until(self, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:
        """Advance frames until ``predicate()`` is truthy (bounded)."""
        return wait_until(lambda: (self.loop.idle(), predicate())[1], timeout)

    def receive(self, *messages: dict[str, Any]) -> None:
        for message in messages:
            self.app.receive(message)
        self.frames()

    def tap(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        self.frames(2)  # a screen shown a moment ago may not be laid out yet: tap where it really is
        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def screen(self) -> Any:
        return self.app.sm.current_screen

    def find(self, root: Any, cls_name: str, **attrs: Any) -> Any:
        """The first widget under ``root`` of class ``cls_name`` whose attributes match."""
        roots = root.children if not hasattr(root, "walk") else [root]  # the Window has no walk()
        for widget in (w for r in roots for w in r.walk(restrict=True)):
            if type(widget).__name__ == cls_name and all(
                getattr(widget, k, None) == v for k, v in attrs.items()
            ):
                return widget
        raise AssertionError(f"no {cls_name} {attrs} under {root}")

    def screenshot(self, name: str) -> Path:
        self.frames(2)
        path = self.shots / f"{name}.png"
        self.app.save_screenshot(path)
        return path


@pytest.fixture
def kiosk(kivy_window: Any, tmp_path: Path, artifacts_dir: Path) -> Iterator[Callable[..., KioskDriver]]:
    """Start a kiosk app: ``kiosk(mode="wall", size=(1080, 1920), server=url, offline=False)``."""
    from kivy.base import runTouchApp

    from kiosk.app import KioskApp

    started: list[Any] = []
    shots = artifacts_dir / "kiosk"
    shots.mkdir(exist_ok=True)

    def _start(*, size: tuple[int, int] = (1920, 1080), offline: bool = True, **fields: Any) -> KioskDriver:
        fields.setdefault("state_dir", tmp_path / "state")
        kivy_window.size = size
        # KV's `app` is a proxy that caches the first app it sees and forgets it when that app stops; a
        # binding evaluated during a stop (a screen cleared in on_stop) caches the dying app again. Many
        # apps run in one test process: start each with the proxy empty.
        from kivy.lang.builder import global_idmap

        object.__setattr__(global_idmap["app"], "_obj", None)
        app = KioskApp(Options(offline=offline, size=size, **fields), instant_transitions=True)
        started.append(app)
        app._run_prepare()
        runTouchApp(embedded=True)
        driver = KioskDriver(app, shots)
        driver.frames(3)
        return driver

    yield _start
    for app in started:
        app.stop()
    for child in list(kivy_window.children):
        kivy_window.remove_widget(child)
