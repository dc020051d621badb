"""A poll on the wall: its QR to vote by phone, and the totals as bars, live (or the average rating). A
ballot whose totals are hidden shows only the turnout (voted / eligible) until the host reveals it; a
revealed 民主评议党员 shows each member's 优秀 count as a bar, with all four counts beside it."""

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
        eligible = poll.get("eligible")
        turnout = (_("已投 {n} / {m} 人").format(n=poll.get("voters", 0), m=eligible) if eligible is not None
                   else _("已投 {n} 人").format(n=poll.get("voters", 0)))
        state = "" if poll.get("open") else (_(" · 结果已公布") if poll.get("revealed") else _(" · 投票已结束"))
        self.note = anonymous + turnout + average + state
        options = [o for o in poll.get("options") or [] if "count" in o]
        if not options:  # totals hidden until the host reveals them: the turnout alone, as one bar
            bars = self.ids.bars
            bars.scale = max(int(eligible or 0), int(poll.get("voters") or 0), 1)
            bars.row_height, bars.font_size = dp(120), sp(44)
            short = f"{poll.get('voters', 0)} / {eligible}" if eligible is not None else str(poll.get("voters", 0))
            bars.rows = [{"name": _("投票进度"), "value": int(poll.get("voters") or 0), "text": short}]
            self.hint = (_("投票结束并由主持人公布后显示结果") if poll.get("open") or not poll.get("revealed")
                         else "")
            return
        top = max([int(o.get("count") or 0) for o in options] + [1])
        bars = self.ids.bars
        bars.scale = top
        few = len(options) <= 5  # readable from across the room: big rows when there is room for them
        bars.row_height, bars.font_size = (dp(100), sp(42)) if few else (dp(60), sp(30))
        self.hint = (_("无记名投票：只记录是否已投，不记录投了什么") if poll.get("anonymous")
                     else _("每人一票，结果实时更新"))
        if len(options) > 8:  # a 民主评议 of a whole branch: rows shrink to fit under the title
            room = max(self.height - dp(340), dp(300))  # under the title and the note
            bars.row_height = max(dp(24), min(dp(60), room / len(options) - bars.spacing))
            bars.font_size = bars.row_height * 0.55
        if poll.get("form") == "appraisal":
            self.hint = _("民主评议结果：条形为“优秀”票数")
            bars.rows = [{"name": o["text"], "value": o["count"], "text": _("优秀 {n}").format(n=o["count"])}
                         for o in options]
            return
        bars.rows = [{"name": ("★" * (o["index"] + 1)) if poll.get("kind") == "rating" else o["text"],
                               "value": o["count"], "text": _("{n} 票").format(n=o["count"])} for o in options]
