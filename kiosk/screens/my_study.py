"""我的学习: the logged-in member's minutes, points, this year's 量化考核 and what they studied last
(tap to continue)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen

from kiosk.charts import BarChart  # noqa: F401  (the assessment bars in the KV)


class MyStudyScreen(Screen):
    pass
