"""拼音搜索: a big letter keypad (no Chinese input method at a terminal); results update at each tap."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class SearchScreen(Screen):
    pass
