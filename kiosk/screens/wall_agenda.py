"""The meeting console's own page on the wall: the meeting's title, its agenda, the attendance and
quorum (应到 / 实到 / 有表决权实到 / 是否达到法定人数), or one of the meeting's photos. It shows what
``app.wall_entry`` (the console's step, from the server) says; the wall picks it in ``kiosk.wallplan``."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _


class WallAgendaScreen(Screen):
    title = StringProperty("")
    subtitle = StringProperty("")
    heading = StringProperty("")
    agenda = ListProperty([])
    figures = ListProperty([])  # [(value, label)]: 应到, 实到, 有表决权实到, 法定人数
    quorum_text = StringProperty("")
    quorum_ok = BooleanProperty(False)
    photo = StringProperty("")
    caption = StringProperty("")

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        app.bind(wall_entry=self.show)
        self.show(app, app.wall_entry)

    def show(self, app: Any, entry: dict[str, Any]) -> None:
        if not entry or "meeting" not in entry:
            return
        meeting = entry.get("meeting") or {}
        step = str(entry.get("step") or "agenda")
        self.title = str(meeting.get("title") or "")
        self.subtitle = "  ·  ".join(p for p in (str(meeting.get("type_label") or ""),
                                                 _("主持人 {h}").format(h=meeting["host"]) if meeting.get("host") else "")
                                     if p)
        self.heading = {"agenda": _("会议议程"), "quorum": _("到会情况"), "photo": _("活动照片"),
                        "contest": _("知识竞赛"), "messages": _("留言墙")}.get(step, _("会议议程"))
        self.agenda = [f"{n}. {line}" for n, line in enumerate(entry.get("agenda") or [], 1)]
        c = entry.get("counts") or {}
        self.figures = [(str(c.get("expected", 0)), _("应到")), (str(c.get("signed", 0)), _("实到")),
                        (str(c.get("voting_signed", 0)), _("有表决权实到（应到 {m}）").format(m=c.get("voting_expected", 0))),
                        (str(c.get("on_leave", 0)), _("请假"))]
        reached = c.get("quorum")
        self.quorum_ok = bool(reached)
        self.quorum_text = (_("不作表决，无法定人数要求") if reached is None else
                            _("已达到法定人数") if reached else
                            _("未达到法定人数（有表决权实到至少 {k} 人）").format(k=c.get("quorum_needed", 0)))
        photo = entry.get("photo") or {}
        if step == "photo" and photo.get("path"):
            base = str(app.state.settings.get("public_url") or app.options.server).rstrip("/")
            self.photo, self.caption = base + str(photo["path"]), str(photo.get("caption") or "")
        else:
            self.photo, self.caption = "", ""
