"""The live contest on the wall: the lobby (join QR, code, names arriving), each question with the
server's countdown, the reveal (the right answer, the distribution as bars, the top ten with rank
changes) and the podium (with the branches' averages in team mode).

Bound to ``app.contest`` (the server's ``contest`` snapshot part, replaced by each ``contest.state``).
The countdown runs on the wall's clock corrected by the server's (``app.server_offset``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.charts import BarChart, Ring
from kiosk.i18n import _
from kiosk.widgets import Panel, QrCode

GOLD = (0.99, 0.82, 0.36, 1)
CREAM = (1, 0.97, 0.9, 1)
MUTED = (0.98, 0.87, 0.78, 1)
RED = (0.66, 0.06, 0.08, 1)
RED_DARK = (0.33, 0.02, 0.03, 1)
PAPER = (1, 0.98, 0.94, 1)
INK = (0.16, 0.07, 0.06, 1)


def _label(text: str, size: float, color: tuple[float, ...] = CREAM, bold: bool = False, **kw: Any) -> Label:
    label = Label(text=text, font_size=sp(size), color=color, bold=bold, halign=kw.pop("halign", "center"),
                  valign="middle", **kw)
    label.bind(size=lambda lb, s: setattr(lb, "text_size", s))
    return label


class WallContestScreen(Screen):
    phase = StringProperty("")  # "<status>:<index>": the body is rebuilt when it changes
    countdown = StringProperty("")

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        app.bind(contest=self.show)
        self._ring: Ring | None = None
        self._lobby: Any = None
        self._count: Label | None = None
        self._tick = Clock.schedule_interval(lambda _dt: self._update_countdown(), 0.2)
        self.show(app, app.contest)

    def show(self, _app: Any, contest: dict[str, Any]) -> None:
        if not contest:
            return
        phase = f"{contest.get('status')}:{contest.get('index')}"
        self.ids.title.text = str(contest.get("title") or "")
        total = int(contest.get("total") or 0)
        index = int(contest.get("index") or 0)
        self.ids.progress.text = _("第 {i} / {n} 题").format(i=index, n=total) if index else _("共 {n} 题").format(n=total)
        if phase != self.phase:
            self.phase = phase
            body = self.ids.body
            body.clear_widgets()
            self._ring = self._lobby = self._count = None
            status = contest.get("status")
            builder = {"lobby": self._build_lobby, "question": self._build_question, "reveal": self._build_reveal,
                       "finished": self._build_podium}.get(str(status))
            if builder is not None:
                body.add_widget(builder(contest))
        if contest.get("status") == "lobby":
            self._fill_lobby(contest)

    # --- lobby -----------------------------------------------------------------------------------------

    def _build_lobby(self, contest: dict[str, Any]) -> BoxLayout:
        from kiosk.qr import qr_texture

        app = App.get_running_app()
        base = str(app.state.settings.get("public_url") or app.options.server).rstrip("/")
        box = BoxLayout(spacing=dp(48))
        left = Panel(orientation="vertical", padding=dp(24), spacing=dp(12), size_hint_x=0.42,
                     bg_color=PAPER, border_color=GOLD)
        left.add_widget(_label(_("手机扫码参加"), 40, RED, True, size_hint_y=None, height=dp(64)))
        qr = QrCode(texture=qr_texture(f"{base}/c/{contest.get('code')}"))
        left.add_widget(qr)
        left.add_widget(_label(_("竞赛码  {c}").format(c=contest.get("code")), 56, RED_DARK, True,
                               size_hint_y=None, height=dp(90)))
        right = BoxLayout(orientation="vertical", spacing=dp(16))
        self._count = _label("", 64, GOLD, True, size_hint_y=None, height=dp(110))
        right.add_widget(self._count)
        self._lobby = GridLayout(cols=4, spacing=dp(12), size_hint_y=None, row_default_height=dp(72),
                                 row_force_default=True)
        right.add_widget(self._lobby)
        right.add_widget(BoxLayout())
        box.add_widget(left)
        box.add_widget(right)
        return box

    def _fill_lobby(self, contest: dict[str, Any]) -> None:
        if self._lobby is None or self._count is None:
            return
        self._count.text = _("已加入 {n} 人，等待主持人开始").format(n=contest.get("players", 0))
        names = list(contest.get("lobby") or [])[:32]
        self._lobby.clear_widgets()
        for name in names:
            self._lobby.add_widget(_label(str(name), 34, CREAM, True))
        self._lobby.height = dp(84) * ((len(names) + 3) // 4)

    # --- question ----------------------------------------------------------------------------------------

    def _build_question(self, contest: dict[str, Any]) -> BoxLayout:
        q = contest.get("question") or {}
        box = BoxLayout(orientation="vertical", spacing=dp(24))
        top = BoxLayout(spacing=dp(32), size_hint_y=0.42)
        top.add_widget(_label(str(q.get("stem") or ""), 52, CREAM, True, halign="left"))
        self._ring = Ring(size_hint_x=None, width=dp(260), caption=_("秒"))
        top.add_widget(self._ring)
        box.add_widget(top)
        grid = GridLayout(cols=2, spacing=dp(24))
        for option in q.get("options") or []:
            tile = Panel(padding=dp(20), bg_color=RED, border_color=GOLD)
            text = option["text"] if option["label"] == option["text"] else f"{option['label']}.  {option['text']}"
            tile.add_widget(_label(text, 44, GOLD, True, halign="left"))
            grid.add_widget(tile)
        if q.get("kind") == "fill_blank":
            grid.add_widget(_label(_("请在手机上填写答案"), 44, GOLD, True))
        box.add_widget(grid)
        self._update_countdown()
        return box

    def _update_countdown(self) -> None:
        app = App.get_running_app()
        contest = app.contest if app else {}
        if not contest or contest.get("status") != "question" or self._ring is None:
            return
        q = contest.get("question") or {}
        try:
            closes = dt.datetime.fromisoformat(str(q.get("closes_at")))
        except ValueError:
            return
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=app.server_offset)
        seconds = float(contest.get("seconds") or 20)
        left = min(seconds, max(0.0, (closes - now).total_seconds()))
        self.countdown = f"{int(left + 0.999)}"
        self._ring.text = self.countdown
        self._ring.fraction = left / seconds if seconds else 0

    # --- reveal ------------------------------------------------------------------------------------------

    def _build_reveal(self, contest: dict[str, Any]) -> BoxLayout:
        box = BoxLayout(spacing=dp(40))
        left = BoxLayout(orientation="vertical", spacing=dp(12))
        left.add_widget(_label(_("正确答案：{a}").format(a=contest.get("answer", "")), 52, GOLD, True,
                               size_hint_y=None, height=dp(90), halign="left"))
        total = max(1, int(contest.get("answered") or 0))
        chart = BarChart(font_size=sp(34), row_height=dp(76), scale=total)
        answer = str(contest.get("answer") or "")
        chart.rows = [{"name": d["label"] + (_("（正确）") if d["label"] in answer and len(d["label"]) == 1 else ""),
                       "value": d["count"], "text": _("{n} 人").format(n=d["count"])}
                      for d in contest.get("distribution") or []]
        left.add_widget(chart)
        if contest.get("explanation"):
            left.add_widget(_label(_("解析：") + str(contest["explanation"]), 30, MUTED, halign="left",
                                   size_hint_y=None, height=dp(120)))
        box.add_widget(left)
        box.add_widget(self._board(contest, _("排行榜前十")))
        return box

    def _board(self, contest: dict[str, Any], heading: str) -> BoxLayout:
        column = BoxLayout(orientation="vertical", spacing=dp(6), size_hint_x=0.9)
        column.add_widget(_label(heading, 44, GOLD, True, size_hint_y=None, height=dp(72), halign="left"))
        for row in contest.get("board") or []:
            change = int(row.get("change") or 0)
            arrow = f"↑{change}" if change > 0 else (f"↓{-change}" if change < 0 else "")
            line = Panel(padding=(dp(16), 0), spacing=dp(12), size_hint_y=None, height=dp(62), bg_color=PAPER,
                         border_color=PAPER)
            line.add_widget(_label(_("第{n}名").format(n=row["rank"]), 28, RED, True, size_hint_x=0.34))
            line.add_widget(_label(str(row["name"]), 32, INK, True, halign="left"))
            line.add_widget(_label(str(row.get("branch") or ""), 24, INK, halign="left", size_hint_x=0.8))
            line.add_widget(_label(arrow, 28, RED, True, size_hint_x=0.22))
            line.add_widget(_label(str(row["score"]), 34, RED, True, size_hint_x=0.35))
            column.add_widget(line)
        column.add_widget(BoxLayout())
        return column

    # --- podium ------------------------------------------------------------------------------------------

    def _build_podium(self, contest: dict[str, Any]) -> BoxLayout:
        box = BoxLayout(spacing=dp(40))
        podium = BoxLayout(orientation="vertical", spacing=dp(16))
        podium.add_widget(_label(_("竞赛结束 · 前三名"), 56, GOLD, True, size_hint_y=None, height=dp(100)))
        steps = BoxLayout(spacing=dp(24))
        board = list(contest.get("board") or [])
        for place, height in ((1, 0.62), (0, 0.9), (2, 0.45)):  # second, first, third
            column = BoxLayout(orientation="vertical")
            column.add_widget(BoxLayout(size_hint_y=1 - height))
            step = Panel(orientation="vertical", padding=dp(16), size_hint_y=height, bg_color=RED, border_color=GOLD)
            if place < len(board):
                row = board[place]
                step.add_widget(_label(_("第{n}名").format(n=row["rank"]), 44, GOLD, True))
                step.add_widget(_label(str(row["name"]), 48, CREAM, True))
                step.add_widget(_label(_("{s} 分").format(s=row["score"]), 40, GOLD, True))
            column.add_widget(step)
            steps.add_widget(column)
        podium.add_widget(steps)
        box.add_widget(podium)
        if contest.get("teams"):
            teams = BarChart(font_size=sp(32), row_height=dp(70))
            teams.rows = [{"name": t["branch"], "value": t["average"], "text": f"{t['average']:g}"}
                          for t in contest["teams"]]
            column = BoxLayout(orientation="vertical", size_hint_x=0.8)
            column.add_widget(_label(_("支部平均分"), 44, GOLD, True, size_hint_y=None, height=dp(72)))
            column.add_widget(teams)
            box.add_widget(column)
        else:
            box.add_widget(self._board(contest, _("最终排名")))
        return box
