"""Screen control: schedules checked whole and pushed to the one screen; manual switches; emergency
messages to chosen rooms until withdrawn; every change audited; the snapshot carries the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server import protocol
from screen_server.audit.models import AuditEntry
from screen_server.errors import Invalid
from screen_server.push.viewer import Viewer
from screen_server.screens import services as screens
from tests.helpers.events import EventLog
from tests.helpers.factories import make_device, make_room


def test_schedule_is_checked_whole_and_pushed_to_its_screen(runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    device, _token = make_device(session)
    poster = Item(kind=ItemKind.POSTER, title="海报", status=ReviewStatus.PUBLISHED, published_at=dt.datetime.now(dt.UTC))
    draft = Item(kind=ItemKind.VIDEO, title="草稿视频", status=ReviewStatus.DRAFT)
    session.add_all([poster, draft])
    session.commit()
    assert screens.schedule_of(session, device.id)["loop"] == screens.DEFAULT_LOOP
    log = EventLog(runtime.bus)
    with pytest.raises(Invalid, match="5 到 600"):
        screens.set_schedule(session, device.id, loop=[{"show": "stats", "seconds": 2}])
    with pytest.raises(Invalid, match="已发布的海报"):
        screens.set_schedule(session, device.id, loop=[{"show": "item", "item_id": draft.id, "seconds": 10}])
    with pytest.raises(Invalid, match="结束时间必须晚于"):
        screens.set_schedule(session, device.id, loop=[{"show": "stats", "seconds": 10}],
                             slots=[{"show": "leaderboard", "start": "10:00", "end": "09:00"}])
    session.rollback()
    plan = screens.set_schedule(session, device.id, loop=[{"show": "item", "item_id": poster.id, "seconds": "15"},
                                                          {"show": "stats", "seconds": 30}],
                                slots=[{"show": "leaderboard", "start": "08:30", "end": "09:00", "days": ["0", "4"]}],
                                auto_signin=False, actor_user_id=None)
    session.commit()
    assert plan["loop"][0] == {"show": "item", "seconds": 15, "item_id": poster.id, "title": "海报", "kind": "poster"}
    assert plan["slots"] == [{"show": "leaderboard", "start": "08:30", "end": "09:00", "days": [0, 4]}]
    event = log.wait(protocol.SCREEN_UPDATED)
    assert event.device_id == device.id and event.payload["screen"]["schedule"]["auto_signin"] is False
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.target_id == str(device.id))) == "screen.schedule_set"
    snap = runtime.snapshots.build(Viewer("device", room_id=device.room_id, device_id=device.id))
    assert snap["screen"]["schedule"]["loop"][1]["show"] == "stats" and snap["screen"]["utc_offset_minutes"] == 480


def test_manual_switch_and_back(runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    device, _token = make_device(session)
    session.commit()
    log = EventLog(runtime.bus)
    screens.set_override(session, device.id, "signin")
    session.commit()
    assert log.wait(protocol.SCREEN_UPDATED).payload["screen"]["override"]["show"] == "signin"
    with pytest.raises(Invalid):
        screens.set_override(session, device.id, "fireworks")
    screens.set_override(session, device.id, None)
    session.commit()
    assert screens.override_of(session, device.id) is None


def test_emergency_reaches_chosen_rooms_until_withdrawn(runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    here, there = make_room(session), make_room(session)
    session.commit()
    log = EventLog(runtime.bus)
    with pytest.raises(Invalid, match="标题"):
        screens.create_emergency(session, title=" ")
    message = screens.create_emergency(session, title="紧急疏散", body="请立即有序撤离", room_ids=[here.id])
    session.commit()
    shown = log.wait(protocol.EMERGENCY_CHANGED)
    assert shown.payload["emergencies"][0]["room_ids"] == [here.id]
    assert runtime.snapshots.build(Viewer("room", room_id=here.id))["emergencies"][0]["title"] == "紧急疏散"
    assert runtime.snapshots.build(Viewer("room", room_id=there.id))["emergencies"] == []
    screens.withdraw_emergency(session, message.id)
    session.commit()
    log.wait(protocol.EMERGENCY_CHANGED, where=lambda e: e.payload["emergencies"] == [])
    assert runtime.snapshots.build(Viewer("room", room_id=here.id))["emergencies"] == []
