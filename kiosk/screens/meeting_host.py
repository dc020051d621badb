"""主持会议: the meeting's title, its sign-in and what the wall shows, the attendance with quorum, and big
buttons (close or reopen sign-in, the agenda, the attendance, a video, a ballot and its results, back to
the loop). Binds to ``app.meeting`` (kiosk.meetingdesk.MeetingDesk); a tap is one call."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.screenmanager import Screen

from kiosk.widgets import BigButton


class MeetingStepButton(BigButton):
    index = NumericProperty(0)
    current = BooleanProperty(False)
    danger = BooleanProperty(False)


class MeetingHostScreen(Screen):
    pass
