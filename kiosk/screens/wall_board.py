"""The wall's leaderboard: this month's top ten members and every branch by average points, fetched
when the page comes round (and kept from the last time when the server is away)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen


class WallBoardScreen(Screen):
    def on_pre_enter(self, *_args: Any) -> None:
        App.get_running_app().study.load_ranking("month")
