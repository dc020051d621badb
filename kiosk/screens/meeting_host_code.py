"""主持会议, step one: the host types the meeting's six-digit terminal host code (from the admin's
meeting console) on the big digit keypad. Binds to ``app.meeting`` (kiosk.meetingdesk.MeetingDesk)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class MeetingHostCodeScreen(Screen):
    pass
