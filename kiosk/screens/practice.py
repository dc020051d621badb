"""Practice at a terminal (每日答题, 答题闯关, 挑战连对): one question at a time on big keys, right or
wrong with the explanation at once, then the next; a summary with the points at the end.
Binds to ``app.arena``."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class PracticeScreen(Screen):
    pass
