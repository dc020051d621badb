"""The terminal's 服务窗口 and 我的档案 for the member logged in (``app.study.member``).

A terminal has no Chinese keyboard, so a request here is a category and one of the server's ready
phrases, tapped; longer text is written on the phone (``/m/services``). The member sees their requests
with status, deadline and answer, and their own record; a correction is asked for on the phone
(``/m/record``), where it needs typing. What the screens show is built by the pure functions at the
bottom (testable without a window); this desk only fetches, posts and sets properties.
"""

from __future__ import annotations

import uuid
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import ListProperty, StringProperty

from kiosk.answers import when_done
from kiosk.i18n import _
from kiosk.net import HttpError


class ServiceDesk(EventDispatcher):
    category_rows = ListProperty([])  # [{"key", "text", "selected"}]
    phrase_rows = ListProperty([])  # [{"text"}]
    request_rows = ListProperty([])  # [{"text"}]: one block per request
    status_text = StringProperty("")
    record_fields = StringProperty("")
    record_attendance = StringProperty("")
    record_figures = StringProperty("")
    record_corrections = StringProperty("")

    def __init__(self, app: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.app = app
        self._data: dict[str, Any] = {}
        self._category = ""
        self._data_of: int | None = None  # whose requests ``_data`` holds
        self._sending = False

    def _member_id(self) -> int | None:
        member_id = (self.app.study.member.get("member") or {}).get("id")
        return int(member_id) if member_id else None

    # --- 服务窗口 -----------------------------------------------------------------------------------
    def open(self) -> None:
        member_id = self._member_id()
        if member_id is None:
            self.app.study.open_login()
            return
        if member_id != self._data_of:  # never show the previous member's requests, even for a moment
            self._data, self._category = {}, ""
            self.category_rows, self.phrase_rows, self.request_rows = [], [], []
        self._data_of = member_id
        self.status_text = _("正在读取…")
        self.app.show("services")
        when_done(self.app.link and self.app.link.service_window(member_id),
                  lambda answer, error: self._on_window(member_id, answer, error))

    def _on_window(self, member_id: int, answer: Any, error: HttpError | None) -> None:
        if member_id != self._member_id():
            return
        if not answer:
            self.status_text = error.message if error else _("暂时无法连接服务器")
            return
        self._data = dict(answer)
        if not self._category and answer.get("categories"):
            self._category = str(answer["categories"][0]["key"])
        self._show()
        self.status_text = _("请选择类别，再点按一句话提交；要写更多，请用手机打开“服务窗口”。")

    def _show(self) -> None:
        self.category_rows = category_rows(self._data, self._category)
        self.phrase_rows = phrase_rows(self._data, self._category)
        self.request_rows = request_rows(self._data)

    def pick(self, key: str) -> None:
        self._category = key
        self._show()

    def send(self, text: str) -> None:
        member_id = self._member_id()
        if member_id is None or self._sending:
            return
        self._sending = True
        self.status_text = _("正在提交…")
        body = {"category": self._category, "text": text, "client_id": uuid.uuid4().hex[:20]}
        when_done(self.app.link and self.app.link.post_service(member_id, body),
                  lambda answer, error: self._on_sent(member_id, answer, error))

    def _on_sent(self, member_id: int, answer: Any, error: HttpError | None) -> None:
        self._sending = False
        if not answer:
            self.status_text = error.message if error else _("暂时无法连接服务器，请稍后再试")
            return
        self.status_text = _("已提交“{c}”，书记会在 {d} 前答复。").format(c=answer.get("category", ""),
                                                                  d=answer.get("due_on", ""))
        self._data["requests"] = [answer, *[r for r in self._data.get("requests") or [] if r.get("id") != answer.get("id")]]
        self._show()

    # --- 我的档案 ------------------------------------------------------------------------------------
    def open_record(self) -> None:
        member_id = self._member_id()
        if member_id is None:
            self.app.study.open_login()
            return
        self.record_fields = _("正在读取…")
        self.record_attendance = self.record_figures = self.record_corrections = ""
        self.app.show("my_record")
        when_done(self.app.link and self.app.link.own_record(member_id),
                  lambda answer, error: self._on_record(member_id, answer, error))

    def _on_record(self, member_id: int, answer: Any, error: HttpError | None) -> None:
        if member_id != self._member_id():
            return
        if not answer:
            self.record_fields = error.message if error else _("暂时无法连接服务器")
            return
        self.record_fields, self.record_attendance, self.record_figures, self.record_corrections = record_texts(answer)


# --- what the screens show (pure) --------------------------------------------------------------------


def category_rows(data: dict[str, Any], current: str) -> list[dict[str, Any]]:
    return [{"key": str(c["key"]), "text": str(c["label"]), "selected": c["key"] == current}
            for c in data.get("categories") or []]


def phrase_rows(data: dict[str, Any], current: str) -> list[dict[str, Any]]:
    found = next((c for c in data.get("categories") or [] if c["key"] == current), None)
    return [{"text": str(p)} for p in (found or {}).get("phrases") or []]


def request_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for r in (data.get("requests") or [])[:8]:
        head = f"{r.get('category', '')} · {r.get('status_label', '')} · {r.get('created', '')}"
        if r.get("answer"):
            tail = _("答复：{a}").format(a=r["answer"])
        else:
            tail = _("办理期限：{d}").format(d=r.get("due_on", ""))
        rows.append({"text": f"[b]{head}[/b]\n{r.get('text', '')}\n{tail}"})
    if not rows:
        rows.append({"text": _("您还没有提交过意见或需求。")})
    return rows


def record_texts(data: dict[str, Any]) -> tuple[str, str, str, str]:
    """(个人信息, 参加组织生活, 学习与考核, 更正申请) as the record screen's four blocks."""
    fields = "\n".join(f"{f['label']}：{f['value'] or _('未填写')}" for f in data.get("fields") or [])
    meetings = "\n".join(f"[b]{_('已到') if a['present'] else _('未到')}[/b]  {a['when']}\n{a['title']}"
                         for a in (data.get("attendance") or [])[:4]) or _("还没有会议记录。")
    study, points, assessment = data.get("study") or {}, data.get("points") or {}, data.get("assessment") or {}
    figures = [_("累计学习 {m} 分钟，学完 {c} 篇").format(m=study.get("minutes_total", 0), c=study.get("completed", 0)),
               _("总积分 {p}").format(p=points.get("total", 0)),
               _("{y} 年考核得分 {t:g}").format(y=assessment.get("year", ""), t=float(assessment.get("total") or 0))]
    dims = [f"{d['name']} {d['score']:g}" for d in assessment.get("dimensions") or []]
    figures += ["  ·  ".join(dims[i:i + 2]) for i in range(0, len(dims), 2)]
    corrections = "\n".join(f"{c['status_label']}：{c['field']} → {c['proposed']}" + (f"（{c['answer']}）" if c.get("answer") else "")
                            for c in (data.get("corrections") or [])[:5])
    note = _("信息有误？请在手机上打开“我的档案”申请更正。")
    return fields, meetings, "\n".join(figures), (corrections + "\n" + note) if corrections else note
