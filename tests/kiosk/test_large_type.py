"""大字 (large type) for older members: one tap on the top bar enlarges the text of every screen for the
session, with stronger contrast, and the layout still holds. Screenshots of each screen at the standard and
the large size land in test-artifacts/kiosk/ (large-type-<screen>-normal.png / -large.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.test_app import snapshot
from tests.kiosk.test_study_screens import seed
from tests.kiosk.typecheck import drawn_labels, drawn_size, overflowing

pytestmark = pytest.mark.kiosk

QUESTIONS = [
    {"position": 1, "kind": "single", "stem": "党的最高领导机关是什么？请在下列选项中选出正确的一项。",
     "options": [{"label": "A", "text": "党的全国代表大会和它所产生的中央委员会"},
                 {"label": "B", "text": "中央纪律检查委员会"},
                 {"label": "C", "text": "中央军事委员会"}, {"label": "D", "text": "党的地方各级代表大会"}]},
    {"position": 2, "kind": "single", "stem": "预备党员的预备期为几年？",
     "options": [{"label": "A", "text": "半年"}, {"label": "B", "text": "一年"}]},
]


def open_screen(k: Any, name: str) -> None:
    app = k.app
    if name == "home":
        app.show("home")
    elif name == "library":
        app.open_tile("study")
        k.until(lambda: app.sm.current == "library")
    elif name == "reader":
        app.study.open_item(11)
        k.until(lambda: app.sm.current == "reader" and not app.study.loading and k.screen().labels)
    elif name == "announcement":
        app.open_announcement(int(app.state.announcements[0]["id"]))
    elif name in ("announcements", "search", "study_login", "contests"):
        {"announcements": lambda: app.show("announcements"), "search": app.study.open_search,
         "study_login": app.study.open_login, "contests": app.arena.open_hub}[name]()
        k.until(lambda: app.sm.current == name)
    elif name == "practice":
        app.arena._set = {"kind": "daily", "questions": QUESTIONS}
        app.arena._show_question(1)
        app.show("practice")
    elif name == "exam":  # a formal test's question, as the desk shows it (issue 17's screen)
        desk, q = app.exams, QUESTIONS[0]
        desk.title, desk.time_left = "党风廉政教育测评", "剩余 14:58"
        desk.progress = "第 1 / 4 题 · 单选题 · 已答 1 题"
        desk.stem = str(q["stem"])
        desk.options = [{"label": o["label"], "text": o["text"], "kind": "single", "mode": "exam", "picked": False}
                        for o in q["options"]]  # type: ignore[union-attr]
        app.show("exam")
    k.frames(6)


def toggle(k: Any) -> Any:
    button = k.find(k.screen(), "LargeTypeToggle")
    k.tap(button)
    k.frames(4)
    return button


@pytest.mark.parametrize("name", ["home", "library", "reader", "practice", "announcement", "announcements", "search",
                                  "study_login", "contests", "exam"])
def test_large_type_enlarges_every_label_and_nothing_overflows(kiosk: Any, tmp_path: Path, name: str) -> None:
    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    open_screen(k, name)
    screen = k.screen()
    problems = overflowing(screen)
    assert not problems, "\n".join(problems)
    before = {id(label): (label, drawn_size(label)) for label in drawn_labels(screen)}
    assert len(before) >= 5
    k.screenshot(f"large-type-{name}-normal")

    button = toggle(k)
    assert k.app.type_scale.large and button.text == "√ 大字"
    after = {id(label): drawn_size(label) for label in drawn_labels(screen)}
    grown = [key for key, (label, size) in before.items() if key in after and after[key] >= size * 1.2]
    # every label grows; most by the full factor (a keypad's keys as far as the key's height allows)
    unchanged = [label.text[:12] for key, (label, size) in before.items()
                 if key in after and after[key] < size * 1.05 and not getattr(label, "fixed_type", False)]
    assert len(grown) >= len(before) / 2 and unchanged == []
    problems = overflowing(screen)
    assert not problems, "\n".join(problems)
    k.screenshot(f"large-type-{name}-large")

    toggle(k)
    assert not k.app.type_scale.large
    assert all(abs(drawn_size(label) - size) < 0.5 for key, (label, size) in before.items() if key in after)


def test_large_type_holds_across_screens_and_ends_with_the_session(kiosk: Any, tmp_path: Path) -> None:
    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    open_screen(k, "home")
    toggle(k)
    open_screen(k, "library")  # a screen built after the tap is large too
    sizes = [drawn_size(label) for label in drawn_labels(k.screen())]
    assert max(sizes) > 0 and k.app.type_scale.factor > 1
    muted = [label for label in drawn_labels(k.screen()) if tuple(round(c, 2) for c in label.color[:3]) == (0.98, 0.87, 0.78)]
    assert muted and all(tuple(round(c, 2) for c in label._label.options["color"][:3]) == (1.0, 0.97, 0.9)
                         for label in muted)  # muted text drawn at full strength
    k.app.study.logged_in({"member": {"id": 7, "name": "张三", "branch": "机关一支部"}, "minutes": {"today": 3},
                           "points": {"today": 1, "total": 20}, "recent": [], "recent_points": []})
    k.app.study.logout()
    k.frames(3)
    assert not k.app.type_scale.large and k.app.type_scale.factor == 1.0
    toggle(k)
    k.app.last_touch -= 10_000  # nobody touched the terminal for longer than its idle limit
    k.app.check_idle()
    k.frames(3)
    assert k.app.sm.current == "attract" and not k.app.type_scale.large


def test_every_terminal_screen_with_a_top_bar_has_the_toggle(kiosk: Any, tmp_path: Path) -> None:
    """Screens share TopBar/Header (widgets.kv), so a new screen gets 大字 for free; the stats screen,
    which has its own header, carries it at a terminal and not on the wall."""
    from kivy.uix.label import Label

    seed(tmp_path / "state")
    k = kiosk(size=(1920, 1080))
    k.receive(snapshot())
    for name in ("home", "library", "reader", "practice", "announcement", "announcements", "search",
                 "study_login", "contests", "exam"):
        open_screen(k, name)
        assert k.find(k.screen(), "LargeTypeToggle").width > 0, name
    k.app.open_tile("stats")
    k.until(lambda: k.app.sm.current == "wall_stats")
    toggle(k)
    assert k.app.type_scale.large
    assert any(isinstance(w, Label) and w.text == "√ 大字" for w in k.screen().walk())
