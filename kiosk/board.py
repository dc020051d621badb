"""The wall's sign-in board: the properties the sign-in screen (screens/signin_wall.kv) binds to, filled
from the view state's ``signin`` part by ``show``. Runs on the UI thread only.

The QR's address is the server's ``qr.url`` when it has a public address, else the kiosk's own
``--server`` base URL followed by ``qr.path`` (the address phones in the room can reach it at).
"""

from __future__ import annotations

from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk import present
from kiosk.i18n import _

MAX_NAMES = 15  # three columns of five rows: what fits beside the QR at 1920×1080


class SignInBoard(EventDispatcher):
    active = BooleanProperty(False)
    title = StringProperty("")
    meeting_line = StringProperty("")
    signed = StringProperty("0")
    expected = StringProperty("0")
    rate = StringProperty("")
    extra = StringProperty("")
    names = ListProperty([])
    qr_text = StringProperty("")
    qr_texture = ObjectProperty(None, allownone=True)
    qr_hint = StringProperty("")
    welcome = StringProperty("")
    arrivals = NumericProperty(0)  # goes up by one per new name: the screen animates the welcome line

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._meeting_id: int | None = None
        self._newest: tuple[Any, ...] | None = None

    def show(self, signin: dict[str, Any] | None, server: str) -> None:
        """Show ``signin`` (the state's open meeting), or nothing when it is None."""
        self.active = bool(signin)
        if not signin:
            self._meeting_id = self._newest = None
            self.welcome = ""
            return
        meeting = signin.get("meeting") or {}
        self.title = str(meeting.get("title") or "")
        self.meeting_line = present.meeting_line(meeting)
        numbers = present.signin_numbers(signin)
        self.signed, self.expected = numbers["signed"], numbers["expected"]
        self.rate, self.extra = numbers["rate"], numbers["extra"]
        recent = list(signin.get("recent") or [])
        self.names = present.attendee_chips(recent, MAX_NAMES)
        self._note_arrival(meeting.get("id"), recent[0] if recent else None)
        qr = signin.get("qr") or {}
        self.qr_hint = present.qr_hint(qr)
        address = present.qr_address(qr, server)
        if address != self.qr_text:
            from kiosk.qr import qr_texture

            self.qr_texture = qr_texture(address)
            self.qr_text = address

    def _note_arrival(self, meeting_id: Any, newest: dict[str, Any] | None) -> None:
        key = (newest.get("member_id"), newest.get("signed_at")) if newest else None
        if meeting_id == self._meeting_id and key is not None and key != self._newest:
            self.welcome = _("欢迎 {name} 同志").format(name=newest.get("name") if newest else "")
            self.arrivals += 1
        self._meeting_id, self._newest = meeting_id, key
