from __future__ import annotations

from screen_server.bus import LocalBus, emit
from screen_server.protocol import Event
from screen_server.runtime import Runtime


def test_local_bus_numbers_events_in_order() -> None:
    bus = LocalBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    bus.publish(Event("a"))
    bus.publish(Event("b", {"x": 1}, room_id=3))
    assert [(e.type, e.seq) for e in seen] == [("a", 1), ("b", 2)]
    assert bus.last_seq() == 2
    assert seen[1].to_message() == {"x": 1, "type": "b", "seq": 2}


def test_a_broken_subscriber_does_not_stop_the_others() -> None:
    bus = LocalBus()
    seen: list[Event] = []

    def broken(_e: Event) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.subscribe(seen.append)
    bus.publish(Event("a"))
    assert len(seen) == 1


def test_events_go_out_only_after_commit(runtime: Runtime) -> None:
    seen: list[Event] = []
    runtime.bus.subscribe(seen.append)
    with runtime.session_factory() as s:
        emit(s, Event("kept"))
        assert seen == []
        s.commit()
    assert [e.type for e in seen] == ["kept"]
    with runtime.session_factory() as s:
        emit(s, Event("dropped"))
        s.rollback()
        s.commit()
    assert [e.type for e in seen] == ["kept"]

