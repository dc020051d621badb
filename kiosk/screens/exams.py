"""测评 at a terminal: the tests open to the member logged in, one big row each. Binds to ``app.exams``."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen


class ExamRow(ButtonBehavior, BoxLayout):
    exam_id = NumericProperty(0)
    text = StringProperty("")
    note = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().exams.start(int(self.exam_id))


class ExamsScreen(Screen):
    pass
