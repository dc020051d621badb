"""登录学习: scan the terminal's QR with a remembered phone, or type member number then PIN on big keys.

Member numbers mix letters and digits (D0001), so the first step's keypad has both; the PIN step has
digits only. Binds to ``app.study``."""

from __future__ import annotations

import string
from typing import Any

from kivy.app import App
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk import studying as sv
from kiosk.i18n import _

NUMBER_KEYS = tuple(string.digits[1:] + "0" + string.ascii_uppercase)
PIN_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")


class StudyLoginScreen(Screen):
    qr_texture = ObjectProperty(None, allownone=True)

    def on_kv_post(self, _base: Any) -> None:
        desk = App.get_running_app().study
        desk.bind(login_step=self._keys, login_url=self._qr)
        self._keys(desk, desk.login_step)
        self._qr(desk, desk.login_url)

    def _qr(self, _desk: Any, url: str) -> None:
        from kiosk.qr import qr_texture

        self.qr_texture = qr_texture(url) if url else None

    def _keys(self, _desk: Any, step: str) -> None:
        from kiosk.widgets import KeyButton

        grid = self.ids.keypad
        grid.clear_widgets()
        keys = NUMBER_KEYS if step == "number" else PIN_KEYS
        grid.cols = 9 if step == "number" else 5
        for key in keys:
            grid.add_widget(KeyButton(key=key, text=key, target="press_login"))
        grid.add_widget(KeyButton(key=sv.BACKSPACE, text=_("退格"), target="press_login", strong=True))
        grid.add_widget(KeyButton(key=sv.CLEAR, text=_("清除"), target="press_login", strong=True))
