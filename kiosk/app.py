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
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.screenmanager import FadeTransition

import screen_server.protocol as protocol
from kiosk import capture, present, theme, typescale, wallplan
from kiosk import state as st
from kiosk.arena import ArenaDesk
from kiosk.board import SignInBoard
from kiosk.desk import SignInDesk
from kiosk.emergency import EmergencyLayer
from kiosk.exams import ExamDesk
from kiosk.host import HostDesk
from kiosk.i18n import _
from kiosk.library import Library
from kiosk.meetingdesk import MeetingDesk
from kiosk.narrator import Narrator
from kiosk.net import CONTENT_SYNCED, STUDY_SYNCED
from kiosk.options import Options
from kiosk.outbox import Outbox
from kiosk.screens import create
from kiosk.servicedesk import ServiceDesk
from kiosk.speech import find_engine
from kiosk.store import DeviceStore
from kiosk.study import StudyDesk

log = logging.getLogger(__name__)
DEFAULT_IDLE_SECONDS = 120
PREVIEW_SECONDS = 60
PREVIEW_MAX_WIDTH = 960
WALL_ROTATE_SECONDS = 12
PODIUM_SECONDS = 180
# Features whose screens exist; the other tiles open an honest "coming soon" notice.
SIGNIN_TARGET = "signin"  # TopBar's back_to on the sign-in screens: the desk decides where back is
STUDY_CLOSE = "study_close"  # TopBar's back_to on the reader: stop the study clock, then the library
HOST_EXIT = "host_exit"  # TopBar's back_to on the host screens: host mode ends, then the contest hub
MEETING_EXIT = "meeting_exit"  # TopBar's back_to on the meeting host screens: host mode ends, then home


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
    study = ObjectProperty(None)  # the terminal's study desk (kiosk.study.StudyDesk)
    service_desk = ObjectProperty(None)  # 服务窗口 and 我的档案 (kiosk.servicedesk.ServiceDesk)
    arena = ObjectProperty(None)  # the terminal's contest desk (kiosk.arena.ArenaDesk)
    exams = ObjectProperty(None)  # formal tests at the terminal (kiosk.exams.ExamDesk)
    host = ObjectProperty(None)  # hosting the room's contest at the terminal (kiosk.host.HostDesk)
    meeting = ObjectProperty(None)  # running the room's meeting at the terminal (kiosk.meetingdesk.MeetingDesk)
    instant_transitions = BooleanProperty(False)
    stats = DictProperty({})  # the activity panels, as the server last sent them
    contest = DictProperty({})  # the room's live contest, as the server last sent it
    poll = DictProperty({})  # the room's open poll (totals only)
    message_wall = DictProperty({})  # the room's open message-wall topic (approved messages only)
    server_offset = NumericProperty(0.0)  # seconds to add to this machine's clock to get the server's
    wall_entry = DictProperty({})  # what the wall's current page is about (a loop entry, an emergency)
    type_scale = ObjectProperty(typescale.SCALE)  # 大字 for this session (kiosk.typescale)
    narrator = ObjectProperty(None)  # read-aloud (kiosk.narrator.Narrator)

    def __init__(self, options: Options, *, instant_transitions: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.instant_transitions = instant_transitions
        self.home_screen = "wall" if options.mode == "wall" else "home"
        self.store = DeviceStore(options.state_dir)
        self.library = Library(options.state_dir)
        self.outbox = Outbox(options.state_dir) if options.mode == "terminal" else None
        self.state = st.ViewState()
        self.link: Any = None
        self.detail_id = 0
        self.last_touch = time.monotonic()
        self.first_frame_at: float | None = None
        self._wall_index = 0
        self._stats_seen: Any = None
        self._loop_index = 0
        self._loop_until = 0.0
        self._podium_until = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._ticks = 0
        self.board = SignInBoard()
        self.desk = SignInDesk(self)
        self.study = StudyDesk(self, self.outbox)
        self.service_desk = ServiceDesk(self)
        self.arena = ArenaDesk(self)
        self.exams = ExamDesk(self)
        self.host = HostDesk(self)
        self.meeting = MeetingDesk(self)
        self.narrator = Narrator(find_engine() if options.mode == "terminal" else None)
        self.narrator.bind(message=lambda _n, text: text and self.notice(_("朗读"), text))
        self.emergency = EmergencyLayer()  # a terminal's 紧急通知, over everything (kiosk.emergency)
        self._events: list[Any] = []
        self._redraw = Clock.create_trigger(self.redraw)

    # --- life cycle ------------------------------------------------------------------------------

    def default_transition(self) -> FadeTransition:
        return FadeTransition(duration=0.15)

    def build(self) -> Any:
        theme.install()
        from kiosk.widgets import KioskRoot

        Window.clearcolor = theme.BACKGROUND
        root = KioskRoot()
        self.sm = root.ids.sm
        return root

    def on_start(self) -> None:
        self.type_scale.reset()  # a kiosk starts in standard type (tests start many apps in one process)
        self._seed_from_disk()
        Window.bind(on_touch_down=self._on_any_touch, size=self._on_resize)
        self._on_resize(Window, Window.size)
        self._loop_until = time.monotonic() + float(wallplan.loop_of(self.state)[0].get("seconds") or 20)
        self._events = [Clock.schedule_interval(self._tick, 1)]
        self.study.start()
        self._tick(0)
        self.redraw()
        Clock.schedule_once(self._note_first_frame, 0)
        if not self.options.offline:
            from kiosk.net import ServerLink

            name = self.options.name or (_("触摸终端") if self.options.mode == "terminal" else _("大屏"))
            self.link = ServerLink(
                self.options.server, self.store, self.deliver, mode=self.options.mode, name=name,
                library=self.library, outbox=self.outbox,
            ).start()
            self._events.append(Clock.schedule_interval(lambda _dt: self.send_preview(), PREVIEW_SECONDS))
        if self.options.exit_after is not None:
            self._events.append(Clock.schedule_once(self._finish, self.options.exit_after))

    def on_stop(self) -> None:
        for event in self._events:
            event.cancel()
        self._events = []
        Window.unbind(on_touch_down=self._on_any_touch, size=self._on_resize)
        if getattr(self, "sm", None) is not None and self.sm.has_screen("reader"):
            self.sm.get_screen("reader").clear()  # stops a playing video and its poll
        self.study.stop()
        self.narrator.close()
        if self.link is not None:
            self.link.stop()
        if self.outbox is not None:
            self.outbox.close()

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
        kind = message.get("type")
        if kind == protocol.PREVIEW_REQUESTED:
            Clock.schedule_once(lambda _dt: self.send_preview(), 0)
        elif kind == st.SERVER_INFO and message.get("server_time"):
            try:
                server = dt.datetime.fromisoformat(str(message["server_time"]))
                self.server_offset = (server - dt.datetime.now(dt.UTC)).total_seconds()
            except ValueError:
                pass
        elif kind == CONTENT_SYNCED:
            self.study.refresh()
        elif kind == STUDY_SYNCED:
            self.study.on_synced(message)
        elif kind == protocol.SCREEN_UPDATED:
            self._loop_index, self._loop_until = -1, 0.0  # a new plan starts from its first page
            Clock.schedule_once(lambda _dt: self.rotate_wall(), 0)
        elif kind == protocol.MEMBER_LOGIN and self.options.mode == "terminal":
            self.study.logged_in(dict(message.get("summary") or {}))
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
        if s.screen and s.screen.get("utc_offset_minutes") is not None:
            present.set_room_offset(int(s.screen["utc_offset_minutes"]))
        console = s.console or {}
        poll = console.get("poll") if console.get("step") == "poll" and console.get("poll") else s.poll
        if (poll or {}) != self.poll:
            self.poll = dict(poll or {})
        if (s.message_wall or {}) != self.message_wall:
            self.message_wall = dict(s.message_wall or {})
        if (s.contest or {}) != self.contest:
            self.contest = dict(s.contest or {})
            self.arena.update(self.contest)
            self.host.update(self.contest)
            if self.contest.get("status") == "finished":  # the podium stays up for a while
                self._podium_until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=PODIUM_SECONDS)
        if s.stats is not None and s.stats is not self._stats_seen:
            self._stats_seen = s.stats
            self.stats = dict(s.stats)
        if self.options.mode == "wall":
            self.board.show(s.signin, self.options.server)
        else:
            self.desk.update(s.signin)
            self.emergency.update(wallplan.emergencies_for(s) if s.paired else [])
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
            choice = wallplan.choose(s, dt.datetime.now(dt.UTC), self._loop_index, self._podium_until)
            if choice.entry != self.wall_entry:
                self.wall_entry = choice.entry
            if current != choice.screen:
                self.show(choice.screen)
        elif not current or current == "pairing":  # None before the first screen
            self.show(self.home_screen)

    # --- navigation and actions (one call from KV each) --------------------------------------------

    def show(self, name: str) -> None:
        if not self.sm.has_screen(name):
            self.sm.add_widget(create(name))
        if name != self.sm.current:
            self.narrator.stop()  # what was read aloud belongs to the screen being left
        self.sm.current = name
        if self.link is not None:
            self.link.screen = name

    def back(self, target: str) -> None:
        """The back button of a TopBar."""
        if target == SIGNIN_TARGET:
            self.desk.back()
        elif target == STUDY_CLOSE:
            self.study.close_item()
        elif target == HOST_EXIT:
            self.host.leave()
        elif target == MEETING_EXIT:
            self.meeting.leave()
        else:
            self.show(target)

    def open_tile(self, key: str) -> None:
        """A tile or button of the home screen (every one of them leads somewhere: no "coming soon")."""
        {"signin": self.desk.start, "study": self.study.open_library, "contests": self.arena.open_hub,
         "stats": lambda: self.show("wall_stats"), "meeting_host": self.meeting.open,
         "honour": lambda: self.show("honour"), "announcements": lambda: self.show("announcements")}[key]()

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

    def toggle_large_type(self) -> None:
        """The 大字 button on every screen's top bar: larger, stronger type everywhere until the session ends."""
        self.type_scale.toggle()

    def end_session(self) -> None:
        """A member's session ended (logout, idle): standard type again, and nothing goes on reading aloud."""
        self.type_scale.reset()
        self.narrator.stop()

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
        if self.sm.current == "reader":
            self.study.clock.touch()
        return False

    def _on_resize(self, _window: Any, size: tuple[int, int]) -> None:
        self.portrait = size[0] < size[1]
        self.tile_columns = 2 if self.portrait else 3

    def _tick(self, _dt: float) -> None:
        # The room's time, not this machine's: the server's clock in the organisation's time zone.
        now = wallplan.local_now(self.state, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.server_offset))
        self.clock_text = present.clock_text(now)
        self.date_text = present.date_text(now)
        self._ticks += 1
        if self.options.mode == "wall" and self.state.paired:
            if time.monotonic() >= self._loop_until:
                self.rotate_wall()
            else:
                self._route()  # timed panels start and end on the minute
        if self._ticks % WALL_ROTATE_SECONDS == 0 and len(self.state.announcements) > 1:
            self._wall_index += 1
            self._show_wall_page()
        self.check_idle()
        if self.sm.current == "contest_play":
            self.arena.tick()
        elif self.sm.current == "contest_host":
            self.host.tick()
        elif self.sm.current == "exam":
            self.exams.tick()

    def rotate_wall(self) -> None:
        """The idle loop's next page, shown for its entry's seconds."""
        self._loop_index += 1
        loop = wallplan.loop_of(self.state)
        entry = loop[self._loop_index % len(loop)]
        self._loop_until = time.monotonic() + float(entry.get("seconds") or 20)
        if self.state.paired:
            self._route()

    def idle_held(self) -> bool:
        """Is something in progress that idle must not interrupt? A video playing (someone watches
        without touching the screen), or a contest hosted at this terminal and not finished (the players
        answer on their phones, the host watches the wall, for minutes on end), or a meeting run from this
        terminal's meeting host screen (the host speaks between taps; leaving the screen lets idle end it)."""
        running_meeting = self.meeting.active and self.sm.current == "meeting_host"
        return bool(self.study.clock.playing or self.host.hosting() or running_meeting)

    def check_idle(self) -> None:
        if self.options.mode != "terminal" or not self.state.paired:
            return
        now = time.monotonic()
        if self.idle_held():
            # Idle counts from when nothing holds the terminal any more: a full idle_seconds, with the
            # warning, after the video stops or the hosted contest is over.
            self.last_touch = now
        idle, limit = now - self.last_touch, self.idle_seconds()
        self.study.idle(idle, limit)  # warns, then logs the member out
        self.host.idle(idle, limit)  # warns on the host screen once the contest is over
        if idle >= limit and self.sm.current not in ("attract", "pairing"):
            self.end_session()
            self.study.clock.close()
            self.host.end()  # a host who walked away (not hosting any more) must enter the code again
            self.meeting.end()
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
