"""The terminal's sign-in desk: a member without a phone signs in by tapping their branch and name on
large tiles and typing their PIN on a large keypad.

``SignInDesk`` holds the properties the three sign-in screens (signin_pick, signin_pin, signin_result)
bind to, and the one-call actions their buttons make. The rules (paging, the keypad, what an answer
means) are plain functions in ``kiosk.signin``; the requests go through the network thread
(``ServerLink.roster`` / ``ServerLink.sign_in``) and their results come back here by
``Clock.schedule_once``. Runs on the UI thread only.

The PIN lives only on the PIN screen: it is dropped once sent, and a retry asks for it again (with the
same client id, so a sign-in that did reach the server is never counted twice).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk import pinchange, present
from kiosk import signin as si
from kiosk.answers import when_done
from kiosk.i18n import _
from kiosk.net import HttpError
from kiosk.pinchange import PinChange

BRANCHES, NAMES, LOADING = "branches", "names", "loading"
PER_PAGE = 12
RESULT_SECONDS = 8  # a confirmation stays this long, then the terminal goes back home
FLOW_SCREENS = ("signin_pick", "signin_pin")


def _refusal(error: HttpError | None) -> si.Outcome:
    """What to tell the member when a request failed (None: the server could not be reached)."""
    if error is None:
        return si.outcome_of_error(None, "", "")
    return si.outcome_of_error(error.status, error.code, error.message)


class SignInDesk(EventDispatcher):
    is_open = BooleanProperty(False)
    tile_note = StringProperty("")
    meeting_title = StringProperty("")
    step = StringProperty(LOADING)
    heading = StringProperty("")
    tiles = ListProperty([])
    page_label = StringProperty("")
    has_prev = BooleanProperty(False)
    has_next = BooleanProperty(False)
    member_name = StringProperty("")
    greeting = StringProperty("")
    pin_dots = StringProperty(si.dots(""))
    pin_error = StringProperty("")
    pin_prompt = StringProperty(_("请输入您的签到密码（数字）"))
    changing_pin = BooleanProperty(False)
    busy = BooleanProperty(False)
    result_kind = StringProperty("")
    result_ok = BooleanProperty(False)
    result_title = StringProperty("")
    result_message = StringProperty("")
    result_detail = StringProperty("")
    can_retry = BooleanProperty(False)

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.roster = si.parse_roster(None)
        self.branch: si.Branch | None = None
        self.member: si.Person | None = None
        self.page = 0
        self.pin = ""
        self._sent_pin = ""  # held only until the server answers (an initial PIN must be replaced)
        self._change: PinChange | None = None
        self.client_id = ""
        self._retry: Callable[[], None] = self.start
        self._home_event: Any = None
        self._update_tile(None)

    # --- from the app's redraw -------------------------------------------------------------------------

    def update(self, signin: dict[str, Any] | None) -> None:
        """Follow the room's open meeting; leave the flow if its sign-in closed meanwhile."""
        self._update_tile(signin)
        if not signin and self.app.sm.current in FLOW_SCREENS:
            self.leave()
            self.app.notice(_("会议签到"), _("本次会议的签到已经结束。"))

    def _update_tile(self, signin: dict[str, Any] | None) -> None:
        self.is_open = bool(signin)
        self.tile_note = present.signin_tile_note(signin)
        self.meeting_title = str(((signin or {}).get("meeting") or {}).get("title") or "")

    # --- actions (one call from KV each) -----------------------------------------------------------------

    def start(self) -> None:
        """The 会议签到 tile: fetch the roster and show the branch (or name) tiles."""
        if not self.is_open:
            self.app.notice(_("会议签到"), _("当前没有正在签到的会议"))
            return
        self._cancel_home()
        self.branch, self.member, self.page, self.pin = None, None, 0, ""
        self.step, self.tiles, self.heading = LOADING, [], _("正在读取名单…")
        self.page_label, self.has_prev, self.has_next = "", False, False
        self.app.show("signin_pick")
        when_done(self.app.link and self.app.link.roster(), self._on_roster)

    def pick(self, key: int) -> None:
        """A tile: a branch shows its members; a name asks for the PIN."""
        if self.step == BRANCHES:
            self.branch, self.page = self.roster.branch(int(key)), 0
            self._show_tiles(NAMES)
        elif self.step == NAMES and self.branch is not None:
            self.member = next((m for m in self.branch.members if m.id == int(key)), None)
            if self.member is None:
                return
            self.client_id = si.new_client_id()
            self._end_change()  # a PIN change belongs to the member who started it
            self.member_name = self.member.name
            self.greeting = _("{name} 同志").format(name=self.member.name)
            self._ask_pin("")
            self.app.show("signin_pin")

    def turn(self, delta: int) -> None:
        self.page += int(delta)
        self._show_tiles(self.step)

    def back(self) -> None:
        if self.app.sm.current == "signin_pin":
            self.pin = ""
            self._end_change()
            self.app.show("signin_pick")
        elif self.step == NAMES and len(self.roster.branches) > 1:
            self.page = 0
            self._show_tiles(BRANCHES)
        else:
            self.leave()

    def leave(self) -> None:
        self._cancel_home()
        self.pin, self.pin_dots, self.busy = "", si.dots(""), False
        self._end_change()
        self.app.show(self.app.home_screen)

    def press(self, key: str) -> None:
        self.pin = si.press(self.pin, key)
        self.pin_dots = si.dots(self.pin)
        self.pin_error = ""

    def confirm(self) -> None:
        if self.busy or self.member is None:
            return
        if self._change is not None:
            self._confirm_new_pin()
            return
        problem = si.pin_problem(self.pin)
        if problem:
            self.pin_error = problem
            return
        self._send(self.pin)

    def _send(self, pin: str) -> None:
        assert self.member is not None
        body = si.request_body(self.roster.meeting_id, self.member.id, pin, self.client_id)
        self._sent_pin, self.pin, self.busy = pin, "", True  # the typed PIN is cleared once sent
        when_done(self.app.link and self.app.link.sign_in(body), self._on_signed)

    def _confirm_new_pin(self) -> None:
        assert self._change is not None and self.member is not None
        error, body = self._change.submit(self.pin)
        self._ask_pin(error)
        self.pin_prompt = self._change.prompt
        if body is None:
            return
        self.busy = True
        when_done(self.app.link and self.app.link.change_pin(body | {"member_id": self.member.id}),
                  self._on_pin_changed)

    def _on_pin_changed(self, answer: Any, error: HttpError | None) -> None:
        self.busy = False
        if answer is None or self._change is None:
            if self._change is not None and error is not None and error.status == 400:
                self._change.refused()  # too easy to guess: the server says why; choose again
                self.pin_prompt = self._change.prompt
                self._ask_pin(error.message)
                return
            self._end_change()
            self._retry = self._retry_pin
            self._show_outcome(_refusal(error))
            return
        new = self._change.new
        self._end_change()
        self._send(new)  # signed in with the PIN just chosen

    def _end_change(self) -> None:
        self._change, self.changing_pin, self._sent_pin = None, False, ""
        self.pin_prompt = _("请输入您的签到密码（数字）")

    def retry(self) -> None:
        self._retry()


    def _on_roster(self, answer: Any, error: HttpError | None) -> None:
        if self.app.sm.current != "signin_pick":
            return  # the member walked away meanwhile
        if answer is None:
            self._retry = self.start
            self._show_outcome(_refusal(error))
            return
        self.roster = si.parse_roster(answer)
        if not self.roster.branches:
            self.leave()
            self.app.notice(_("会议签到"), _("当前没有正在签到的会议"))
        elif len(self.roster.branches) == 1:
            self.branch = self.roster.branches[0]
            self._show_tiles(NAMES)
        else:
            self._show_tiles(BRANCHES)

    def _on_signed(self, answer: Any, error: HttpError | None) -> None:
        self.busy = False
        if answer is None and pinchange.required(error) and self.app.sm.current == "signin_pin":
            self._change, self.changing_pin = PinChange(self._sent_pin), True
            self._sent_pin = ""
            self.pin_prompt = self._change.prompt
            self._ask_pin(_("您正在使用密码条上的初始密码，请先设置您自己的密码。"))
            return
        self._sent_pin = ""
        if answer is not None:
            # The server's message carries the time, in the organisation's time zone.
            self._show_outcome(si.outcome_of_answer(answer, self.roster.meeting_title))
            self._home_event = Clock.schedule_once(lambda _dt: self.leave(), RESULT_SECONDS)
            return
        outcome = _refusal(error)
        if outcome.kind == si.WRONG_PIN and self.app.sm.current == "signin_pin":
            self._ask_pin(outcome.message + " " + _("请重新输入。"))
            return
        self._retry = self._retry_pin
        self._show_outcome(outcome)

    # --- helpers -----------------------------------------------------------------------------------------

    def _show_tiles(self, step: str) -> None:
        self.step = step
        items: tuple[Any, ...]  # branches or one branch's people: each has an id and a name
        if step == BRANCHES:
            items = self.roster.branches
            self.heading = _("请选择您所在的党支部")
        else:
            items = self.branch.members if self.branch else ()
            self.heading = _("{branch}：请选择您的姓名").format(
                branch=self.branch.name if self.branch else ""
            )
        page = si.page_of(items, self.page, PER_PAGE)
        self.page = page.number
        self.tiles = [
            {
                "key": item.id,
                "text": item.name,
                "note": _("{n} 人").format(n=len(item.members)) if step == BRANCHES else "",
            }
            for item in page.items
        ]
        self.page_label, self.has_prev, self.has_next = page.label, page.has_prev, page.has_next

    def _ask_pin(self, error: str) -> None:
        self.pin, self.pin_dots, self.pin_error = "", si.dots(""), error

    def _retry_pin(self) -> None:
        self._ask_pin("")
        self.app.show("signin_pin")

    def _show_outcome(self, outcome: si.Outcome) -> None:
        self.result_kind = outcome.kind
        self.result_title, self.result_message = outcome.title, outcome.message
        self.result_detail = outcome.detail
        self.result_ok = outcome.signed_in
        self.can_retry = not outcome.signed_in
        self.app.show("signin_result")

    def _cancel_home(self) -> None:
        if self._home_event is not None:
            self._home_event.cancel()
            self._home_event = None
