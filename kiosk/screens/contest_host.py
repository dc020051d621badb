"""主持竞赛, the host's controls at the terminal, for older hands: the contest's title, its state in big
type (等待开始 · 已加入 N 人, 第 n / N 题 · 剩余 s 秒, 本题已结束, 已结束) and at most two huge buttons
that fit the state, 结束竞赛 with a confirm step. Binds to ``app.host`` (kiosk.host.HostDesk)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class ContestHostScreen(Screen):
    pass
