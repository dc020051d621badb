"""The attract (idle) screen: after nobody has touched a terminal for a while it shows this; a touch
anywhere goes back to the home screen."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.app import App
from kivy.uix.screenmanager import Screen


class AttractScreen(Screen):
    def on_enter(self, *_args: object) -> None:
        hint = self.ids.hint
        self._pulse = Animation(opacity=0.35, duration=1.2) + Animation(opacity=1, duration=1.2)
        self._pulse.repeat = True
        self._pulse.start(hint)

    def on_leave(self, *_args: object) -> None:
        Animation.cancel_all(self.ids.hint)
        self.ids.hint.opacity = 1

    def on_touch_down(self, touch: object) -> bool:
        App.get_running_app().wake()
        return True
