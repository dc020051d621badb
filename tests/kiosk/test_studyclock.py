"""The study clock on its own (no Kivy): what counts as active time, and how it becomes spans."""

from __future__ import annotations

from typing import Any

from kiosk.studyclock import StudyClock


def _clock() -> tuple[StudyClock, list[float], list[dict[str, Any]]]:
    now = [1000.0]
    spans: list[dict[str, Any]] = []
    return StudyClock(spans.append, monotonic=lambda: now[0]), now, spans


def test_touches_count_and_an_idle_page_stops_after_the_grace() -> None:
    clock, now, spans = _clock()
    clock.open(7, 11)
    for _ in range(6):
        now[0] += 10
        clock.touch()
    now[0] += 600
    clock.close()
    assert [s["active_seconds"] for s in spans] == [30, 30, 30]
    assert {(s["member_id"], s["item_id"]) for s in spans} == {(7, 11)}


def test_a_playing_video_counts_without_touches() -> None:
    clock, now, spans = _clock()
    clock.open(7, 12)
    clock.report(playing=True)
    now[0] += 45
    clock.report(position=45, playing=False)
    clock.close()
    assert sum(s["active_seconds"] for s in spans) == 45


def test_under_a_second_left_at_close_does_not_carry_over_to_the_next_item() -> None:
    clock, now, spans = _clock()
    clock.open(7, 11)
    now[0] += 0.8
    clock.touch()
    clock.close()  # 0.8 s: not worth a span, and dropped
    assert spans == []
    clock.open(8, 12)
    for _ in range(3):
        now[0] += 10
        clock.touch()
    clock.close()
    assert [(s["member_id"], s["item_id"], s["active_seconds"]) for s in spans] == [(8, 12, 30)]
