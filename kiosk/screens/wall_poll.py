"""A poll on the wall: its QR to vote by phone, and the totals as bars, live (or the average rating)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.metrics import dp, sp
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.charts import BarChart  # noqa: F401  (the bars in the KV)
from kiosk.i18n import _


class WallPollScreen(Screen):
    qr_texture = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    note = StringProperty("")
    hint = StringProperty("")

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        app.bind(poll=self.show)
        self._url = ""
        self.show(app, app.poll)

    def show(self, app: Any, poll: dict[str, Any]) -> None:
        if not poll:
            return
        from kiosk.qr import qr_texture

        base = str(app.state.settings.get("public_url") or app.options.server).rstrip("/")
        url = f"{base}/v/{poll['id']}"
        if url != self._url:
            self._url, self.qr_texture = url, qr_texture(url)
        self.title = str(poll.get("title") or "")
        anonymous = _("无记名投票 · ") if poll.get("anonymous") else ""
        average = _(" · 平均 {a} 分").format(a=poll["average"]) if poll.get("average") else ""
        self.note = anonymous + _("已投 {n} 人").format(n=poll.get("voters", 0)) + average
        options = poll.get("options") or []
        top = max([int(o.get("count") or 0) for o in options] + [1])
        bars = self.ids.bars
        bars.scale = top
        few = len(options) <= 5  # readable from across the room: big rows when there is room for them
        bars.row_height, bars.font_size = (dp(100), sp(42)) if few else (dp(60), sp(30))
        self.hint = (_("无记名投票：只记录是否已投，不记录投了什么") if poll.get("anonymous")
                     else _("每人一票，结果实时更新"))
        bars.rows = [{"name": ("★" * (o["index"] + 1)) if poll.get("kind") == "rating" else o["text"],
                               "value": o["count"], "text": _("{n} 票").format(n=o["count"])} for o in options]
