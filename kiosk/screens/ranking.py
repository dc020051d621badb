"""积分排行: the members' top ten and every branch (by average), for this week, month, year or all time,
and the logged-in member's own rank. Binds to ``app.study``."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class RankingScreen(Screen):
    pass
