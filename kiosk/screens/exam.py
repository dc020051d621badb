"""Taking a formal test at a terminal: one question on big keys, 上一题 / 下一题, the server's time left,
交卷; the score once handed in or closed by the server. Binds to ``app.exams``."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class ExamScreen(Screen):
    pass
