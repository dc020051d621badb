"""The terminal's sign-in, step three: a big keypad for the PIN (digits only, shown as dots), with
清除, 退格 and a large 确认. Binds to ``app.desk``; each key (``kiosk.widgets.PinKey``) is one call to it."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class SignInPinScreen(Screen):
    pass
