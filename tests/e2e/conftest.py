"""End-to-end fixtures: the kiosk's own (one Kivy window per process, apps driven frame by frame)."""

from __future__ import annotations

from tests.kiosk.conftest import kiosk, kivy_window

__all__ = ["kiosk", "kivy_window"]
