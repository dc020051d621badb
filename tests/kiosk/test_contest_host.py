"""Hosting the room's contest at a terminal, by taps, against a real RoomServer: 主持竞赛 on the hub, a
wrong and then the right host code on the big keypad, then start, a network failure that changes
nothing, close, next, 结束竞赛 with its confirm step (cancelled once), the end of host mode when the
contest finishes, and on leaving; idle never ends a contest being hosted, and once it is over the host
screen warns before going back to the attract loop. Screenshots: test-artifacts/kiosk/contest-host-1280-*.png."""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
from kiosk.httpclient import Unreachable
from screen_server.audit.models import AuditEntry
from screen_server.contests import services as contests
from screen_server.contests.models import ContestStatus
from screen_server.org.models import Member
from screen_server.runner import RoomServer
from tests.kiosk.signin_room import SignInRoom, pair, seed_room

pytestmark = pytest.mark.kiosk
SIZE = (1280, 800)
LONG_STEM = ("根据《中国共产党章程》，党的各级领导机关，除它们派出的代表机关和在非党组织中的党组外，都由选举产生；"
             "党组织讨论决定问题，必须执行少数服从多数的原则，这体现的是党的哪一项根本组织原则？")


def make_contest(server: RoomServer, seeded: SignInRoom, questions: int = 2) -> int:
    with server.runtime.session_factory() as s:
        qs = []
        for n in range(1, questions + 1):
            stem = f"第{n}题：党的根本宗旨是什么？" if n == 1 else LONG_STEM
            q = Question(kind=QuestionKind.SINGLE, stem=stem, answer="B", difficulty=1,
                         status=ReviewStatus.PUBLISHED,
                         options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "ABCD"])
            s.add(q)
            qs.append(q)
        s.flush()
        contest = contests.create_contest(s, title="党章党规知识竞赛", room_id=seeded.room_id, questions=questions,
                                          seconds=60, question_ids=[q.id for q in qs])
        s.commit()
        return contest.id


def start_terminal(kiosk: Any, server: RoomServer, seeded: SignInRoom, tmp_path: Path, contest_id: int) -> Any:
    pair(tmp_path / "state", server, seeded)
    k = kiosk(server=server.http_url, offline=False, state_dir=tmp_path / "state", size=SIZE)
    k.until(lambda: k.app.sm.current == "home" and k.app.contest.get("id") == contest_id, timeout=15)
    return k


def type_code(k: Any, code: str) -> None:
    for digit in code:
        k.tap(k.find(k.screen().ids.keypad, "HostCodeKey", key=digit))
    k.tap(k.screen().ids.confirm)


def assert_stacked(*widgets: Any) -> None:
    """Each widget wholly above the next, and the top one below the window's top: nothing overlaps."""
    from kivy.core.window import Window

    tops = [w.to_window(w.x, w.top)[1] for w in widgets]
    bottoms = [w.to_window(w.x, w.y)[1] for w in widgets]
    assert tops[0] <= Window.height and bottoms[-1] >= 0
    assert all(bottoms[i] >= tops[i + 1] for i in range(len(widgets) - 1)), (tops, bottoms)


def settled(k: Any, headline: str) -> None:
    """Wait until the host screen shows ``headline`` and the reply to the tap is in: the new state comes by
    the room's push, the reply to the host's request may come a moment later (the button says 请稍候… till then)."""
    k.until(lambda: k.screen().ids.headline.text == headline and not k.app.host.busy, timeout=10)


def status(server: RoomServer, contest_id: int) -> ContestStatus:
    return server.runtime.contests.get(contest_id).status


def test_a_secretary_hosts_the_contest_at_the_terminal(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(2,), open_meeting=False)
    contest_id = make_contest(server, seeded)
    code = server.runtime.contest_hosts.code(contest_id)
    wrong = "000000" if code != "000000" else "111111"
    k = start_terminal(kiosk, server, seeded, tmp_path, contest_id)

    k.tap(k.find(k.screen(), "Tile", key="contests"))
    k.until(lambda: k.app.sm.current == "contests")
    k.screenshot("contest-host-1280-hub")
    assert k.screen().ids.host.text == "主持竞赛" and k.screen().ids.host.opacity == 1
    k.tap(k.screen().ids.host)
    k.until(lambda: k.app.sm.current == "contest_host_code")
    assert k.screen().ids.code.text == "_ _ _ _ _ _"
    k.tap(k.screen().ids.confirm)
    assert k.app.host.code_error == "请输入 6 位终端主持码"
    type_code(k, wrong)
    k.until(lambda: k.app.host.code_error == "主持码不正确。", timeout=10)
    assert k.app.sm.current == "contest_host_code" and not k.app.host.active
    assert k.screen().ids.code.text == "_ _ _ _ _ _"  # the wrong code is cleared for the next try
    k.screenshot("contest-host-1280-wrong-code")
    for digit in code[:5]:
        k.tap(k.find(k.screen().ids.keypad, "HostCodeKey", key=digit))
    assert k.screen().ids.code.text == " ".join(code[:5]) + " _" and k.app.host.code_error == ""
    k.screenshot("contest-host-1280-code")
    type_code(k, code[5])
    k.until(lambda: k.app.sm.current == "contest_host", timeout=10)
    ids = k.screen().ids
    assert k.app.host.active and ids.top.title == "党章党规知识竞赛"
    assert (ids.headline.text, ids.detail.text) == ("等待开始", "已加入 0 人")
    with server.runtime.session_factory() as s:
        member = s.scalars(select(Member).order_by(Member.id)).first()
        server.runtime.contests.join(contest_id, member)
    k.until(lambda: ids.detail.text == "已加入 1 人", timeout=10)  # live, from the room's contest.state
    assert (ids.first.text, ids.second.text) == ("开始竞赛", "结束竞赛")
    k.screenshot("contest-host-1280-lobby")

    k.tap(ids.first)  # 开始竞赛
    settled(k, "第 1 / 2 题")
    k.until(lambda: ids.detail.text.startswith("剩余"), timeout=10)
    assert status(server, contest_id) == ContestStatus.QUESTION
    assert "党的根本宗旨" in ids.note.text and (ids.first.text, ids.second.text) == ("结束本题", "结束竞赛")
    k.screenshot("contest-host-1280-question")

    real = k.app.link.contest_host
    failed: concurrent.futures.Future[Any] = concurrent.futures.Future()
    failed.set_exception(Unreachable("connection refused"))
    k.app.link.contest_host = lambda *_a: failed
    try:
        k.tap(ids.first)  # 结束本题, with the network down
        k.until(lambda: ids.error.text == "网络连接出现问题，操作没有完成，请再点一次。")
    finally:
        k.app.link.contest_host = real
    assert status(server, contest_id) == ContestStatus.QUESTION and ids.headline.text == "第 1 / 2 题"
    assert not k.app.host.busy and ids.first.text == "结束本题"
    k.app.offline = True  # the banner too: the tightest this screen gets
    k.frames()
    assert_stacked(ids.headline, ids.detail, ids.error, ids.first)
    k.screenshot("contest-host-1280-network-error")
    k.app.offline = False

    k.tap(ids.first)  # 结束本题
    settled(k, "本题已结束")
    assert ids.error.text == "" and ids.detail.text == "第 1 / 2 题 · 已作答 0 人"
    assert ids.first.text == "下一题" and status(server, contest_id) == ContestStatus.REVEAL
    k.screenshot("contest-host-1280-reveal")
    k.tap(ids.first)  # 下一题
    settled(k, "第 2 / 2 题")
    assert_stacked(ids.headline, ids.detail, ids.note, ids.first)
    assert 0 < ids.note.texture_size[1] <= ids.note.height  # whole lines of the long stem, none cut
    k.screenshot("contest-host-1280-long-question")

    k.tap(ids.second)  # 结束竞赛: asks first
    assert ids.headline.text == "确定结束竞赛吗？" and (ids.first.text, ids.second.text) == ("确定结束", "取消")
    k.screenshot("contest-host-1280-confirm")
    k.tap(ids.second)  # 取消
    assert ids.headline.text == "第 2 / 2 题" and status(server, contest_id) == ContestStatus.QUESTION
    k.tap(ids.second)
    k.tap(ids.first)  # 确定结束
    settled(k, "已结束")
    assert status(server, contest_id) == ContestStatus.FINISHED
    assert not k.app.host.active and ids.first.text == "返回" and ids.second.opacity == 0  # host mode is over
    k.screenshot("contest-host-1280-finished")
    with server.runtime.session_factory() as s:
        audited = [(e.action, e.details["device_id"]) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("contest.host")).order_by(AuditEntry.id))]
    assert audited == [("contest.host_code_failed", seeded.device_id),  # the wrong code typed first
                       ("contest.host_start", seeded.device_id), ("contest.host_close", seeded.device_id),
                       ("contest.host_next", seeded.device_id), ("contest.host_finish", seeded.device_id)]
    k.tap(ids.first)  # 返回
    k.until(lambda: k.app.sm.current == "contests")
    assert k.screen().ids.host.opacity == 0  # no contest left to host


def idle_for(k: Any, seconds: float) -> None:
    """As if nobody had touched the screen for ``seconds``: the app's idle check, then a few frames."""
    k.app.last_touch = time.monotonic() - seconds
    k.app.check_idle()
    k.frames(2)


def notices() -> list[Any]:
    from kivy.core.window import Window

    return [w for w in Window.children if type(w).__name__ == "NoticeView"]


def test_host_mode_ends_on_leaving_and_on_the_idle_logout(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(1,), open_meeting=False)
    contest_id = make_contest(server, seeded, questions=1)
    code = server.runtime.contest_hosts.code(contest_id)
    k = start_terminal(kiosk, server, seeded, tmp_path, contest_id)

    def enter() -> None:
        k.app.arena.open_hub()
        k.tap(k.until(lambda: k.app.sm.current == "contests" and k.screen().ids.host))
        k.until(lambda: k.app.sm.current == "contest_host_code")
        type_code(k, code)
        k.until(lambda: k.app.sm.current == "contest_host", timeout=10)

    enter()
    k.tap(k.find(k.screen(), "BigButton", text="‹ 退出主持"))
    assert k.app.sm.current == "contests" and not k.app.host.active
    k.tap(k.screen().ids.host)
    k.until(lambda: k.app.sm.current == "contest_host_code")  # the code again
    k.app.back("host_exit")

    k.app.arena.open_hub()
    k.tap(k.until(lambda: k.app.sm.current == "contests" and k.screen().ids.host))
    k.until(lambda: k.app.sm.current == "contest_host_code")
    for digit in code[:3]:  # a code half typed, then nobody touches the screen for a long time
        k.tap(k.find(k.screen().ids.keypad, "HostCodeKey", key=digit))
    idle_for(k, 10_000)
    assert k.app.sm.current == "attract" and not k.app.host.active and k.app.host.code_text == "_ _ _ _ _ _"
    assert status(server, contest_id) == ContestStatus.LOBBY  # walking away changes nothing


def test_idle_never_ends_hosting_until_the_contest_is_over(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(1,), open_meeting=False)
    contest_id = make_contest(server, seeded, questions=2)
    code = server.runtime.contest_hosts.code(contest_id)
    k = start_terminal(kiosk, server, seeded, tmp_path, contest_id)
    limit = k.app.idle_seconds()
    k.app.arena.open_hub()
    k.tap(k.until(lambda: k.app.sm.current == "contests" and k.screen().ids.host))
    k.until(lambda: k.app.sm.current == "contest_host_code")
    type_code(k, code)
    k.until(lambda: k.app.sm.current == "contest_host", timeout=10)
    ids = k.screen().ids

    def still_hosting(headline: str) -> None:
        idle_for(k, limit * 50)  # far beyond the limit, the host watching the wall
        k.app._tick(1)  # the app's own every-second path too
        k.frames(2)
        assert k.app.sm.current == "contest_host" and k.app.host.active and k.app.host.hosting()
        assert ids.headline.text == headline and not notices()

    still_hosting("等待开始")  # the lobby
    k.tap(ids.first)  # 开始竞赛: the code is still known, the server takes it
    settled(k, "第 1 / 2 题")
    still_hosting("第 1 / 2 题")  # a question running
    assert ids.detail.text.startswith("剩余") and ids.first.text == "结束本题"
    shot = k.screenshot("contest-host-1280-after-long-idle")
    assert shot.stat().st_size > 10_000
    k.tap(ids.first)  # 结束本题
    settled(k, "本题已结束")
    still_hosting("本题已结束")  # the answer shown, between questions
    k.tap(ids.first)  # 下一题
    settled(k, "第 2 / 2 题")
    still_hosting("第 2 / 2 题")
    assert status(server, contest_id) == ContestStatus.QUESTION

    server.runtime.contests.finish(contest_id)  # ended from the admin's page, nobody at the terminal
    settled(k, "已结束")
    assert not k.app.host.active and not k.app.host.hosting()
    k.app.check_idle()  # idle counts from the end of the contest: no timeout at once for the long wait
    k.frames(2)
    assert k.app.sm.current == "contest_host" and not notices()
    idle_for(k, limit - 20)
    assert k.app.sm.current == "contest_host" and not notices()
    idle_for(k, limit - 12)  # within fifteen seconds of the limit: the room is told
    assert k.app.sm.current == "contest_host" and len(notices()) == 1
    assert notices()[0].title == "即将返回待机画面" and "12 秒后将返回待机画面" in notices()[0].message
    idle_for(k, limit - 5)
    assert len(notices()) == 1 and "5 秒后将返回待机画面" in notices()[0].message  # the same notice, counting
    k.screenshot("contest-host-1280-idle-warning")
    idle_for(k, 1)  # a touch: the warning goes, the finished host screen stays
    assert k.app.sm.current == "contest_host" and not notices()
    idle_for(k, limit - 3)
    assert len(notices()) == 1
    idle_for(k, limit + 1)  # as for any idle terminal
    assert k.app.sm.current == "attract" and not notices() and k.app.host.contest_id == 0
