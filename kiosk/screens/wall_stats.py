"""The wall's activity panels: today's and this week's figures, the fortnight's study trend, attendance
by branch this month (bars and an overall ring), points by branch and this week's top learners.

Bound to ``app.stats`` (the server's ``stats`` snapshot part, replaced by each ``stats.updated``)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.charts import percent
from kiosk.i18n import _


class WallStatsScreen(Screen):
    today_people = StringProperty("0")
    today_minutes = StringProperty("0")
    week_learners = StringProperty("0")
    month_signins = StringProperty("0")
    top_text = StringProperty("")

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        app.bind(stats=self.show)
        self.show(app, app.stats)

    def show(self, _app: Any, stats: dict[str, Any]) -> None:
        figures = stats.get("figures") or {}
        today, week, month = figures.get("today") or {}, figures.get("week") or {}, figures.get("month") or {}
        self.today_people = str(today.get("people", 0))
        self.today_minutes = str(today.get("study_minutes", 0))
        self.week_learners = str(week.get("learners", 0))
        self.month_signins = str(month.get("signins", 0))
        trend = stats.get("trend") or []
        self.ids.trend.labels = [t.get("label", "") for t in trend]
        self.ids.trend.values = [t.get("minutes", 0) for t in trend]
        attendance = [a for a in stats.get("attendance") or [] if a.get("expected")]
        self.ids.attendance.rows = [{"name": a.get("name"), "value": a.get("rate") or 0, "text": percent(a.get("rate"))}
                                    for a in attendance]
        expected = sum(int(a.get("expected") or 0) for a in attendance)
        present = sum(int(a.get("present") or 0) for a in attendance)
        self.ids.ring.fraction = present / expected if expected else 0
        self.ids.ring.text = percent(present / expected) if expected else "—"
        self.ids.points.rows = [{"name": b.get("name"), "value": b.get("points") or 0,
                                 "text": _("{p:g} 分").format(p=float(b.get("points") or 0))}
                                for b in (stats.get("points_by_branch") or [])[:6]]
        self.top_text = "\n".join(
            _("{n}. {name}  {branch}  {m} 分钟").format(n=i, name=t.get("name"), branch=t.get("branch", ""),
                                                     m=t.get("minutes", 0))
            for i, t in enumerate(stats.get("top_learners") or [], 1)) or _("本周还没有学习记录")


