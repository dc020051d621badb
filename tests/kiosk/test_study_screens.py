"""The study screens under Xvfb, from the terminal's local library (no server): shelves, the letter
keypad, an article with its font-size control, a PDF page, the login keypad, the member's own page,
and the study clock writing spans to the outbox. Screenshots land in test-artifacts/kiosk/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.library import Library
from kiosk.outbox import Outbox
from tests.kiosk.test_app import snapshot

pytestmark = pytest.mark.kiosk

CATEGORIES = [{"id": 1, "name": "党章党规", "count": 2}, {"id": 2, "name": "廉政教育", "count": 1}]
ITEMS = [
    {"id": 11, "kind": "article", "title": "中国共产党章程学习要点", "summary": "逐条学习党章的总纲与党员的权利义务。",
     "category_id": 1, "category": "党章党规", "tags": ["党章"], "initials": "ZGGCDZCXXYD",
     "published_at": "2026-11-20T02:00:00+00:00"},
    {"id": 12, "kind": "pdf", "title": "党章全文（PDF）", "summary": "", "category_id": 1, "category": "党章党规",
     "page_count": 3, "tags": [], "initials": "DZQW", "published_at": "2026-11-19T02:00:00+00:00"},
    {"id": 13, "kind": "video", "title": "廉政微党课：守住底线", "summary": "六分钟的廉政微课。", "category_id": 2,
     "category": "廉政教育", "duration_seconds": 372, "tags": [], "initials": "LZWDKSZDX",
     "published_at": "2026-11-18T02:00:00+00:00"},
]
ARTICLE = {**ITEMS[0], "blocks": [
    {"type": "heading", "level": 1, "text": "中国共产党章程学习要点"},
    {"type": "paragraph", "text": "中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。" * 3},
    {"type": "heading", "level": 2, "text": "党员的义务"},
    {"type": "list", "ordered": True, "items": ["认真学习马克思列宁主义", "贯彻执行党的基本路线", "坚持党和人民的利益高于一切"]},
    {"type": "quote", "text": "不忘初心，牢记使命。"},
]}


def seed(state_dir: Path) -> None:
    library = Library(state_dir)
    library.save_index(CATEGORIES, ITEMS)
    library.save_item(ARTICLE)


def open_library(kiosk: Any, tmp_path: Path) -> Any:
    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    k.app.open_tile("study")
    k.until(lambda: k.app.sm.current == "library")
    return k


def test_library_shows_shelves_and_items(kiosk: Any, tmp_path: Path) -> None:
    k = open_library(kiosk, tmp_path)
    assert [s["text"] for s in k.app.study.shelves] == ["最新", "党章党规", "廉政教育"]
    assert [r["title"] for r in k.app.study.rows][:1] == ["中国共产党章程学习要点"]
    k.screenshot("study-library")
    k.app.study.pick_shelf(2)
    k.frames()
    assert [r["title"] for r in k.app.study.rows] == ["廉政微党课：守住底线"]
    assert "6 分 12 秒" in k.app.study.rows[0]["meta"]


def test_initials_keypad_narrows_as_letters_are_tapped(kiosk: Any, tmp_path: Path) -> None:
    k = open_library(kiosk, tmp_path)
    k.app.study.open_search()
    k.until(lambda: k.app.sm.current == "search")
    keypad = k.screen().ids.keypad
    k.tap(k.find(keypad, "KeyButton", key="D"))
    k.until(lambda: len(k.app.study.search_rows) == 3)  # every title here has a D in its initials
    k.tap(k.find(keypad, "KeyButton", key="Z"))
    k.until(lambda: {r["item_id"] for r in k.app.study.search_rows} == {11, 12})
    k.tap(k.find(keypad, "KeyButton", key="Q"))
    k.until(lambda: [r["item_id"] for r in k.app.study.search_rows] == [12])
    k.screenshot("study-search")


def test_article_reads_with_a_font_control_and_counts_time(kiosk: Any, tmp_path: Path) -> None:
    k = open_library(kiosk, tmp_path)
    study = k.app.study
    study.logged_in({"member": {"id": 7, "name": "张三", "branch": "机关一支部"}, "minutes": {"today": 3},
                     "points": {"today": 1, "total": 20}, "recent": [], "recent_points": []})
    study.open_item(11)
    k.until(lambda: k.app.sm.current == "reader" and not study.loading)
    k.frames(5)
    labels = k.screen().labels
    assert labels and "先锋队" in labels[1][0].text
    before = labels[1][0].font_size
    k.until(lambda: k.screen().ids.larger.width > 0 and k.screen().ids.larger.opacity == 1)
    k.tap(k.screen().ids.larger)
    k.until(lambda: labels[1][0].font_size > before)
    # a simulated minute of reading, touching now and then
    study.clock.close()  # what the real clock counted so far stays out of the simulated minute
    simulated: list[dict[str, Any]] = []
    to_outbox = study.clock.sink
    study.clock.sink = lambda span: (simulated.append(span), to_outbox(span))
    now = [1000.0]
    study.clock.monotonic = lambda: now[0]
    study.clock.open(7, 11)
    for _ in range(6):
        now[0] += 10
        study.clock.touch()
    now[0] += 600  # then nobody touches: the clock stops after the grace period
    study.clock.tick()
    study.close_item()
    assert sum(s["active_seconds"] for s in simulated) == 90  # 60 s touched + 30 s of grace
    assert {s["member_id"] for s in simulated} == {7} and all(s["item_id"] == 11 for s in simulated)
    k.until(lambda: {s["id"] for s in simulated} <= {s["id"] for s in Outbox(tmp_path / "state").pending()})
    assert "张三" in study.study_text or k.app.sm.current == "library"


def test_reader_and_login_screens_look_right(kiosk: Any, tmp_path: Path) -> None:
    k = open_library(kiosk, tmp_path)
    study = k.app.study
    study.logged_in({"member": {"id": 7, "name": "张三", "branch": "机关一支部"}, "minutes": {"today": 3, "total": 95},
                     "points": {"today": 1, "total": 20}, "recent": [
                         {"item_id": 11, "title": "中国共产党章程学习要点", "kind": "article", "progress": 0.4,
                          "completed": False, "minutes": 2, "position": 0.4}],
                     "recent_points": [{"points": 1, "reason": "阅读《中国共产党章程学习要点》", "day": "2026-11-22"}]})
    study.open_item(11)
    k.until(lambda: k.app.sm.current == "reader" and not study.loading)
    k.frames(5)
    k.screenshot("study-article")
    study.close_item()
    study.open_mine()
    k.until(lambda: k.app.sm.current == "my_study")
    k.screenshot("study-mine")
    study.logout()
    study.open_login()
    k.until(lambda: k.app.sm.current == "study_login")
    keypad = k.screen().ids.keypad
    for key in "D0001":
        k.tap(k.find(keypad, "KeyButton", key=key))
    assert study.number == "D0001"
    k.screenshot("study-login")
    k.tap(k.screen().ids.next)
    assert study.login_step == "pin"
    k.frames()
    assert k.find(k.screen().ids.keypad, "KeyButton", key="5") and len(k.screen().ids.keypad.children) == 12


DEMO_MEDIA = Path(__file__).resolve().parents[2] / "content" / "demo_media"


def test_video_plays_seeks_and_keeps_the_clock_running(kiosk: Any, tmp_path: Path) -> None:
    import shutil

    seed(tmp_path / "state")
    library = Library(tmp_path / "state")
    url = "/media/13/party-flag-lesson.mp4"
    library.save_item({**ITEMS[2], "media_url": url, "media_mime": "video/mp4"})
    library.media_path(url).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO_MEDIA / "party-flag-lesson.mp4", library.media_path(url))
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    study = k.app.study
    study.logged_in({"member": {"id": 7, "name": "张三"}, "minutes": {}, "points": {}, "recent": []})
    study.open_item(13)
    reader = k.until(lambda: k.app.sm.current == "reader" and k.screen().video is not None and k.screen())
    video = reader.video
    k.until(lambda: video.loaded and video.duration > 0, timeout=15)
    k.until(lambda: video.position > 0.3 and study.clock.playing, timeout=15)
    k.screenshot("study-video")
    k.tap(reader.play_button)  # pause: a paused video no longer keeps the clock running
    k.until(lambda: video.state == "pause" and not study.clock.playing)
    k.tap(reader.play_button)
    k.until(lambda: video.state == "play")
    video.seek(0.7, precise=True)
    k.until(lambda: video.position >= 0.65 * video.duration, timeout=15)


def test_pdf_pages_turn(kiosk: Any, tmp_path: Path) -> None:
    from PIL import Image as PilImage

    seed(tmp_path / "state")
    library = Library(tmp_path / "state")
    library.save_item(ITEMS[1])
    for page in (1, 2, 3):
        path = library.media_path(f"/api/content/items/12/pages/{page}.png?width=1400")
        path.parent.mkdir(parents=True, exist_ok=True)
        PilImage.new("RGB", (840, 1188), (255, 255 - 40 * page, 255)).save(path)
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    study = k.app.study
    study.open_item(12)
    reader = k.until(lambda: k.app.sm.current == "reader" and k.app.study.page_source and k.screen())
    assert study.page == 1 and study.page_count == 3 and study.page_source.endswith(".png")
    first = study.page_source
    k.tap(reader.ids.next_page)
    assert study.page == 2 and study.page_source != first
    k.screenshot("study-pdf")
    k.tap(reader.ids.next_page)
    k.tap(reader.ids.next_page)
    assert study.page == 3 and reader.ids.next_page.disabled


def test_ranking_board_highlights_the_member(kiosk: Any, tmp_path: Path) -> None:
    k = open_library(kiosk, tmp_path)
    study = k.app.study
    study.logged_in({"member": {"id": 7, "name": "张三"}, "minutes": {}, "points": {}, "recent": []})
    study.open_ranking()
    k.until(lambda: k.app.sm.current == "ranking")
    board = {"period": "week", "label": "本周",
             "members": [{"rank": 1, "id": 3, "name": "李*", "points": 12, "branch": "机关二支部"},
                         {"rank": 2, "id": 7, "name": "张*", "points": 9, "branch": "机关一支部"}],
             "branches": [{"rank": 1, "id": 2, "name": "机关二支部", "points": 4.5, "members": 15}]}
    study._on_board("week", board, None)
    study._on_rank("week", {"period": "week", "points": 9, "rank": 2, "of": 60}, None)
    k.frames(3)
    assert study.rank_members[1]["mine"] and study.rank_members[1]["value"] == "9 分"
    assert study.my_rank_text == "张三 第 2 名 / 60 人 · 9 分"
    k.screenshot("study-ranking")


def test_idle_member_is_warned_then_logged_out(kiosk: Any, tmp_path: Path) -> None:
    import time

    k = open_library(kiosk, tmp_path)
    study = k.app.study
    study.logged_in({"member": {"id": 7, "name": "张三"}, "minutes": {}, "points": {}, "recent": []})
    limit = k.app.idle_seconds()

    def idle_for(seconds: float) -> None:  # as if nobody had touched the screen for that long
        k.app.last_touch = time.monotonic() - seconds
        k.app.check_idle()
        k.frames(2)

    idle_for(limit - 20)
    assert study._warning is None
    idle_for(limit - 12)  # within fifteen seconds of the limit: the member is told
    assert study._warning is not None and "秒后将自动退出登录" in study._warning.message
    idle_for(1)  # a touch: the warning goes, the member stays
    assert study._warning is None and study.member_name == "张三"
    idle_for(limit + 1)
    assert study.member_name == "" and not study.member and k.app.sm.current == "attract"
    assert "登录后" in study.member_text


PLANS = {"plans": [{"id": 1, "title": "十二月必学", "scope": "机关一支部", "starts_on": "2026-12-01",
                    "due_on": "2026-12-31", "days_left": 27, "done": 1, "total": 3, "percent": 33, "items": [
                        {"item_id": 12, "title": "党章全文（PDF）", "kind": "pdf", "done": True, "minutes": 4},
                        {"item_id": 11, "title": "中国共产党章程学习要点", "kind": "article", "done": False, "minutes": 2},
                        {"item_id": 13, "title": "廉政微党课：守住底线", "kind": "video", "done": False, "minutes": 0}]}]}


def test_plans_list_required_items_unfinished_first_and_open_them(kiosk: Any, tmp_path: Path) -> None:
    k = open_library(kiosk, tmp_path)
    study = k.app.study
    study.logged_in({"member": {"id": 7, "name": "张三"}, "minutes": {}, "points": {}, "recent": []})
    study.open_mine()
    k.until(lambda: k.app.sm.current == "my_study")
    k.tap(k.screen().ids.plans)
    k.until(lambda: k.app.sm.current == "plans")
    study._on_plans(7, PLANS, None)
    k.frames(3)
    assert study.plan_text == "十二月必学：已完成 1/3，还有 27 天截止"
    assert [(r["item_id"], r["done"]) for r in study.plan_rows] == [(11, False), (13, False), (12, True)]
    assert study.plan_rows[0]["meta"] == "文章 · 已学 2 分钟，未完成" and study.plan_rows[0]["badge"] == "必学"
    assert study.plan_rows[2]["badge"] == "已完成" and "12月31日截止" in study.plan_rows[2]["note"]
    k.screenshot("study-plans")
    study._on_plans(8, {"plans": []}, None)  # an answer for someone who has since logged out: ignored
    assert len(study.plan_rows) == 3
    k.tap(k.find(k.screen().ids.rows, "ItemRow", item_id=11))
    k.until(lambda: k.app.sm.current == "reader" and not study.loading)
    assert study.item_title == "中国共产党章程学习要点"
