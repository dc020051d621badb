"""The terminal's host desk: a branch secretary hosts the room's live contest from the terminal.

From the 知识竞赛 hub, 主持竞赛 opens the host-code keypad; the server checks the code (shown on the
admin's contest page) and the terminal enters host mode: the host screen follows ``app.contest`` (the
room's ``contest.state`` messages, as the wall does) and offers at most two huge buttons for the state,
with a second tap to confirm 结束竞赛. Every step goes to the server with the code; nothing on screen
changes until the server's new state arrives, so a failed request changes nothing. Host mode ends when
the contest finishes and on 退出主持; the code is then forgotten. While the contest runs, idle never ends
it (``hosting``: the host may watch the wall for minutes without a touch); once the contest is over, the
host screen warns before the idle timeout takes the terminal back to the attract loop.

Runs on the UI thread only; the look is screens/contest_host_code.kv and screens/contest_host.kv.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import partial
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk import hosting
from kiosk.answers import when_done
from kiosk.codeentry import CodeEntry
from kiosk.i18n import _
from kiosk.idlenotice import IdleNotice
from kiosk.net import HttpError
from kiosk.study import LOGOUT_WARNING_SECONDS

CODE_SCREEN, HOST_SCREEN = "contest_host_code", "contest_host"


class HostDesk(CodeEntry):
    active = BooleanProperty(False)  # host mode: the code was accepted and the contest is not over
    title = StringProperty("")
    headline = StringProperty("")
    detail = StringProperty("")
    note = StringProperty("")
    error = StringProperty("")
    first_text = StringProperty("")
    first_danger = BooleanProperty(False)
    second_text = StringProperty("")
    second_danger = BooleanProperty(False)

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.contest_id = 0
        self._code = ""
        self._confirming = False
        self._phase = ""
        self._buttons: tuple[hosting.Button, ...] = ()
        self._notice = IdleNotice()  # before the idle timeout, once the contest is over

    # --- entering host mode ------------------------------------------------------------------------------

    def open(self) -> None:
        """主持竞赛 on the hub: the code keypad, or straight back to the host screen while hosting."""
        contest = self.app.contest or {}
        if not contest or contest.get("status") == "finished":
            self.app.notice(_("主持竞赛"), _("当前没有进行中的现场竞赛"))
            return
        if self.active and self.contest_id == contest.get("id"):
            self._refresh()
            self.app.show(HOST_SCREEN)
            return
        self.end()
        self.contest_id = int(contest["id"])
        self.title = str(contest.get("title") or "")
        self.app.show(CODE_SCREEN)

    def check_code(self, code: str) -> None:
        when_done(self.app.link and self.app.link.contest_host(self.contest_id, code, "check"),
                  partial(self._on_checked, self.contest_id))

    def _on_checked(self, contest_id: int, answer: Any, error: HttpError | None) -> None:
        self.busy = False
        if contest_id != self.contest_id:
            return  # left meanwhile
        if answer is None:
            if error is not None:  # wrong code, too many tries, contest over: the server's words
                self.code_error = error.message or _("主持码不正确。")
                self.clear_code()
            else:
                self.code_error = _("暂时无法连接服务器，请检查网络后再试。")
            return
        self.active, self._confirming, self.error = True, False, ""
        self._refresh()
        self.app.show(HOST_SCREEN)

    # --- hosting -----------------------------------------------------------------------------------------

    def tap(self, slot: int) -> None:
        """The first (0) or second (1) big button of the host screen."""
        if self.busy or slot >= len(self._buttons):
            return
        action = self._buttons[slot].action
        if action == hosting.EXIT:
            self.leave()
        elif action == hosting.ASK_FINISH:
            self._confirming, self.error = True, ""
            self._refresh()
        elif action == hosting.CANCEL:
            self._confirming = False
            self._refresh()
        elif action in hosting.SERVER_ACTIONS and self.active:
            self.busy, self.error = True, ""
            when_done(self.app.link and self.app.link.contest_host(self.contest_id, self._code, action),
                      partial(self._on_done, self.contest_id))

    def _on_done(self, contest_id: int, answer: Any, error: HttpError | None) -> None:
        self.busy = False
        if contest_id != self.contest_id:
            return
        self._confirming = False
        if answer is None:
            self.error = (error.message if error is not None and error.message
                          else _("网络连接出现问题，操作没有完成，请再点一次。"))
        # The new state itself arrives as contest.state over the WebSocket, for the wall and us alike.
        self._refresh()

    def update(self, contest: dict[str, Any]) -> None:
        """The room's contest changed (from ``app.redraw``)."""
        if not self.contest_id:
            return
        if not contest or contest.get("id") != self.contest_id:  # gone, or another contest took the room
            on_host_screens = self.app.sm.current in (CODE_SCREEN, HOST_SCREEN)
            self.end()
            if on_host_screens:
                self.app.show("contests")
            return
        self.title = str(contest.get("title") or self.title)
        phase = f"{contest.get('status')}:{contest.get('index')}"
        if phase != self._phase:  # a message about the state before no longer applies
            self._phase, self.error = phase, ""
        if contest.get("status") == "finished" and self.active:
            self.active, self._code, self._confirming = False, "", False  # host mode ends with the contest
        self._refresh()

    def tick(self) -> None:
        """Every second while the host screen shows: the countdown."""
        self._refresh()

    # --- idle --------------------------------------------------------------------------------------------

    def hosting(self) -> bool:
        """Host mode on the room's contest, not finished (lobby, a question, its answer, between
        questions): the app's idle check must not interrupt it."""
        contest = self.app.contest or {}
        return (self.active and bool(self.contest_id) and contest.get("id") == self.contest_id
                and contest.get("status") != "finished")

    def idle(self, idle_seconds: float, limit: float) -> None:
        """Every second from the app's idle check, with how long nobody touched the screen: on the host
        screen after the contest, the last seconds before the idle timeout are announced (as the study
        desk announces a member's logout, which comes instead when a member is logged in)."""
        left = limit - idle_seconds
        if (self.app.sm.current != HOST_SCREEN or self.hosting() or self.app.study.member
                or not 0 < left <= LOGOUT_WARNING_SECONDS):
            self._notice.dismiss()
            return
        self._notice.show(_("即将返回待机画面"),
                          _("竞赛已结束，{n} 秒后将返回待机画面。\n触摸屏幕可留在此页。").format(n=math.ceil(left)))

    def leave(self) -> None:
        """退出主持 (and 返回 after the end): back to the hub, host mode over."""
        self.end()
        self.app.show("contests")

    def end(self) -> None:
        """Host mode over (also on the idle timeout once the contest is over): forget the code."""
        self._notice.dismiss()
        self.active, self.busy, self._confirming = False, False, False
        self.contest_id, self._code, self._phase = 0, "", ""
        self.code_text, self.code_error, self.error = hosting.code_text(""), "", ""

    def _refresh(self) -> None:
        contest = self.app.contest or {}
        if contest.get("id") != self.contest_id:
            contest = {}
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.app.server_offset)
        shown = hosting.view(contest, now, confirming=self._confirming and self.active)
        self.headline, self.detail, self.note = shown.headline, shown.detail, shown.note
        self._buttons = shown.buttons
        first = shown.buttons[0] if shown.buttons else None
        second = shown.buttons[1] if len(shown.buttons) > 1 else None
        self.first_text, self.first_danger = (first.text, first.danger) if first else ("", False)
        self.second_text, self.second_danger = (second.text, second.danger) if second else ("", False)
