"""The terminal's sign-in, step three: a big keypad for the PIN (digits only, shown as dots), with
清除, 退格 and a large 确认. Binds to ``app.desk``; each key is one call to it."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk import signin as si


class PinKey(ButtonBehavior, Label):
    key = StringProperty("")
    digit = BooleanProperty(False)

    def on_key(self, _instance: object, key: str) -> None:
        self.text, self.digit = si.key_label(key), key.isdigit()

    def on_release(self) -> None:
        App.get_running_app().desk.press(self.key)


class SignInPinScreen(Screen):
    pass
