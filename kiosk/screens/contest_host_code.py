"""主持竞赛, step one: the host types the contest's six-digit terminal host code (from the admin's
contest page) on the big digit keypad. Binds to ``app.host`` (kiosk.host.HostDesk)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class ContestHostCodeScreen(Screen):
    pass
