"""The six-digit host-code keypad that the contest desk (``kiosk.host``) and the meeting desk
(``kiosk.meetingdesk``) share: the digits typed so far, what the screen shows of them, and the check a
full code starts. Each desk says what checking means (``check_code``) and handles the server's answer.

Runs on the UI thread only.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, StringProperty

from kiosk import hosting
from kiosk.i18n import _


class CodeEntry(EventDispatcher):
    busy = BooleanProperty(False)  # a request is on its way: the buttons wait
    code_text = StringProperty(hosting.code_text(""))
    code_error = StringProperty("")

    _code = ""

    def press(self, key: str) -> None:
        """A key of the code keypad (``kiosk.widgets.PinKey``)."""
        if self.busy:
            return
        self._code = hosting.press(self._code, key)
        self.code_text, self.code_error = hosting.code_text(self._code), ""

    def confirm_code(self) -> None:
        if self.busy:
            return
        if len(self._code) < hosting.CODE_LENGTH:
            self.code_error = _("请输入 6 位终端主持码")
            return
        self.busy, self.code_error = True, ""
        self.check_code(self._code)

    def check_code(self, code: str) -> None:
        """Send the full code to the server; the answer must set ``busy`` back."""
        raise NotImplementedError

    def clear_code(self) -> None:
        self._code, self.code_text = "", hosting.code_text("")
