"""紧急通知 on the wall: full screen, over everything, until an admin withdraws it."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class WallEmergencyScreen(Screen):
    pass
