"""Test data for the kiosk's sign-in against a real RoomServer: a room with a paired device, branches
of members (PIN ``factories.PIN``) and a meeting whose sign-in is open now. Not a test module."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.store import DeviceStore
from screen_server.devices.models import DeviceRole
from screen_server.meetings.models import MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Role
from screen_server.runner import RoomServer
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user


@dataclass
class SignInRoom:
    token: str
    device_id: int
    room_id: int
    meeting_id: int = 0
    meeting_title: str = ""
    branches: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # short name → (id, name)


def seed_room(
    server: RoomServer,
    *,
    branch_sizes: tuple[int, ...] = (3, 2),
    role: DeviceRole = DeviceRole.TERMINAL,
    open_meeting: bool = True,
) -> SignInRoom:
    """Make the room, the device and (unless ``open_meeting`` is False) a meeting open for sign-in."""
    with server.runtime.session_factory() as s:
        room = make_room(s, name="党员活动室（测试）")
        device, token = make_device(s, role=role, room_id=room.id, name="一楼终端")
        seeded = SignInRoom(token, device.id, room.id)
        branch_ids = []
        for i, size in enumerate(branch_sizes, start=1):
            branch = make_branch(s, name=f"测试第{i}党支部", short_name=f"第{i}支部")
            branch_ids.append(branch.id)
            members = [
                make_member(s, branch_id=branch.id, name=f"党员{i}{n:02d}") for n in range(1, size + 1)
            ]
            seeded.branches[branch.short_name] = [(m.id, m.name) for m in members]
        if open_meeting:
            now = dt.datetime.now(dt.UTC)
            meeting = create_meeting(
                s,
                server.settings,
                make_user(s, Role.ADMIN),
                title="十一月主题党日活动",
                type=MeetingType.THEME_DAY,
                branch_ids=branch_ids,
                room_id=room.id,
                starts_at=now + dt.timedelta(minutes=30),
                ends_at=now + dt.timedelta(hours=2),
                signin_opens_at=now - dt.timedelta(minutes=1),
            )
            seeded.meeting_id, seeded.meeting_title = meeting.id, meeting.title
        s.commit()
    return seeded


def pair(state_dir: Path, server: RoomServer, seeded: SignInRoom, role: str = "terminal") -> None:
    """Put the device's token where a kiosk started with ``state_dir`` finds it (as if it had paired)."""
    room = {"id": seeded.room_id, "name": "党员活动室（测试）", "slug": ""}
    device = {"id": seeded.device_id, "name": "一楼终端", "role": role, "room": room}
    DeviceStore(state_dir).save_token(seeded.token, device, server.http_url)
