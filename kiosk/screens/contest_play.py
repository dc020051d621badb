"""Playing the live contest at a terminal: the question, big answer keys, the server's countdown, and
right or wrong when the question closes. Binds to ``app.arena``."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class ContestPlayScreen(Screen):
    pass
