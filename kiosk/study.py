"""The terminal's study desk: browsing the library, searching by pinyin initials, reading, watching,
paging through documents, and the member whose minutes and points are being counted.

``StudyDesk`` holds the properties the study screens bind to and the one-call actions their buttons
make; the rules and texts are plain functions in ``kiosk.studying``. Requests go through the network
thread (``ServerLink``) and come back here by ``Clock.schedule_once``. Study time is counted by a
``StudyClock`` whose spans go to the on-disk ``Outbox`` first and to the server when it can be reached,
so nothing is lost while the server is down. Runs on the UI thread only.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty

from kiosk import pinchange
from kiosk import studying as sv
from kiosk.answers import when_done
from kiosk.i18n import _
from kiosk.idlenotice import IdleNotice
from kiosk.net import HttpError
from kiosk.outbox import Outbox
from kiosk.studyclock import StudyClock

log = logging.getLogger(__name__)
NUMBER, PIN, NEW_PIN = "number", "pin", "new_pin"  # NEW_PIN: replacing an initial PIN (kiosk.pinchange)
LOGOUT_WARNING_SECONDS = 15  # the member is told this long before an idle logout
SEARCH_DEBOUNCE = 0.15


class StudyDesk(EventDispatcher):
    tile_note = StringProperty("")
    # who is studying
    member = DictProperty({})  # the server's summary of the logged-in member ({} when nobody)
    member_name = StringProperty("")
    member_text = StringProperty("")
    points_text = StringProperty("")
    recent_rows = ListProperty([])
    # the library
    shelves = ListProperty([])  # [{"key": id, "text": name, "selected": bool}]
    shelf = NumericProperty(sv.NEWEST)
    shelf_title = StringProperty("")
    rows = ListProperty([])
    empty_text = StringProperty("")
    # search
    initials = StringProperty("")
    search_rows = ListProperty([])
    search_hint = StringProperty("")
    # the open item
    item = DictProperty({})
    item_kind = StringProperty("")
    item_title = StringProperty("")
    item_meta = StringProperty("")
    loading = BooleanProperty(False)
    font_scale = NumericProperty(1.0)
    study_text = StringProperty("")
    page = NumericProperty(1)
    page_count = NumericProperty(0)
    page_source = StringProperty("")
    media_source = StringProperty("")
    # leaderboards
    rank_period = StringProperty("week")
    rank_members = ListProperty([])
    rank_branches = ListProperty([])
    my_rank_text = StringProperty("")
    # 量化考核
    assessment_rows = ListProperty([])
    assessment_text = StringProperty("")
    assessment_year = StringProperty("")
    # 学习计划 (必学)
    plan_rows = ListProperty([])
    plan_text = StringProperty("")
    # login
    login_step = StringProperty(NUMBER)
    number = StringProperty("")
    pin_dots = StringProperty("")
    login_error = StringProperty("")
    login_busy = BooleanProperty(False)
    login_url = StringProperty("")
    login_prompt = StringProperty("")

    def __init__(self, app: Any, outbox: Outbox | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.outbox = outbox
        self.clock = StudyClock(self._keep_span)
        self._pin = ""
        self._sent_pin = ""  # held only until the server answers (an initial PIN must be replaced)
        self._change: pinchange.PinChange | None = None
        self._records: dict[int, dict[str, Any]] = {}
        self._reasons: dict[int, str] = {}
        self._recommended: list[dict[str, Any]] = []
        self._search_event: Any = None
        self._notice = IdleNotice()  # before the idle logout
        self._tick_event: Any = None
        self.member_text = sv.member_line(None)
        self.refresh()

    # --- the library -----------------------------------------------------------------------------------

    @property
    def library(self) -> Any:
        return self.app.library

    def refresh(self) -> None:
        """The content index changed (synced from the server): rebuild the shelves and the list."""
        shelves = [{"key": sv.NEWEST, "text": _("最新")}]
        if self.member:
            shelves.append({"key": sv.FOR_YOU, "text": _("为你推荐")})
        shelves += [{"key": int(c["id"]), "text": str(c.get("name") or "")}
                    for c in self.library.categories if c.get("count", 1)]
        if self.shelf not in {s["key"] for s in shelves}:
            self.shelf = sv.NEWEST
        self.shelves = [{**s, "selected": s["key"] == self.shelf} for s in shelves]
        count = len(self.library.items)
        self.tile_note = _("共 {n} 篇").format(n=count) if count else _("文章、视频、文件")
        self._show_shelf()

    def open_library(self) -> None:
        self.refresh()
        self.app.show("library")

    def pick_shelf(self, key: int) -> None:
        self.shelf = int(key)
        self.shelves = [{**s, "selected": s["key"] == self.shelf} for s in self.shelves]
        self._show_shelf()
        if self.shelf == sv.FOR_YOU:
            self._load_recommendations()

    def _show_shelf(self) -> None:
        if self.shelf == sv.FOR_YOU:
            items, self.shelf_title = self._recommended, _("为你推荐")
        elif self.shelf == sv.NEWEST:
            items, self.shelf_title = self.library.items[:60], _("最新发布")
        else:
            items = self.library.in_category(self.shelf)
            self.shelf_title = next((s["text"] for s in self.shelves if s["key"] == self.shelf), "")
        self.rows = sv.item_rows(items, self._records, self._reasons if self.shelf == sv.FOR_YOU else None)
        self.empty_text = "" if self.rows else (
            _("暂无推荐，先去学习几篇吧") if self.shelf == sv.FOR_YOU else _("这里还没有内容"))

    def _load_recommendations(self) -> None:
        member_id = (self.member.get("member") or {}).get("id")
        if not member_id:
            return
        when_done(self.app.link and self.app.link.recommendations(member_id), self._on_recommendations)

    def _on_recommendations(self, answer: Any, _error: HttpError | None) -> None:
        recs = (answer or {}).get("items") or (answer or {}).get("recommendations") or []
        self._recommended = [r.get("item") or r for r in recs]
        self._reasons = {int((r.get("item") or r).get("id") or 0): "；".join(r.get("reasons") or [])
                         for r in recs}
        if self.shelf == sv.FOR_YOU:
            self._show_shelf()

    # --- search by pinyin initials -------------------------------------------------------------------

    def open_search(self) -> None:
        self.initials, self.search_rows = "", []
        self.search_hint = _("按拼音首字母查找，例如输入 DZ 查找“党章”")
        self.app.show("search")

    def press_letter(self, key: str) -> None:
        self.initials = sv.press(self.initials, key, sv.INITIALS_MAX)
        if self._search_event is not None:
            self._search_event.cancel()
        if not self.initials:
            self.search_rows, self.search_hint = [], _("按拼音首字母查找，例如输入 DZ 查找“党章”")
            return
        self._search_event = Clock.schedule_once(lambda _dt: self._search(self.initials), SEARCH_DEBOUNCE)

    def _search(self, letters: str) -> None:
        future = self.app.link.search(initials=letters) if self.app.link else None
        if future is None:
            self._on_search(letters, self.library.search(initials=letters), None)
            return
        when_done(future, partial(self._on_search, letters))

    def _on_search(self, letters: str, answer: Any, _error: HttpError | None) -> None:
        if letters != self.initials:
            return  # a newer tap is on its way
        items = answer if isinstance(answer, list) else self.library.search(initials=letters)
        self.search_rows = sv.item_rows(items, self._records)
        self.search_hint = (_("找到 {n} 条").format(n=len(items)) if items
                            else _("没有找到“{q}”开头的内容").format(q=letters))

    # --- reading, watching, paging ---------------------------------------------------------------------

    def open_item(self, item_id: int) -> None:
        item_id = int(item_id)
        summary = self.library.summary(item_id) or {"id": item_id}
        self._show_item(summary, loading=True)
        self.app.show("reader")
        future = self.app.link.item(item_id) if self.app.link else None
        if future is None:
            self._on_item(item_id, self.library.load_item(item_id), None)
        else:
            when_done(future, partial(self._on_item, item_id))

    def _show_item(self, item: dict[str, Any], *, loading: bool) -> None:
        self.item, self.loading = dict(item), loading
        self.item_kind = str(item.get("kind") or "")
        self.item_title = str(item.get("title") or "")
        self.item_meta = " · ".join(p for p in (sv.item_meta(item), str(item.get("source") or ""),
                                                 str(item.get("published_at") or "")[:10]) if p)
        self.page, self.page_count = 1, int(item.get("page_count") or 0)
        self.page_source = self.media_source = ""

    def _on_item(self, item_id: int, answer: Any, error: HttpError | None) -> None:
        if int(self.item.get("id") or 0) != item_id or self.app.sm.current != "reader":
            return
        if not answer:
            cached = self.library.load_item(item_id)
            if cached:
                answer = cached
            else:
                self.loading = False
                self.app.show("library")
                self.app.notice(_("无法打开"), error.message if error and error.message else
                                _("该内容已下架，或暂时无法连接服务器。"))
                return
        self._show_item(answer, loading=False)
        record = self._records.get(item_id) or {}
        self.clock.open(self._member_id(), item_id, position=float(record.get("position") or 0))
        self._update_study_text()
        self.app.sm.get_screen("reader").show_item(answer)
        if self.item_kind == "pdf":
            self.turn_page(0)
        elif self.item_kind in ("video", "audio") and answer.get("media_url"):
            self._fetch_media(str(answer["media_url"]), "media_source")

    def _fetch_media(self, url: str, prop: str) -> None:
        cached = self.library.cached_media(url)
        future = None if cached is not None or not self.app.link else self.app.link.media(url)
        if future is None:
            setattr(self, prop, str(cached or ""))
            return
        expected = int(self.item.get("id") or 0)

        def done(answer: Any, _error: HttpError | None) -> None:
            if int(self.item.get("id") or 0) == expected:
                setattr(self, prop, str(answer or ""))

        when_done(future, done)

    def turn_page(self, delta: int) -> None:
        if not self.page_count:
            return
        self.page = max(1, min(self.page_count, self.page + int(delta)))
        item_id = int(self.item.get("id") or 0)
        self._fetch_media(f"/api/content/items/{item_id}/pages/{self.page}.png?width=1400", "page_source")
        self.clock.touch()
        self.clock.report(position=self.page, progress=self.page / self.page_count,
                          completed=self.page == self.page_count)

    def scrolled(self, fraction_read: float) -> None:
        """The article was scrolled; ``fraction_read`` is how far down (0..1)."""
        self.clock.touch()
        self.clock.report(position=fraction_read, progress=fraction_read, completed=fraction_read >= 0.98)

    def video_state(self, position: float, duration: float, playing: bool, ended: bool = False) -> None:
        self.clock.report(position=position, progress=(position / duration) if duration else None,
                          completed=ended or None, playing=playing and not ended)

    def zoom(self, step: int) -> None:
        scales = sv.FONT_SCALES
        index = min(range(len(scales)), key=lambda i: abs(scales[i] - self.font_scale))
        self.font_scale = scales[max(0, min(len(scales) - 1, index + int(step)))]
        self.clock.touch()

    def close_item(self) -> None:
        self.clock.close()
        self.media_source = self.page_source = ""
        self.app.show("library")
        self._refresh_member()

    def continue_on_phone(self) -> None:
        from kiosk.widgets import QrView

        item_id = int(self.item.get("id") or 0)
        base = str(self.app.state.settings.get("public_url") or self.app.options.server).rstrip("/")
        QrView(title=_("用手机继续看"), message=_("用手机扫描二维码，在手机上接着看《{t}》").format(t=self.item_title),
               url=f"{base}/m/items/{item_id}").open(animation=not self.app.instant_transitions)

    # --- the clock ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        self.clock.tick()
        if self.app.sm.current == "reader":
            self._update_study_text()

    def _update_study_text(self) -> None:
        self.study_text = sv.study_status(self.member_name if self.clock.running else "", self.clock.total,
                                          self.item_kind)

    def _keep_span(self, span: dict[str, Any]) -> None:
        if self.outbox is not None:
            self.outbox.add(span)
        record = self._records.setdefault(int(span["item_id"]), {})
        record["progress"] = max(float(record.get("progress") or 0), float(span.get("progress") or 0))
        record["position"] = span.get("position")
        record["completed"] = bool(record.get("completed") or span.get("completed"))
        if self.app.link is not None:
            self.app.link.kick_outbox()

    def on_synced(self, answer: dict[str, Any]) -> None:
        """The server acknowledged outbox spans: refresh the member's minutes and points."""
        if answer.get("accepted"):
            self._refresh_member()

    # --- who is studying ------------------------------------------------------------------------------

    def _member_id(self) -> int | None:
        member_id = (self.member.get("member") or {}).get("id")
        return int(member_id) if member_id else None

    def open_login(self) -> None:
        self._change, self._sent_pin, self.login_prompt = None, "", ""
        self.login_step, self.number, self._pin, self.pin_dots = NUMBER, "", "", ""
        self.login_error, self.login_busy, self.login_url = "", False, ""
        self.app.show("study_login")
        when_done(self.app.link and self.app.link.login_qr(), self._on_login_qr)

    def _on_login_qr(self, answer: Any, _error: HttpError | None) -> None:
        self.login_url = str((answer or {}).get("url") or "")

    def press_login(self, key: str) -> None:
        self.login_error = ""
        if self.login_step == NUMBER:
            self.number = sv.press(self.number, key, sv.NUMBER_MAX)
        else:
            self._pin = sv.press(self._pin, key, sv.PIN_MAX)
            self.pin_dots = "●" * len(self._pin)

    def login_next(self) -> None:
        if self.login_step == NUMBER:
            if not self.number:
                self.login_error = _("请先输入党员编号")
                return
            self.login_step = PIN
            return
        if self.login_step == NEW_PIN and self._change is not None:
            error, body = self._change.submit(self._pin)
            self._pin, self.pin_dots, self.login_error = "", "", error
            self.login_prompt = self._change.prompt
            if body is not None:
                self.login_busy = True
                when_done(self.app.link and self.app.link.change_pin(body | {"number": self.number}),
                          self._on_pin_changed)
            return
        if len(self._pin) < 4:
            self.login_error = _("密码至少 4 位数字")
            return
        self._login(self._pin)

    def _login(self, pin: str) -> None:
        self._sent_pin, self._pin, self.pin_dots, self.login_busy = pin, "", "", True
        when_done(self.app.link and self.app.link.member_login(self.number, pin), self._on_login)

    def _on_pin_changed(self, answer: Any, error: HttpError | None) -> None:
        self.login_busy = False
        change, self._change = self._change, None
        if answer is None or change is None:
            if change is not None and error is not None and error.status == 400:
                change.refused()  # too easy to guess: the server says why; choose again
                self._change, self.login_prompt = change, change.prompt
                self.login_error = error.message
                return
            self.login_step, self.login_prompt = NUMBER, ""
            self.login_error = error.message if error is not None and error.message else _("暂时无法连接服务器，请稍后再试。")
            return
        self.login_step, self.login_prompt = PIN, ""
        self._login(change.new)  # logged in with the PIN just chosen

    def login_back(self) -> None:
        if self.login_step == NEW_PIN:
            self._change, self.login_prompt = None, ""
            self.login_step, self._pin, self.pin_dots, self.login_error = NUMBER, "", "", ""
        elif self.login_step == PIN:
            self.login_step, self._pin, self.pin_dots, self.login_error = NUMBER, "", "", ""
        else:
            self.app.show("library")

    def _on_login(self, answer: Any, error: HttpError | None) -> None:
        self.login_busy = False
        sent, self._sent_pin = self._sent_pin, ""
        if answer is None and pinchange.required(error):
            self._change = pinchange.PinChange(sent)
            self.login_step, self.login_prompt = NEW_PIN, self._change.prompt
            self.login_error = _("您正在使用密码条上的初始密码，请先设置您自己的密码。")
            return
        if answer is None:
            self.login_error = (error.message if error is not None and error.message
                                else _("暂时无法连接服务器，请稍后再试。"))
            if error is not None and error.status == 401:
                self.login_step = NUMBER
            return
        self.logged_in(answer)

    def logged_in(self, summary: dict[str, Any]) -> None:
        """A member identified (PIN here, or their phone confirmed this terminal's QR)."""
        previous = self._member_id()
        self._set_member(summary)
        if previous != self._member_id():
            self._records, self._recommended, self._reasons = {}, [], {}
        for r in summary.get("recent") or []:
            self._records[int(r["item_id"])] = r
        if self.app.sm.current == "reader" and self.item:
            self.clock.open(self._member_id(), int(self.item.get("id") or 0))
        elif self.app.sm.current in ("study_login", "home", "attract"):
            self.refresh()
            self.app.show("library")
        self.refresh()

    def _set_member(self, summary: dict[str, Any]) -> None:
        self.member = dict(summary)
        self.member_name = str((summary.get("member") or {}).get("name") or "")
        self.member_text = sv.member_line(summary)
        self.points_text = sv.points_lines(summary)
        self.recent_rows = sv.recent_rows(summary)

    def logout(self, *, notice: bool = False) -> None:
        self.clock.close()
        self.app.end_session()
        if self.member and self.app.link:
            self.app.link.member_logout()
        self._notice.dismiss()
        self.member, self.member_name = {}, ""
        self.member_text = sv.member_line(None)
        self._records, self._recommended, self._reasons = {}, [], {}
        self.assessment_rows, self.assessment_text, self.assessment_year = [], "", ""
        self.plan_rows, self.plan_text = [], ""
        self.refresh()
        if notice:
            self.app.notice(_("已退出登录"), _("长时间无人操作，已自动退出登录。您的学习记录已保存。"))

    def open_mine(self) -> None:
        if not self.member:
            self.open_login()
            return
        self._refresh_member()
        self._refresh_assessment()
        self.app.show("my_study")

    def open_plans(self) -> None:
        """学习计划: what is required of the logged-in member and what is done (tap an item to study it)."""
        member_id = self._member_id()
        if not member_id:
            self.open_login()
            return
        self.plan_rows, self.plan_text = [], _("正在读取学习计划…")
        self.app.show("plans")
        when_done(self.app.link and self.app.link.plans(member_id),
                  lambda answer, error: self._on_plans(member_id, answer, error))

    def _on_plans(self, member_id: int, answer: Any, _error: HttpError | None) -> None:
        if member_id != self._member_id():
            return  # someone else logged in meanwhile
        if answer is None:
            self.plan_text = _("暂时无法连接服务器")
            return
        self.plan_rows = sv.plan_rows(answer)
        self.plan_text = sv.plan_line(answer)

    def _refresh_assessment(self) -> None:
        member_id = self._member_id()
        self.assessment_rows, self.assessment_text, self.assessment_year = [], _("正在读取考核得分…"), ""
        if member_id:
            when_done(self.app.link and self.app.link.assessment(member_id),
                      lambda answer, error: self._on_assessment(member_id, answer, error))

    def _on_assessment(self, member_id: int, answer: Any, _error: HttpError | None) -> None:
        if member_id != self._member_id():
            return  # someone else logged in meanwhile
        if not answer:
            self.assessment_text = _("暂时无法连接服务器")
            return
        self.assessment_rows = sv.assessment_rows(answer)
        self.assessment_text = sv.assessment_line(answer)
        self.assessment_year = str(answer.get("year") or "")

    def _refresh_member(self) -> None:
        member_id = self._member_id()
        if member_id:
            when_done(self.app.link and self.app.link.member_summary(member_id), self._on_member)

    def _on_member(self, answer: Any, _error: HttpError | None) -> None:
        if answer and (answer.get("member") or {}).get("id") == self._member_id():
            self._set_member(answer)
            for r in answer.get("recent") or []:
                self._records[int(r["item_id"])] = r

    # --- leaderboards ---------------------------------------------------------------------------------

    def open_ranking(self) -> None:
        self.app.show("ranking")
        self.load_ranking(self.rank_period)

    def load_ranking(self, period: str) -> None:
        self.rank_period = period
        when_done(self.app.link and self.app.link.leaderboard(period), partial(self._on_board, period))
        member_id = self._member_id()
        self.my_rank_text = ""
        if member_id:
            when_done(self.app.link and self.app.link.member_rank(member_id, period),
                       partial(self._on_rank, period))

    def _on_board(self, period: str, answer: Any, _error: HttpError | None) -> None:
        if period != self.rank_period:
            return
        if answer is None:
            self.rank_members, self.rank_branches = [], []
            self.my_rank_text = _("暂时无法连接服务器")
            return
        self.rank_members, self.rank_branches = sv.rank_rows(answer, self._member_id())

    def _on_rank(self, period: str, answer: Any, _error: HttpError | None) -> None:
        if period == self.rank_period and answer:
            self.my_rank_text = sv.my_rank_line(self.member_name, answer)

    # --- idle logout -----------------------------------------------------------------------------------

    def idle(self, idle_seconds: float, limit: float) -> bool:
        """Called every second with how long nobody touched the screen; True when it logged out."""
        if self.clock.playing:
            return False  # someone is watching a video
        if not self.member:
            return False
        if idle_seconds >= limit:
            self.logout(notice=False)
            return True
        if idle_seconds < limit - LOGOUT_WARNING_SECONDS:
            self._notice.dismiss()
        else:
            self._notice.show(_("即将退出登录"), _("{name} 同志，{n} 秒后将自动退出登录。触摸屏幕可继续学习。").format(
                name=self.member_name, n=max(0, int(limit - idle_seconds))))
        return False

    @property
    def _warning(self) -> Any:
        """The logout notice on screen, if any."""
        return self._notice.view

    def start(self) -> None:
        """Start counting (from the app's on_start, once its screens exist)."""
        self._tick_event = Clock.schedule_interval(lambda _dt: self.tick(), 1)

    def stop(self) -> None:
        self.clock.close()
        if self._tick_event is not None:
            self._tick_event.cancel()
            self._tick_event = None

