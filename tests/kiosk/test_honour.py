"""光荣榜 and 考核公示 under Xvfb: a terminal opens it from home (photo, title, name, citation), a wall shows
it in its loop beside the leaderboard with a running publication's results (names masked as the server
sent them), and a wall with nothing to show moves on to the loop's next page. Screenshots land in
test-artifacts/kiosk/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from kiosk import wallplan
from kiosk.screens.honour import honour_cards, result_rows
from kiosk.state import ViewState
from tests.kiosk.test_app import snapshot

pytestmark = pytest.mark.kiosk


def _photo(tmp_path: Path) -> str:
    img = Image.new("RGB", (300, 400), (200, 40, 40))
    draw = ImageDraw.Draw(img)
    draw.ellipse((90, 60, 210, 180), fill=(250, 220, 180))
    draw.rectangle((60, 200, 240, 400), fill=(30, 50, 120))
    path = tmp_path / "portrait.png"
    img.save(path)
    return str(path)


def _entries(photo: str) -> dict[str, Any]:
    return {"entries": [
        {"id": 1, "title": "优秀党员", "name": "李红", "citation": "扎根生产一线十二年，带头攻坚关键工艺，带出徒弟二十余人。",
         "photo": photo},
        {"id": 2, "title": "党员先锋岗", "name": "装配车间二班", "citation": "安全生产一千天，合理化建议四十条。", "photo": ""},
        {"id": 3, "title": "党员责任区", "name": "东区党员服务队", "citation": "包联社区困难家庭十五户，每周上门服务。", "photo": photo},
    ]}


PUBLISHED = {"published": {"year": 2026, "ends_at": "2026-12-11 12:00",
                           "members": [{"rank": 1, "name": "张*", "branch": "机关一支部", "total": 92.5},
                                       {"rank": 2, "name": "王*明", "branch": "生产支部", "total": 88}],
                           "branches": [{"rank": 1, "name": "机关一支部", "total": 80.4},
                                        {"rank": 2, "name": "生产支部", "total": 77}]}}


HONOUR_ONLY = {"schedule": {"loop": [{"show": "honour", "seconds": 20}], "slots": [], "auto_signin": True,
                             "auto_contest": True}}


def test_cards_and_rows_from_the_answers() -> None:
    cards = honour_cards({"entries": [{"title": "优秀党员", "name": "李红", "citation": "x", "photo": "/honour-photos/1/ab"}]},
                        "http://s:8000")
    assert cards == [{"title": "优秀党员", "name": "李红", "citation": "x", "photo": "http://s:8000/honour-photos/1/ab"}]
    heading, rows = result_rows(PUBLISHED["published"])
    assert heading == "2026 年度考核结果公示（至 2026-12-11 12:00）"
    assert [r["name"] for r in rows] == ["机关一支部", "生产支部", "张*", "王*明"] and rows[2]["value"] == "92.5"
    assert result_rows(None) == ("", [])


def test_wall_loop_has_the_honour_page_beside_the_leaderboard() -> None:
    state = ViewState()
    names = [wallplan.choose(state, dt.datetime.now(dt.UTC), i).screen for i in range(4)]
    assert names == ["wall", "wall_board", "honour", "wall"]  # no stats yet: stats is skipped


def test_terminal_opens_the_honour_board_from_home(kiosk: Any, tmp_path: Path) -> None:
    k = kiosk(size=(1920, 1080))
    k.receive(snapshot())
    assert k.app.sm.current == "home"
    k.tap(k.screen().ids.honour)
    k.until(lambda: k.app.sm.current == "honour")
    screen = k.screen()
    screen._base = ""
    screen._pending = 2
    screen._on_honour(_entries(_photo(tmp_path)), None)
    screen._on_published({"published": None}, None)
    k.frames(5)
    assert [c["name"] for c in screen.cards] == ["李红", "装配车间二班", "东区党员服务队"]
    assert not screen.results and not screen.empty
    k.screenshot("honour-terminal")


def test_wall_shows_honours_and_published_results(kiosk: Any, tmp_path: Path) -> None:
    k = kiosk(mode="wall", server="http://127.0.0.1:8000")
    k.receive(snapshot(device={"id": 2, "name": "大屏", "role": "wall"}, screen=HONOUR_ONLY))
    k.until(lambda: k.app.sm.current == "honour")
    screen = k.screen()
    screen._base = ""
    screen._pending = 2
    screen._on_honour(_entries(_photo(tmp_path)), None)
    screen._on_published(PUBLISHED, None)
    k.frames(5)
    assert screen.results_title.startswith("2026 年度考核结果公示") and len(screen.results) == 4
    k.screenshot("honour-wall")


def test_wall_with_nothing_to_show_moves_on(kiosk: Any) -> None:
    k = kiosk(mode="wall", server="http://127.0.0.1:8000")
    k.receive(snapshot(device={"id": 2, "name": "大屏", "role": "wall"}, screen=HONOUR_ONLY))
    k.until(lambda: k.app.sm.current == "honour")
    screen = k.screen()
    before = k.app._loop_index
    screen._pending = 2
    screen._on_honour({"entries": []}, None)
    screen._on_published({"published": None}, None)
    assert screen.empty and k.app._loop_index == before + 1
