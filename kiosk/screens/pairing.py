"""The pairing screen: a device without a token shows its six-digit code until an admin approves it."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class PairingScreen(Screen):
    pass
