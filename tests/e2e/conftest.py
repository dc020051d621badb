"""End-to-end fixtures: the kiosk's own (one Kivy window per process, apps driven frame by frame) and
the demo organisation on a live server."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from screen_server.config import Settings
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from tests.kiosk.conftest import kiosk, kivy_window

__all__ = ["demo_server", "kiosk", "kivy_window"]


@pytest.fixture
def demo_server(demo_db: None, settings: Settings) -> Any:
    """The demo organisation on a live server that approves kiosks into the demo room by itself."""
    settings = dataclasses.replace(settings, auto_approve_room="demo")
    server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    try:
        yield server
    finally:
        server.stop()
