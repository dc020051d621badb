"""我的学习: the logged-in member's minutes, points and what they studied last (tap to continue)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class MyStudyScreen(Screen):
    pass
