"""我的档案 at the terminal: the member's own fields, meetings, study and assessment, and their
correction requests (asked for on the phone, where typing is possible)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class MyRecordScreen(Screen):
    pass
