"""The wall's sign-in screen, shown by itself while a meeting's sign-in is open in the room: the title,
a large rotating QR, signed in / expected as big numbers, the rate, and the names as they arrive
(newest first, marked 迟到 / 列席). It binds to ``app.board`` (kiosk.board.SignInBoard)."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.app import App
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.screenmanager import Screen


class NameChip(RecycleDataViewBehavior, BoxLayout):
    name = StringProperty("")
    branch = StringProperty("")
    time = StringProperty("")
    mark = StringProperty("")
    newest = BooleanProperty(False)


class SignInWallScreen(Screen):
    name_columns = NumericProperty(3)
    chip_height = NumericProperty(dp(116))
    visible_names = ListProperty([])  # only whole rows: a half-cut name on a wall looks broken

    def on_kv_post(self, _base_widget: object) -> None:
        board = App.get_running_app().board
        board.bind(arrivals=self._welcome, names=self._fit_names)
        self.ids.names.bind(height=self._fit_names)
        self._fit_names()

    def _fit_names(self, *_args: object) -> None:
        rows = max(1, int(self.ids.names.height // self.chip_height))
        self.visible_names = App.get_running_app().board.names[: rows * self.name_columns]

    def _welcome(self, *_args: object) -> None:
        label = self.ids.welcome
        Animation.cancel_all(label)
        label.opacity = 0
        Animation(opacity=1, duration=0.35, t="out_quad").start(label)
