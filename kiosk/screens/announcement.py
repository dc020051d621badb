"""One announcement, full screen: title, level and dates, and the whole text in large type."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class AnnouncementScreen(Screen):
    pass
