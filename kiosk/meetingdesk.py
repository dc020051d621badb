"""The terminal's meeting desk: the branch secretary runs the room's meeting from the terminal.

主持会议 on the home screen opens the host-code keypad; the server finds the room's meeting by its code
(shown on the admin's meeting console) and the terminal enters host mode: big buttons close or reopen
sign-in and put the agenda, the attendance, a video, a ballot or its results on the wall, or hand the wall
back to its loop. Every tap goes to the server with the code and the screen shows the server's answer,
so a failed request changes nothing. The code is forgotten on leaving.

Runs on the UI thread only; the look is screens/meeting_host_code.kv and screens/meeting_host.kv.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk import hosting, meetinghost
from kiosk.answers import when_done
from kiosk.codeentry import CodeEntry
from kiosk.i18n import _
from kiosk.net import HttpError

CODE_SCREEN, HOST_SCREEN = "meeting_host_code", "meeting_host"


class MeetingDesk(CodeEntry):
    active = BooleanProperty(False)
    headline = StringProperty("")
    detail = StringProperty("")
    quorum = StringProperty("")
    error = StringProperty("")
    buttons = ListProperty([])  # [{"text", "index", "current", "danger"}] for the screen's grid

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self._code = ""
        self._buttons: tuple[meetinghost.Button, ...] = ()

    def open(self) -> None:
        """主持会议 on the home screen: the keypad (or the host screen while hosting)."""
        if self.active:
            self.app.show(HOST_SCREEN)
            return
        self.end()
        self.app.show(CODE_SCREEN)

    def check_code(self, code: str) -> None:
        when_done(self.app.link and self.app.link.meeting_host(code, "check"), self._on_checked)

    def _on_checked(self, answer: Any, error: HttpError | None) -> None:
        self.busy = False
        if answer is None:
            self.code_error = (error.message if error is not None and error.message
                               else _("暂时无法连接服务器，请检查网络后再试。"))
            if error is not None:
                self.clear_code()
            return
        self.active, self.error = True, ""
        self._show(answer)
        self.app.show(HOST_SCREEN)

    def tap(self, index: int) -> None:
        if self.busy or not self.active or not 0 <= index < len(self._buttons):
            return
        button = self._buttons[index]
        self.busy, self.error = True, ""
        when_done(self.app.link and self.app.link.meeting_host(self._code, button.action, **button.extra),
                  partial(self._on_done))

    def _on_done(self, answer: Any, error: HttpError | None) -> None:
        self.busy = False
        if answer is None:
            self.error = (error.message if error is not None and error.message
                          else _("网络连接出现问题，操作没有完成，请再点一次。"))
            return
        self._show(answer)

    def _show(self, state: dict[str, Any]) -> None:
        shown = meetinghost.view(state)
        self.headline, self.detail, self.quorum = shown.headline, shown.detail, shown.quorum
        self._buttons = shown.buttons
        self.buttons = [{"text": b.text, "index": i, "current": b.current, "danger": b.danger}
                        for i, b in enumerate(shown.buttons)]

    def leave(self) -> None:
        self.end()
        self.app.show(self.app.home_screen)

    def end(self) -> None:
        """Host mode over: forget the code."""
        self.active, self.busy, self._code, self._buttons = False, False, "", ()
        self.code_text, self.code_error, self.error = hosting.code_text(""), "", ""
        self.buttons = []
