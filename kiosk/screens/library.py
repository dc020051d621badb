"""学习园地: shelves (newest, for you, each category) on the left, items on the right, the member's line
and their buttons on top. Binds to ``app.study`` (kiosk.study.StudyDesk)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class LibraryScreen(Screen):
    pass
