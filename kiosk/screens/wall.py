"""The wall (big screen) home: a big clock, the date, the room's name and rotating announcements.

While a meeting's sign-in is open in the room the app shows ``signin_wall`` instead, full size."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class WallScreen(Screen):
    pass
