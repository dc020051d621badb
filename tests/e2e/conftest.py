"""End-to-end fixtures: the kiosk's own (one Kivy window per process, apps driven frame by frame) and
the demo organisation on a live server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from screen_server.runner import RoomServer
from tests.kiosk.conftest import kiosk, kivy_window

__all__ = ["demo_server", "kiosk", "kivy_window"]


@pytest.fixture
def demo_server(demo_db: None, live_server: Callable[..., RoomServer]) -> RoomServer:
    """The demo organisation on a live server that approves kiosks into the demo room by itself."""
    return live_server(auto_approve_room="demo")
