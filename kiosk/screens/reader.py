"""Reading, watching, paging: one screen whose body is built for the item's kind.

- article: the server's Markdown blocks (headings, paragraphs with Kivy markup, lists, quotes, images)
  as labels in a scroll view, sized by the desk's font scale (A- / A+ for older eyes);
- video and audio: the video player with a big play/pause button and a seek bar;
- PDF: the current page as an image rendered by the server, with previous and next;
- poster: the image.

What the member does (scrolling, turning pages, the video's position) goes to ``app.study``, whose
study clock counts the active time.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import AsyncImage, Image
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.slider import Slider

from kiosk import studying as sv
from kiosk.i18n import _

INK = (0.16, 0.07, 0.06, 1)
RED = (0.66, 0.06, 0.08, 1)
MUTED = (0.4, 0.25, 0.22, 1)
GOLD = (0.99, 0.82, 0.36, 1)
BASE_SIZES = {"heading": 44, "paragraph": 34, "list": 34, "quote": 32, "code": 26}


class ReaderScreen(Screen):
    speak_text = StringProperty("")  # what 朗读 reads: the article's title and text blocks

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.labels: list[tuple[Label, float]] = []
        self.video: Any = None
        self.scroll: ScrollView | None = None
        self._poll: Any = None
        self._bound: list[tuple[str, Any]] = []

    def _follow(self, prop: str, fn: Any) -> None:
        """Bind ``fn`` to the desk's ``prop`` until the next item (clear() unbinds it)."""
        self.desk.bind(**{prop: fn})
        self._bound.append((prop, fn))

    @property
    def desk(self) -> Any:
        return App.get_running_app().study

    def show_item(self, item: dict[str, Any]) -> None:
        self.clear()
        body = self.ids.body
        kind = str(item.get("kind") or "")
        if kind == "article":
            body.add_widget(self._article(item))
            self.speak_text = article_text(item)
        elif kind in ("video", "audio"):
            body.add_widget(self._player())
        elif kind == "pdf":
            body.add_widget(self._page_view())
        elif kind == "poster":
            image = Image(fit_mode="contain")
            self._follow("page_source", lambda _d, src: setattr(image, "source", src))
            body.add_widget(image)
            if item.get("media_url"):
                self.desk._fetch_media(str(item["media_url"]), "page_source")
        else:
            body.add_widget(Label(text=_("暂不支持该类型的内容"), font_size=sp(34)))

    def clear(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        if self.video is not None:
            self.video.state = "stop"
            self.video.unload()
            self.video = None
        for prop, fn in self._bound:
            self.desk.unbind(**{prop: fn})
        self._bound = []
        self.labels, self.scroll = [], None
        self.speak_text = ""
        self.ids.body.clear_widgets()

    def on_leave(self, *_args: Any) -> None:
        self.clear()

    # --- articles ---------------------------------------------------------------------------------------

    def _article(self, item: dict[str, Any]) -> ScrollView:
        column = BoxLayout(orientation="vertical", size_hint_y=None, padding=(dp(48), dp(32)), spacing=dp(20))
        column.bind(minimum_height=column.setter("height"))
        blocks = list(item.get("blocks") or [])
        if not blocks and item.get("summary"):
            blocks = [{"type": "paragraph", "text": str(item["summary"])}]
        for block in blocks:
            widget = self._block(block)
            if widget is not None:
                column.add_widget(widget)
        scroll = ScrollView(bar_width=dp(14), bar_color=RED, scroll_type=["bars", "content"],
                            do_scroll_x=False)
        with scroll.canvas.before:
            from kivy.graphics import Color, RoundedRectangle

            Color(1, 0.98, 0.94, 1)
            bg = RoundedRectangle(radius=[dp(18)])
        scroll.bind(pos=lambda s, _v: setattr(bg, "pos", s.pos), size=lambda s, _v: setattr(bg, "size", s.size))
        scroll.add_widget(column)
        scroll.bind(scroll_y=self._scrolled)
        self.scroll = scroll
        self._follow("font_scale", self._rescale)
        self._rescale(self.desk, self.desk.font_scale)
        return scroll

    def _block(self, block: dict[str, Any]) -> Any:
        kind = block.get("type")
        if kind == "image":
            url = str(block.get("url") or "")
            if not url:
                return None
            server = App.get_running_app().options.server
            return AsyncImage(source=url if url.startswith("http") else server + url, size_hint_y=None,
                              height=dp(420), fit_mode="contain")
        if kind == "rule":
            return Label(text="—" * 12, color=MUTED, size_hint_y=None, height=dp(40))
        if kind == "list":
            ordered = block.get("ordered")
            lines = [f"{n}. {t}" if ordered else f"•  {t}" for n, t in enumerate(block.get("items") or [], 1)]
            return self._label("\n".join(lines), "list")
        if kind == "heading":
            level = int(block.get("level") or 2)
            return self._label(f"[b]{block.get('text', '')}[/b]", "heading", scale=1.25 if level <= 1 else 1.0,
                               color=RED, halign="center" if level <= 1 else "left")
        if kind == "quote":
            return self._label(str(block.get("text") or ""), "quote", color=MUTED)
        if kind == "code":
            return self._label(str(block.get("text") or ""), "code")
        return self._label(str(block.get("text") or ""), "paragraph")

    def _label(self, text: str, kind: str, *, scale: float = 1.0, color: tuple[float, ...] = INK,
               halign: str = "left") -> Label:
        label = Label(text=text, markup=True, color=color, halign=halign, valign="top", size_hint_y=None,
                      line_height=1.45)
        label.bind(width=lambda lb, w: setattr(lb, "text_size", (w, None)),
                   texture_size=lambda lb, ts: setattr(lb, "height", ts[1]))
        self.labels.append((label, BASE_SIZES[kind] * scale))
        return label

    def _rescale(self, _desk: Any, scale: float) -> None:
        for label, base in self.labels:
            label.font_size = sp(base * scale)

    def _scrolled(self, scroll: ScrollView, scroll_y: float) -> None:
        if scroll.children and scroll.children[0].height > scroll.height:
            self.desk.scrolled(max(0.0, min(1.0, 1.0 - scroll_y)))

    # --- documents ----------------------------------------------------------------------------------------

    def _page_view(self) -> ScrollView:
        """A PDF page as wide as the screen allows (large print for older eyes), scrolled down to read."""
        scroll = ScrollView(bar_width=dp(14), bar_color=GOLD, do_scroll_x=False, scroll_type=["bars", "content"])
        image = Image(size_hint=(1, None), fit_mode="contain")

        def fit(*_a: Any) -> None:
            tw, th = image.texture_size
            image.height = image.width * th / tw if tw else scroll.height

        def show(_desk: Any, src: str) -> None:
            image.source = src
            scroll.scroll_y = 1  # a new page starts at its top

        image.bind(texture_size=fit, width=fit)
        scroll.bind(height=fit)
        self._follow("page_source", show)
        scroll.add_widget(image)
        if self.desk.page_source:
            show(self.desk, self.desk.page_source)
        return scroll

    # --- video and audio --------------------------------------------------------------------------------

    def _player(self) -> BoxLayout:
        from kivy.uix.video import Video

        from kiosk.widgets import BigButton

        box = BoxLayout(orientation="vertical", spacing=dp(16))
        video = Video(state="stop", options={"eos": "stop"}, fit_mode="contain")
        self.video = video
        controls = BoxLayout(size_hint_y=None, height=dp(110), spacing=dp(24))
        play = BigButton(text=_("加载中…"), size_hint_x=None, width=dp(240))
        seek = Slider(min=0, max=1, value=0, cursor_size=(dp(56), dp(56)))
        elapsed = Label(text="0:00 / 0:00", font_size=sp(30), size_hint_x=None, width=dp(260), color=GOLD)
        controls.add_widget(play)
        controls.add_widget(seek)
        controls.add_widget(elapsed)
        box.add_widget(video)
        box.add_widget(controls)
        self.play_button, self.seek_bar = play, seek

        def toggle(*_a: Any) -> None:
            if not video.source:
                return
            video.state = "pause" if video.state == "play" else "play"
            self.desk.clock.touch()

        dragging = [False]

        def grab(_slider: Any, touch: Any) -> None:
            dragging[0] = seek.collide_point(*touch.pos)

        def seek_to(_slider: Any, touch: Any) -> None:
            if dragging[0] and video.duration > 0:
                video.seek(seek.value, precise=True)
                self.desk.clock.touch()
            dragging[0] = False

        def loaded(_desk: Any, src: str) -> None:
            if src and self.video is video:
                video.source = src
                video.state = "play"

        play.bind(on_release=toggle)
        seek.bind(on_touch_down=grab, on_touch_up=seek_to)
        self._follow("media_source", loaded)
        if self.desk.media_source:
            loaded(self.desk, self.desk.media_source)

        desk = self.desk  # this app's desk, even if another app is running by the time the poll fires

        def poll(_dt: float) -> None:
            duration, position = float(video.duration or 0), float(video.position or 0)
            playing = video.state == "play"
            play.text = _("暂停") if playing else (_("播放") if video.source else _("加载中…"))
            if duration > 0:
                if not dragging[0]:
                    seek.value = min(1.0, position / duration)
                elapsed.text = f"{sv.clock_text(position)} / {sv.clock_text(duration)}"
            ended = duration > 0 and position >= duration - 0.5 and not playing
            desk.video_state(position, duration, playing, ended)

        self._poll = Clock.schedule_interval(poll, 0.5)
        return box


def article_text(item: dict[str, Any]) -> str:
    """The article as it is read aloud: title, then headings, paragraphs, list items and quotes in order."""
    parts = [str(item.get("title") or "")]
    blocks = list(item.get("blocks") or []) or [{"type": "paragraph", "text": str(item.get("summary") or "")}]
    for block in blocks:
        if block.get("type") == "list":
            parts.extend(f"{n}，{t}。" if block.get("ordered") else f"{t}。"
                         for n, t in enumerate(block.get("items") or [], 1))
        elif block.get("type") in ("heading", "paragraph", "quote"):
            parts.append(str(block.get("text") or ""))
    # a heading or a title has no full stop: give it one, so it is its own sentence when read
    return "\n".join(p if p.endswith(("。", "！", "？", "；")) else p + "。" for p in parts if p.strip())
