"""The terminal's formal tests (测评) for the member logged in: the list of tests open to them, then one
question at a time on big keys. Each tap is saved on the server at once (with a client id, so a resend
after a lost connection is stored once); nothing says right or wrong until the attempt is handed in or
the server closes it at its deadline. The time left is the server's, counted down here between answers.
Runs on the UI thread only."""

from __future__ import annotations

import time
import uuid
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.answers import when_done
from kiosk.i18n import _
from kiosk.net import HttpError


class ExamDesk(EventDispatcher):
    tests = ListProperty([])  # [{"exam_id", "text", "note"}] for the list screen
    list_note = StringProperty("")
    title = StringProperty("")
    stem = StringProperty("")
    options = ListProperty([])  # [{"label", "text", "picked", "kind", "mode": "exam"}]
    progress = StringProperty("")
    time_left = StringProperty("")
    note = StringProperty("")
    over = BooleanProperty(False)
    result = StringProperty("")

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.attempt: dict[str, Any] = {}
        self.position = 1
        self._ends_at = 0.0  # time.monotonic() when the server's remaining time runs out
        self._expired_asked = False

    def _member_id(self) -> int | None:
        member_id = (self.app.study.member.get("member") or {}).get("id")
        return int(member_id) if member_id else None

    def _call(self, method: str, path: str, body: dict[str, Any], handler: Any) -> None:
        when_done(self.app.link and self.app.link.exams(method, path, {"member_id": self._member_id(), **body}), handler)

    # --- the list -------------------------------------------------------------------------------------

    def open_list(self) -> None:
        if not self._member_id():
            self.app.study.open_login()
            return
        self.list_note = _("正在读取……")
        self._call("GET", "", {}, self._on_list)
        self.app.show("exams")

    def _on_list(self, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            self.list_note = error.message if error and error.message else _("暂时无法连接服务器")
            return
        states = {"upcoming": _("尚未开始"), "closed": _("已经结束")}
        tests = []
        for e in answer.get("exams", []):
            if e["current_attempt"]:
                go = _("继续答题")
            elif e["state"] in states:
                go = states[e["state"]]
            elif e["attempts_used"] >= e["max_attempts"]:
                go = _("次数已用完")
            else:
                go = _("开始答题")
            passed = _(" · 已通过") if e["passed"] else ""
            tests.append({"exam_id": e["id"], "text": f"{e['title']}    {go}",
                          "note": _("共 {n} 题 · 限时 {m} 分钟 · 答对 {p}% 及格 · 已答 {u}/{a} 次{passed}").format(
                              n=e["questions"], m=e["time_limit_minutes"], p=e["pass_percent"], u=e["attempts_used"],
                              a=e["max_attempts"], passed=passed)})
        self.tests = tests
        self.list_note = "" if tests else _("现在没有面向您的测评。")

    # --- taking a test ----------------------------------------------------------------------------------

    def start(self, exam_id: int) -> None:
        self._call("POST", f"{exam_id}/attempts", {}, self._on_attempt)

    def _on_attempt(self, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            self.app.notice(_("测评"), error.message if error and error.message else _("暂时无法连接服务器"))
            return
        self.attempt = answer
        self.title = str(answer.get("title") or "")
        self._expired_asked = False
        if answer.get("closed"):
            self._show_result()
        else:
            self._ends_at = time.monotonic() + int(answer.get("seconds_left") or 0)
            given = [q for q in answer["questions"] if q.get("given")]
            self.over = False
            self.note = _("已恢复上次的答题，可以接着答。") if given else _("每点一个答案都会立即保存。")
            nxt = next((q["position"] for q in answer["questions"] if not q.get("given")), 1)
            self.show_question(nxt)
            self.tick()
        if self.app.sm.current != "exam":
            self.app.show("exam")

    def _question(self) -> dict[str, Any] | None:
        return next((q for q in self.attempt.get("questions", []) if q["position"] == self.position), None)

    def show_question(self, position: int) -> None:
        self.position = position
        q = self._question()
        if q is None:
            return
        picked = str(q.get("given") or "")
        self.stem = q["stem"]
        self.options = [{"label": o["label"], "text": o["text"], "kind": q["kind"], "mode": "exam",
                         "picked": o["label"] == picked or (q["kind"] == "multiple" and o["label"] in picked)}
                        for o in q["options"]]
        answered = sum(1 for x in self.attempt["questions"] if x.get("given"))
        kind = {"single": _("单选题"), "multiple": _("多选题（可选多项）"), "true_false": _("判断题")}.get(q["kind"], "")
        self.progress = _("第 {i} / {n} 题 · {k} · 已答 {a} 题").format(i=position, n=len(self.attempt["questions"]),
                                                                   k=kind, a=answered)

    def choose(self, label: str) -> None:
        """An answer key: saved at once (a multiple choice saves the whole set picked so far)."""
        q = self._question()
        if q is None or self.over:
            return
        if q["kind"] == "multiple":
            given = set(str(q.get("given") or ""))
            given ^= {label}
            value = "".join(sorted(given))
        else:
            value = label
        previous = q.get("given")
        q["given"] = value or None
        self.show_question(self.position)
        if not value:
            q["given"] = previous  # the server keeps the last non-empty answer; ask for one
            self.note = _("多选题至少选一项。")
            return
        self.note = _("正在保存……")
        body = {"position": self.position, "answer": value, "client_id": uuid.uuid4().hex}
        self._call("POST", f"attempts/{self.attempt['id']}/answers", body, self._on_saved)

    def _on_saved(self, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            if error is not None and error.status == 409:  # the time ran out: the server handed it in
                self.refetch()
                return
            self.note = error.message if error and error.message else _("未能保存，请检查网络后再点一次答案。")
            return
        self.note = _("已保存。")
        self._ends_at = time.monotonic() + int(answer.get("seconds_left") or 0)

    def step(self, delta: int) -> None:
        total = len(self.attempt.get("questions", []))
        if total:
            self.show_question(min(total, max(1, self.position + delta)))

    def submit(self) -> None:
        if self.attempt and not self.over:
            self._call("POST", f"attempts/{self.attempt['id']}/submit", {}, self._on_attempt)

    def refetch(self) -> None:
        if self.attempt:
            self._call("GET", f"attempts/{self.attempt['id']}", {}, self._on_attempt)

    def tick(self) -> None:
        """Once a second while the exam screen shows: the countdown; at zero, ask the server (which closes it)."""
        if not self.attempt or self.over:
            return
        left = max(0, int(self._ends_at - time.monotonic()))
        self.time_left = _("剩余 {m:02d}:{s:02d}").format(m=left // 60, s=left % 60)
        if left == 0 and not self._expired_asked:
            self._expired_asked = True
            self.refetch()

    def _show_result(self) -> None:
        a = self.attempt
        self.over = True
        self.options = []
        self.time_left = ""
        verdict = _("测评通过！") if a.get("passed") else _("未通过")
        self.stem = _("{v}  答对 {c} / {n} 题（答对 {p} 题及格）").format(v=verdict, c=a.get("correct"), n=a.get("total"),
                                                                  p=a.get("pass_mark"))
        self.progress = _("第 {n} 次答题").format(n=a.get("number"))
        self.note = _("答题时间已到，已按已答的题目自动交卷。") if a.get("closed_by") == "timeout" else _("已交卷。")
        wrong = [q for q in a.get("questions", []) if not q.get("correct")]
        self.result = "\n".join(_("第 {p} 题：您的答案 {g}，正确答案 {r}").format(
            p=q["position"], g=q.get("given") or _("未作答"), r=q.get("answer")) for q in wrong[:6]) \
            if wrong else _("全部答对。")
