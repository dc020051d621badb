"""The terminal's home screen: the room, the date and time, the entry tiles and the latest announcement."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class HomeScreen(Screen):
    pass
