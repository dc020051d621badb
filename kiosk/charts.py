"""Charts for the big screen, drawn with Kivy's canvas: horizontal bars, a line with its area, and a
ring. Readable from five metres: thick strokes, few labels, large type. Values animate to their new
size when an update arrives, so a change is noticed from across the room.
"""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.graphics import Color, Ellipse, Line, Mesh, Rectangle, RoundedRectangle
from kivy.metrics import dp, sp
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

GOLD = (0.99, 0.82, 0.36, 1)
CREAM = (1, 0.97, 0.9, 1)
MUTED = (0.98, 0.87, 0.78, 1)
TRACK = (0.33, 0.02, 0.03, 1)
ANIMATE_SECONDS = 0.6


class Bar(Widget):
    """One bar: a track and a gold fill of ``fraction`` of its width (animated)."""

    fraction = NumericProperty(0.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            Color(*TRACK)
            self._track = RoundedRectangle(radius=[dp(10)])
            Color(*GOLD)
            self._fill = RoundedRectangle(radius=[dp(10)])
        self.bind(pos=self._draw, size=self._draw, fraction=self._draw)

    def _draw(self, *_a: Any) -> None:
        self._track.pos, self._track.size = self.pos, self.size
        self._fill.pos = self.pos
        self._fill.size = (max(0.0, min(1.0, self.fraction)) * self.width, self.height)


class BarChart(BoxLayout):
    """Rows of name · bar · value; ``rows`` is [{"name", "value", "text"}], scaled to the largest value
    (or to ``scale`` when given, e.g. 1.0 for rates)."""

    rows = ListProperty([])
    scale = NumericProperty(0)
    font_size = NumericProperty(sp(30))
    row_height = NumericProperty(dp(64))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=dp(14), **kwargs)
        self._bars: list[Bar] = []
        self.bind(rows=self._rebuild)

    def _rebuild(self, *_a: Any) -> None:
        top = self.scale or max([float(r.get("value") or 0) for r in self.rows] + [0]) or 1.0
        if len(self._bars) != len(self.rows):
            self.clear_widgets()
            self._bars = []
            for _row in self.rows:
                line = BoxLayout(spacing=dp(16), size_hint_y=None, height=self.row_height)
                name = Label(size_hint_x=0.4, font_size=self.font_size, bold=True, color=CREAM, halign="right",
                             valign="middle", shorten=True)
                name.bind(size=lambda lb, s: setattr(lb, "text_size", s))
                bar = Bar(size_hint_y=0.62, pos_hint={"center_y": 0.5})
                value = Label(size_hint_x=0.2, font_size=self.font_size, bold=True, color=GOLD, halign="left",
                              valign="middle")
                value.bind(size=lambda lb, s: setattr(lb, "text_size", s))
                line.add_widget(name)
                line.add_widget(bar)
                line.add_widget(value)
                self.add_widget(line)
                self._bars.append(bar)
            self.add_widget(Widget())  # rows keep their height, from the top
        lines = [w for w in reversed(self.children) if isinstance(w, BoxLayout)]
        for line, bar, row in zip(lines, self._bars, self.rows, strict=True):
            name, _bar, value = reversed(line.children)
            name.text, value.text = str(row.get("name") or ""), str(row.get("text") or row.get("value") or "")
            Animation.cancel_all(bar)
            Animation(fraction=float(row.get("value") or 0) / top, d=ANIMATE_SECONDS, t="out_quad").start(bar)


class LineChart(Widget):
    """A line with a filled area under it; ``values`` oldest first, ``labels`` under the first, middle
    and last points, and the largest value written above its point."""

    values = ListProperty([])
    labels = ListProperty([])
    caption = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._texts: list[Label] = []
        self.bind(pos=self._draw, size=self._draw, values=self._draw, labels=self._draw)

    def _draw(self, *_a: Any) -> None:
        self.canvas.clear()
        for label in self._texts:
            self.remove_widget(label)
        self._texts = []
        values = [float(v) for v in self.values]
        if len(values) < 2 or self.width < 10:
            return
        pad_bottom, pad_top = dp(56), dp(56)
        x0, y0, w, h = self.x + dp(8), self.y + pad_bottom, self.width - dp(16), self.height - pad_bottom - pad_top
        top = max(values) or 1.0
        step = w / (len(values) - 1)
        points = [(x0 + i * step, y0 + (v / top) * h) for i, v in enumerate(values)]
        flat = [c for p in points for c in p]
        with self.canvas:
            Color(*TRACK)
            Rectangle(pos=(x0, y0 - dp(3)), size=(w, dp(3)))
            Color(GOLD[0], GOLD[1], GOLD[2], 0.25)
            vertices: list[float] = []
            for px, py in points:
                vertices += [px, y0, 0, 0, px, py, 0, 0]
            Mesh(vertices=vertices, indices=list(range(len(points) * 2)), mode="triangle_strip")
            Color(*GOLD)
            Line(points=flat, width=dp(3.5), joint="round", cap="round")
            for px, py in points:
                Ellipse(pos=(px - dp(7), py - dp(7)), size=(dp(14), dp(14)))
        peak = values.index(max(values))
        marks = {0, len(values) // 2, len(values) - 1}
        for i in sorted(marks):
            if i < len(self.labels):
                self._text(str(self.labels[i]), points[i][0], self.y + dp(8), MUTED)
        if max(values) > 0:
            self._text(f"{values[peak]:g}", points[peak][0], points[peak][1] + dp(12), GOLD, bold=True)

    def _text(self, text: str, cx: float, y: float, color: tuple[float, ...], bold: bool = False) -> None:
        label = Label(text=text, font_size=sp(26), color=color, bold=bold, size_hint=(None, None))
        label.texture_update()
        label.size = label.texture_size
        label.pos = (cx - label.width / 2, y)
        self.add_widget(label)
        self._texts.append(label)


class Ring(Widget):
    """A ring filled ``fraction`` of the way round (animated), with a big figure in the middle."""

    fraction = NumericProperty(0.0)
    shown = NumericProperty(0.0)  # the animated fraction actually drawn
    text = StringProperty("")
    caption = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._figure = Label(font_size=sp(64), bold=True, color=GOLD)
        self._caption = Label(font_size=sp(26), color=MUTED)
        self.add_widget(self._figure)
        self.add_widget(self._caption)
        self.bind(pos=self._draw, size=self._draw, shown=self._draw, text=self._draw, caption=self._draw)
        self.bind(fraction=self._animate)

    def _animate(self, *_a: Any) -> None:
        Animation.cancel_all(self, "shown")
        Animation(shown=max(0.0, min(1.0, self.fraction)), d=ANIMATE_SECONDS, t="out_quad").start(self)

    def _draw(self, *_a: Any) -> None:
        self.canvas.before.clear()
        r = min(self.width, self.height) / 2 - dp(14)
        if r <= 0:
            return
        cx, cy = self.center
        with self.canvas.before:
            Color(*TRACK)
            Line(circle=(cx, cy, r), width=dp(14))
            Color(*GOLD)
            if self.shown > 0:
                Line(circle=(cx, cy, r, 0, 360 * self.shown), width=dp(14), cap="round")
        self._figure.text, self._caption.text = self.text, self.caption
        self._figure.center = (cx, cy + dp(14))
        self._caption.center = (cx, cy - dp(40))


def percent(rate: Any) -> str:
    return "—" if rate is None else f"{round(float(rate) * 100):d}%"
