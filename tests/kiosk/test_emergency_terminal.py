"""An emergency message sent to one terminal: that terminal lays it over everything as the push arrives
(how fast is a figure for ``make bench``, not a test), with the member's session kept beneath; the
room's other terminal shows nothing; withdrawing it removes it. Against a real RoomServer. Screenshot: test-artifacts/kiosk/emergency-terminal.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk import wallplan
from kiosk.state import ViewState, apply
from screen_server import protocol
from screen_server.devices.models import DeviceRole
from screen_server.runner import RoomServer
from screen_server.screens import services as screens
from tests.helpers.factories import make_device
from tests.kiosk.signin_room import pair, seed_room

SIZE = (1280, 800)


def test_targeting_by_device_and_room() -> None:
    snap = {"type": protocol.SNAPSHOT, "seq": 1, "state": {"device": {"id": 7, "room": {"id": 2}}, "room": {"id": 2}}}
    s = apply(ViewState(), snap)
    for targets, shown in (({}, True), ({"device_ids": [7]}, True), ({"device_ids": [8]}, False),
                           ({"room_ids": [2]}, True), ({"room_ids": [3], "device_ids": [8]}, False)):
        msg = {"type": protocol.EMERGENCY_CHANGED, "seq": 2, "emergencies": [{"id": 1, "title": "停电"} | targets]}
        assert bool(wallplan.emergencies_for(apply(s, msg))) is shown, targets


@pytest.mark.kiosk
def test_one_terminal_gets_it_over_everything(kiosk: Any, server: RoomServer, tmp_path: Path) -> None:
    seeded = seed_room(server, open_meeting=False)
    with server.runtime.session_factory() as s:
        other, _token = make_device(s, role=DeviceRole.TERMINAL, room_id=seeded.room_id, name="二楼终端")
        s.commit()
        other_id = other.id
    pair(tmp_path / "state", server, seeded)
    k = kiosk(server=server.http_url, offline=False, state_dir=tmp_path / "state", size=SIZE)
    k.until(lambda: k.app.sm.current == "home" and k.app.state.connection == "up", timeout=15)
    k.app.show("announcements")  # a member reading: what the overlay must leave in place
    before = k.app.sm.current
    with server.runtime.session_factory() as s:  # to the other terminal of the room: not this one
        screens.create_emergency(s, title="消防演练", body="请到一楼大厅集合", device_ids=[other_id])
        s.commit()
    k.frames(30)
    assert k.app.emergency.view is None
    with server.runtime.session_factory() as s:
        screens.create_emergency(s, title="临时停电通知", body="15:00 起停电检修，请保存好学习进度。",
                                 device_ids=[seeded.device_id])
        s.commit()
    k.until(lambda: k.app.emergency.view is not None, timeout=5)
    assert k.app.emergency.view.title == "临时停电通知" and k.app.sm.current == before  # the session stays beneath
    k.frames(5)
    k.screenshot("emergency-terminal")
    with server.runtime.session_factory() as s:
        for m in screens.active_emergencies(s):
            screens.withdraw_emergency(s, m.id)
        s.commit()
    k.until(lambda: k.app.emergency.view is None, timeout=5)
    assert k.app.sm.current == before
