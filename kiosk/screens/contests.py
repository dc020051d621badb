"""知识竞赛 at a terminal: the room's live contest (join here, for members without a phone) and the
leaderboard. Binds to ``app.arena`` (kiosk.arena.ArenaDesk)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class ContestsScreen(Screen):
    pass
