"""学习计划: the required items (必学) of the logged-in member's study plans, unfinished first; a tap
opens the item in the reader."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class PlansScreen(Screen):
    pass
