"""The Kivy application: holds the view state, turns it into properties the KV files bind to, and moves
between screens. Only this thread touches widgets; the network link runs on its own thread and its
messages arrive here through ``Clock.schedule_once``. A burst of messages becomes one redraw.

Import this module only after ``kiosk.cli`` has set Kivy's environment and configuration.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from functools import partial
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import FadeTransition

import screen_server.protocol as protocol
from kiosk import capture, present, theme
from kiosk import state as st
from kiosk.board import SignInBoard
from kiosk.desk import SignInDesk
from kiosk.i18n import _
from kiosk.options import Options
from kiosk.screens import create
from kiosk.store import DeviceStore

log = logging.getLogger(__name__)
DEFAULT_IDLE_SECONDS = 120
PREVIEW_SECONDS = 60
PREVIEW_MAX_WIDTH = 960
WALL_ROTATE_SECONDS = 12
# Features whose screens exist; the other tiles open an honest "coming soon" notice.
READY_FEATURES = {"announcements"}
SIGNIN_TARGET = "signin"  # TopBar's back_to on the sign-in screens: the desk decides where back is


class KioskApp(App):
    title = "智慧党员活动室"
    room_name = StringProperty("")
    clock_text = StringProperty("")
    date_text = StringProperty("")
    connection = StringProperty(st.CONNECTING)
    connection_text = StringProperty("")
    offline = BooleanProperty(False)
    offline_text = StringProperty("")
    pairing_code_text = StringProperty("")
    pairing_hint = StringProperty("")
    home_screen = StringProperty("home")
    tile_columns = NumericProperty(3)
    announcement_rows = ListProperty([])
    announcement_count_text = StringProperty("")
    latest_title = StringProperty("")
    latest_date = StringProperty("")
    detail_title = StringProperty("")
    detail_meta = StringProperty("")
    detail_body = StringProperty("")
    wall_title = StringProperty("")
    wall_body = StringProperty("")
    wall_level = StringProperty("normal")
    wall_level_text = StringProperty("")
    wall_page = StringProperty("")
    portrait = BooleanProperty(False)
    board = ObjectProperty(None)  # the wall's sign-in screen (kiosk.board.SignInBoard)
    desk = ObjectProperty(None)  # the terminal's sign-in flow (kiosk.desk.SignInDesk)
    instant_transitions = BooleanProperty(False)

    def __init__(self, options: Options, *, instant_transitions: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.instant_transitions = instant_transitions
        self.home_screen = "wall" if options.mode == "wall" else "home"
        self.store = DeviceStore(options.state_dir)
        self.state = st.ViewState()
        self.link: Any = None
        self.detail_id = 0
        self.last_touch = time.monotonic()
        self.first_frame_at: float | None = None
        self._wall_index = 0
        self._ticks = 0
        self.board = SignInBoard()
        self.desk = SignInDesk(self)
        self._events: list[Any] = []
        self._redraw = Clock.create_trigger(self.redraw)

    # --- life cycle ------------------------------------------------------------------------------

    def default_transition(self) -> FadeTransition:
        return FadeTransition(duration=0.15)

    def build(self) -> Any:
        theme.install()
        from kiosk.widgets import KioskRoot

        root = KioskRoot()
        self.sm = root.ids.sm
        return root

    def on_start(self) -> None:
        self._seed_from_disk()
        Window.bind(on_touch_down=self._on_any_touch, size=self._on_resize)
        self._on_resize(Window, Window.size)
        self._events = [Clock.schedule_interval(self._tick, 1)]
        self._tick(0)
        self.redraw()
        Clock.schedule_once(self._note_first_frame, 0)
        if not self.options.offline:
            from kiosk.net import ServerLink

            name = self.options.name or (_("触摸终端") if self.options.mode == "terminal" else _("大屏"))
            self.link = ServerLink(
                self.options.server, self.store, self.deliver, mode=self.options.mode, name=name
            ).start()
            self._events.append(Clock.schedule_interval(lambda _dt: self.send_preview(), PREVIEW_SECONDS))
        if self.options.exit_after is not None:
            self._events.append(Clock.schedule_once(self._finish, self.options.exit_after))

    def on_stop(self) -> None:
        for event in self._events:
            event.cancel()
        self._events = []
        Window.unbind(on_touch_down=self._on_any_touch, size=self._on_resize)
        if self.link is not None:
            self.link.stop()

    def on_request_close(self, *_args: Any, **_kwargs: Any) -> bool:
        return self.options.production  # True blocks closing: a production kiosk has no way out

    def _note_first_frame(self, _dt: float) -> None:
        self.first_frame_at = time.monotonic()
        # For `make bench` (kiosk_first_frame_s): the monotonic clock is system-wide on Linux.
        marker = os.environ.get("ACTIVITY_ROOM_KIOSK_FIRST_FRAME_FILE")
        if marker:
            Path(marker).write_text(f"{self.first_frame_at:.6f}")

    def _seed_from_disk(self) -> None:
        if not self.store.token:
            return
        cached = self.store.load_snapshot()
        if cached:
            self.state = st.apply(self.state, {**cached, "cached": True})
        else:
            self.state = st.apply(self.state, {"type": st.PAIRING_APPROVED, "device": self.store.device})

    def _finish(self, _dt: float) -> None:
        if self.options.screenshot is not None:
            self.save_screenshot(self.options.screenshot)
        self.stop()

    # --- messages from the link --------------------------------------------------------------------

    def deliver(self, message: dict[str, Any]) -> None:
        """Called on the network thread: hand the message to the UI thread."""
        Clock.schedule_once(partial(self._receive_later, message), -1)

    def _receive_later(self, message: dict[str, Any], _dt: float) -> None:
        self.receive(message)

    def receive(self, message: dict[str, Any]) -> None:
        self.state = st.apply(self.state, message)
        if message.get("type") == protocol.PREVIEW_REQUESTED:
            Clock.schedule_once(lambda _dt: self.send_preview(), 0)
        self._redraw()

    # --- state → properties ------------------------------------------------------------------------

    def redraw(self, *_args: Any) -> None:
        s = self.state
        self.room_name = s.room_name
        self.connection = s.connection
        self.connection_text = present.connection_text(s.connection)
        self.offline = s.connection == st.DOWN
        self.offline_text = _("服务器连接中断，正在重新连接…") + (
            _("  当前显示的是最近一次获取的内容") if s.has_data else ""
        )
        code = s.pairing_code
        self.pairing_code_text = f"{code[:3]} {code[3:]}" if len(code) == 6 else code
        self.pairing_hint = (
            _("无法连接服务器 {server}，正在重试…")
            if s.connection == st.DOWN
            else _("服务器：{server}    审核通过后本机将自动进入首页")
        ).format(server=self.options.server)
        self.announcement_rows = present.announcement_rows(s.announcements)
        self.announcement_count_text = (
            _("共 {n} 条").format(n=len(s.announcements)) if s.announcements else _("暂无公告")
        )
        latest = s.announcements[0] if s.announcements else {}
        self.latest_title = str(latest.get("title") or "")
        self.latest_date = present.short_date(latest.get("publish_at"))
        self._show_detail(s.announcement(self.detail_id))
        self._show_wall_page()
        if self.options.mode == "wall":
            self.board.show(s.signin, self.options.server)
        else:
            self.desk.update(s.signin)
        self._route()

    def _show_detail(self, item: dict[str, Any] | None) -> None:
        if item is None:
            if self.detail_id and self.sm.current == "announcement":
                self.detail_id = 0
                self.show("announcements")  # it was withdrawn while someone was reading it
            return
        self.detail_title = str(item.get("title") or "")
        self.detail_meta = present.announcement_meta(item)
        self.detail_body = str(item.get("body") or "")

    def _show_wall_page(self) -> None:
        items = self.state.announcements
        if not items:
            self.wall_title = self.wall_body = self.wall_page = ""
            return
        item = items[self._wall_index % len(items)]
        self.wall_title = str(item.get("title") or "")
        self.wall_body = present.excerpt(str(item.get("body") or ""), 300)
        self.wall_level = str(item.get("level") or "normal")
        self.wall_level_text = present.level_text(item.get("level"))
        self.wall_page = f"{self._wall_index % len(items) + 1} / {len(items)}"

    def _route(self) -> None:
        s, current = self.state, self.sm.current
        if not s.paired:
            if current != "pairing":
                self.show("pairing")
        elif self.options.mode == "wall":
            # A wall shows the sign-in by itself while a meeting's window is open in its room.
            wanted = "signin_wall" if s.signin else self.home_screen
            if current != wanted:
                self.show(wanted)
        elif not current or current == "pairing":  # None before the first screen
            self.show(self.home_screen)

    # --- navigation and actions (one call from KV each) --------------------------------------------

    def show(self, name: str) -> None:
        if not self.sm.has_screen(name):
            self.sm.add_widget(create(name))
        self.sm.current = name
        if self.link is not None:
            self.link.screen = name

    def back(self, target: str) -> None:
        """The back button of a TopBar."""
        if target == SIGNIN_TARGET:
            self.desk.back()
        else:
            self.show(target)

    def open_tile(self, key: str) -> None:
        if key == "signin":
            self.desk.start()
        elif key in READY_FEATURES:
            self.show(key)
        else:
            self.notice(_("即将开放"), _("该功能正在建设中，即将开放，敬请期待。"))

    def open_announcement(self, announcement_id: int) -> None:
        item = self.state.announcement(int(announcement_id))
        if item is None:
            return
        self.detail_id = int(announcement_id)
        self._show_detail(item)
        self.show("announcement")
        self.sm.get_screen("announcement").ids.scroll.scroll_y = 1

    def open_latest_announcement(self) -> None:
        if self.state.announcements:
            self.open_announcement(int(self.state.announcements[0].get("id") or 0))
        else:
            self.show("announcements")

    def notice(self, title: str, message: str) -> Any:
        from kiosk.widgets import NoticeView

        view = NoticeView(title=title, message=message)
        view.open(animation=not self.instant_transitions)
        return view

    def wake(self) -> None:
        self.last_touch = time.monotonic()
        if self.sm.current == "attract":
            self.show(self.home_screen)

    # --- time, idle, previews ----------------------------------------------------------------------

    def idle_seconds(self) -> int:
        configured = self.options.idle_seconds or self.state.settings.get("idle_seconds")
        return int(configured or DEFAULT_IDLE_SECONDS)

    def _on_any_touch(self, *_args: Any) -> bool:
        self.last_touch = time.monotonic()
        return False

    def _on_resize(self, _window: Any, size: tuple[int, int]) -> None:
        self.portrait = size[0] < size[1]
        self.tile_columns = 2 if self.portrait else 3

    def _tick(self, _dt: float) -> None:
        now = dt.datetime.now()
        self.clock_text = present.clock_text(now)
        self.date_text = present.date_text(now)
        self._ticks += 1
        if self._ticks % WALL_ROTATE_SECONDS == 0 and len(self.state.announcements) > 1:
            self._wall_index += 1
            self._show_wall_page()
        self.check_idle()

    def check_idle(self) -> None:
        idle = time.monotonic() - self.last_touch
        if (
            self.options.mode == "terminal"
            and self.state.paired
            and idle >= self.idle_seconds()
            and self.sm.current not in ("attract", "pairing")
        ):
            self.show("attract")

    def save_screenshot(self, path: Any) -> None:
        rgb, size = capture.grab_rgb()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(capture.encode_png(rgb, size))

    def send_preview(self) -> None:
        if self.link is None or not self.store.token:
            return
        rgb, size = capture.grab_rgb()
        self.link.upload_preview(partial(capture.encode_png, rgb, size, PREVIEW_MAX_WIDTH))
