"""The terminal's contest desk: the 知识竞赛 hub (the room's live contest, the leaderboard) and playing
the live contest at the terminal for a member who has logged in (for those without a phone).

The contest itself arrives as ``app.contest`` (the room's ``contest.state`` messages, the same the
wall gets). Answers go to the server with the player's secret, which this desk keeps in memory only.
Runs on the UI thread only.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.answers import when_done
from kiosk.i18n import _
from kiosk.net import HttpError


class ArenaDesk(EventDispatcher):
    live_title = StringProperty("")
    live_note = StringProperty("")
    has_live = BooleanProperty(False)
    stem = StringProperty("")
    options = ListProperty([])  # [{"label", "text", "picked"}]
    progress = StringProperty("")
    countdown = StringProperty("")
    verdict = StringProperty("")
    mine = StringProperty("")
    phase = StringProperty("")
    sent = BooleanProperty(False)
    error = StringProperty("")
    # practice on one's own (每日答题, 答题闯关, 挑战连对)
    p_title = StringProperty("")
    p_stem = StringProperty("")
    p_options = ListProperty([])
    p_progress = StringProperty("")
    p_verdict = StringProperty("")
    p_explain = StringProperty("")
    p_done = BooleanProperty(False)  # the current question is answered
    p_over = BooleanProperty(False)  # the set is finished
    level_note = StringProperty("")

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.player: dict[str, Any] = {}  # {"contest_id", "player_id", "secret", "member_id"}
        self._sent_for = 0
        self._picked: list[str] = []

    # --- following the room's contest -------------------------------------------------------------------

    def update(self, contest: dict[str, Any]) -> None:
        status = str(contest.get("status") or "")
        self.has_live = bool(contest) and status != "finished"
        self.live_title = str(contest.get("title") or "")
        labels = {"lobby": _("等待开始，可以加入"), "question": _("答题进行中"), "reveal": _("公布答案中"),
                  "finished": _("已结束")}
        self.live_note = _("{s} · 已加入 {n} 人").format(s=labels.get(status, ""), n=contest.get("players", 0)) \
            if contest else _("当前没有进行中的现场竞赛")
        if not self.player or self.player.get("contest_id") != contest.get("id"):
            return
        phase = f"{status}:{contest.get('index')}"
        if phase != self.phase:
            self.phase = phase
            self._show(contest)
        self.tick()

    def _show(self, contest: dict[str, Any]) -> None:
        status = contest.get("status")
        self.progress = _("第 {i} / {n} 题").format(i=contest.get("index"), n=contest.get("total")) \
            if contest.get("index") else _("共 {n} 题").format(n=contest.get("total"))
        self.error = ""
        if status == "lobby":
            self.stem, self.options, self.verdict = _("已加入，请等待主持人开始"), [], ""
        elif status == "question":
            q = contest.get("question") or {}
            self.stem = str(q.get("stem") or "")
            self.sent = self._sent_for == contest.get("index")
            self._picked = []
            self.options = [{"label": o["label"], "text": o["text"], "picked": False, "kind": q.get("kind")}
                            for o in q.get("options") or []]
            self.verdict = _("已提交，等待公布答案") if self.sent else ""
        elif status in ("reveal", "finished"):
            self.options = []
            self.stem = _("正确答案：{a}").format(a=contest.get("answer", "")) if status == "reveal" else _("竞赛结束")
            self._refresh_me()

    def tick(self) -> None:
        contest = self.app.contest or {}
        if contest.get("status") != "question":
            self.countdown = ""
            return
        try:
            closes = dt.datetime.fromisoformat(str((contest.get("question") or {}).get("closes_at")))
        except ValueError:
            return
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.app.server_offset)
        left = min(int(contest.get("seconds") or 60), int((closes - now).total_seconds() + 0.999))
        self.countdown = _("{n} 秒").format(n=max(0, left))

    # --- actions (one call from KV each) ------------------------------------------------------------------

    def open_hub(self) -> None:
        self.update(self.app.contest or {})
        self.refresh_levels()
        self.app.show("contests")

    def join(self) -> None:
        contest = self.app.contest or {}
        member_id = (self.app.study.member.get("member") or {}).get("id")
        if not contest or contest.get("status") == "finished":
            self.app.notice(_("知识竞赛"), _("当前没有进行中的现场竞赛"))
            return
        if not member_id:
            self.app.study.open_login()
            return
        if self.player.get("contest_id") == contest.get("id") and self.player.get("member_id") == member_id:
            self.app.show("contest_play")
            return
        when_done(self.app.link and self.app.link.contest_join(contest["id"], member_id),
                   partial(self._on_joined, int(contest["id"]), int(member_id)))

    def _on_joined(self, contest_id: int, member_id: int, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            self.app.notice(_("知识竞赛"), error.message if error and error.message else _("暂时无法连接服务器"))
            return
        self.player = {"contest_id": contest_id, "player_id": answer["player_id"], "secret": answer["secret"],
                       "member_id": member_id}
        self._sent_for, self.phase = 0, ""
        self._mine(answer.get("me") or {})
        self.update(self.app.contest or {})
        self.app.show("contest_play")

    def pick(self, label: str) -> None:
        contest = self.app.contest or {}
        if self.sent or contest.get("status") != "question":
            return
        kind = (contest.get("question") or {}).get("kind")
        if kind == "multiple":
            self._picked = [p for p in self._picked if p != label] if label in self._picked else [*self._picked, label]
            self.options = [{**o, "picked": o["label"] in self._picked} for o in self.options]
            return
        self._send(label)

    def submit_multiple(self) -> None:
        if self._picked:
            self._send("".join(sorted(self._picked)))

    def _send(self, value: str) -> None:
        contest = self.app.contest or {}
        index = int(contest.get("index") or 0)
        self._sent_for, self.sent = index, True
        self.verdict = _("已提交，等待公布答案")
        body = {"player_id": self.player.get("player_id"), "secret": self.player.get("secret"), "index": index,
                "answer": value}
        when_done(self.app.link and self.app.link.contest_answer(int(contest["id"]), body), self._on_sent)

    def _on_sent(self, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            self.error = error.message if error and error.message else _("提交失败，请再点一次")
            if error is None:
                self._sent_for, self.sent, self.verdict = 0, False, ""

    def _refresh_me(self) -> None:
        if self.player:
            when_done(self.app.link and self.app.link.contest_player(
                self.player["contest_id"], self.player["player_id"], self.player["secret"]), self._on_me)

    def _on_me(self, answer: Any, _error: HttpError | None) -> None:
        if answer:
            self._mine(answer)

    def _mine(self, me: dict[str, Any]) -> None:
        last = me.get("last") or {}
        contest = self.app.contest or {}
        if last and last.get("index") == contest.get("index"):
            self.verdict = _("回答正确 +{p} 分").format(p=last.get("points")) if last.get("correct") else _("回答错误")
        elif contest.get("status") == "reveal":
            self.verdict = _("本题未作答") if self._sent_for != contest.get("index") else self.verdict
        rank = _("，第 {r} 名").format(r=me["rank"]) if me.get("rank") else ""
        self.mine = _("{name}：{s} 分{rank}").format(name=me.get("name", ""), s=me.get("score", 0), rank=rank)

    def leave(self) -> None:
        self.app.show("contests")

    # --- practice --------------------------------------------------------------------------------------

    def _member_id(self) -> int | None:
        member_id = (self.app.study.member.get("member") or {}).get("id")
        return int(member_id) if member_id else None

    def refresh_levels(self) -> None:
        member_id = self._member_id()
        if member_id:
            when_done(self.app.link and self.app.link.practice("GET", "levels", {"member_id": member_id}),
                      self._on_levels)
        else:
            self.level_note = _("登录后可闯关")

    def _on_levels(self, answer: Any, _error: HttpError | None) -> None:
        if not answer:
            return
        open_levels = [lv for lv in answer.get("levels", []) if lv["unlocked"] and not lv["passed"]]
        level = open_levels[0]["level"] if open_levels else len(answer.get("levels", []))
        self._level = level
        self.level_note = _("第 {n} 关 · 最佳连对 {s} 题").format(n=level, s=answer.get("best_streak", 0))

    def start_practice(self, kind: str) -> None:
        member_id = self._member_id()
        if not member_id:
            self.app.study.open_login()
            return
        path = {"daily": "daily", "streak": "streak"}.get(kind, f"levels/{getattr(self, '_level', 1)}")
        self.p_title = {"daily": _("每日答题"), "streak": _("挑战连对")}.get(
            kind, _("答题闯关 · 第 {n} 关").format(n=getattr(self, "_level", 1)))
        when_done(self.app.link and self.app.link.practice("POST", path, {"member_id": member_id}), self._on_set)

    def _on_set(self, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            self.app.notice(_("答题"), error.message if error and error.message else _("暂时无法连接服务器"))
            return
        self._set = answer
        self._total_points = 0
        if answer.get("finished") or answer.get("next") is None:
            self._show_summary(_("今天的每日答题已经完成，明天再来吧。"))
        else:
            self._show_question(int(answer["next"]))
        self.app.show("practice")

    def _show_question(self, position: int) -> None:
        questions = self._set.get("questions") or []
        q = next((q for q in questions if q["position"] == position), None)
        if q is None:
            return
        self._position, self._picked = position, []
        self.p_stem = q["stem"]
        self.p_options = [{"label": o["label"], "text": o["text"], "picked": False, "kind": q["kind"], "mode": "practice"}
                          for o in q["options"]]
        total = len(questions) if self._set.get("kind") != "streak" else 0
        self.p_progress = _("第 {i} / {n} 题").format(i=position, n=total) if total else _("第 {i} 题").format(i=position)
        self.p_verdict = self.p_explain = ""
        self.p_done = self.p_over = False

    def choose(self, label: str) -> None:
        """An answer key of the practice screen."""
        if self.p_done or self.p_over:
            return
        kind = self.p_options[0].get("kind") if self.p_options else ""
        if kind == "multiple":
            self._picked = [p for p in self._picked if p != label] if label in self._picked else [*self._picked, label]
            self.p_options = [{**o, "picked": o["label"] in self._picked} for o in self.p_options]
            return
        self._answer_practice(label)

    def submit_practice(self) -> None:
        if self._picked:
            self._answer_practice("".join(sorted(self._picked)))

    def _answer_practice(self, value: str) -> None:
        self.p_done = True
        body = {"member_id": self._member_id(), "position": self._position, "answer": value}
        when_done(self.app.link and self.app.link.practice("POST", f"{self._set['id']}/answers", body),
                  self._on_practice_answer)

    def _on_practice_answer(self, answer: Any, error: HttpError | None) -> None:
        if answer is None:
            self.p_done = False
            self.p_verdict = error.message if error and error.message else _("暂时无法连接服务器，请再点一次")
            return
        self.p_verdict = _("回答正确") if answer["correct"] else _("回答错误，正确答案：{a}").format(a=answer["answer"])
        right = str(answer["answer"])
        self.p_options = [{**o, "picked": o["label"] == right or (len(o["label"]) == 1 and o["label"] in right)}
                          for o in self.p_options]  # the right answer lights up
        self.p_explain = str(answer.get("explanation") or "")
        self._total_points += int(answer.get("points") or 0)
        if answer.get("finished"):
            kind = self._set.get("kind")
            if kind == "daily":
                summary = _("答对 {s} / {n} 题，获得积分 {p}").format(s=answer["score"], n=answer["total"],
                                                                    p=self._total_points)
            elif kind == "streak":
                summary = _("连对 {s} 题，最佳纪录 {b} 题").format(s=answer["score"], b=answer.get("best_streak") or 0)
            else:
                summary = (_("答对 {s} / {n} 题，闯关成功！下一关已解锁").format(s=answer["score"], n=answer["total"])
                           if answer.get("passed") else
                           _("答对 {s} / {n} 题，未达到过关分数，再试一次").format(s=answer["score"], n=answer["total"]))
            self._summary = summary
            self.p_over = True

    def next_question(self) -> None:
        if self.p_over:
            self._show_summary(self._summary)
            return
        answered = {int(p) for p in (self._set.get("answered") or {})} | {self._position}
        self._set["answered"] = {str(p): True for p in answered}
        remaining = [q["position"] for q in self._set.get("questions") or [] if q["position"] not in answered]
        if remaining:
            self._show_question(remaining[0])

    def _show_summary(self, text: str) -> None:
        self.p_stem, self.p_options, self.p_verdict, self.p_explain = text, [], "", ""
        self.p_done, self.p_over = True, True
        self.refresh_levels()

