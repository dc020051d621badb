"""The announcements list: every current announcement, newest first; a tap opens one full screen."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class AnnouncementsScreen(Screen):
    pass
