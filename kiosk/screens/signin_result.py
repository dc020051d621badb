"""The terminal's sign-in, the end: a big confirmation (name, meeting, time) or the server's reason for
refusing, with 重试 when it failed. A confirmation returns home by itself after a few seconds."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class SignInResultScreen(Screen):
    pass
