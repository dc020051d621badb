"""Masking on public screens: 1,000 generated members with names and phone numbers, signed in, studied,
ranked and posting on the message wall, pushed through every public screen's payloads (the wall's
snapshot and events, the stats panels, the boards, the sign-in wall, the message wall, the phone
leaderboard): 0 phone numbers, 0 unmasked names."""

from __future__ import annotations

import datetime as dt
import json
import random

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.devices.models import DeviceRole
from screen_server.meetings import services as meetings
from screen_server.meetings import signins
from screen_server.meetings.models import SignInMethod
from screen_server.messages import services as messages
from screen_server.org.models import Role
from screen_server.org.services import mask_name
from screen_server.points import services as points
from screen_server.push.viewer import Viewer
from screen_server.runtime import Runtime
from tests.helpers.events import EventLog
from tests.helpers.factories import make_branch, make_device, make_member, make_room, make_user

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国华明红军平伟芳娜敏静丽强磊洋艳勇杰娟涛超霞秀英桂兰玉珍凤志刚春梅海燕波辉鹏飞宇浩然子轩欣怡雨萱博文思远"
COUNT = 1000


def _people(seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < COUNT:
        names.add(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN))
    return [(name, "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)))
            for name in sorted(names)]


def test_public_screens_show_no_phone_and_no_unmasked_name(client: FlaskClient, session: Session,
                                                         runtime: Runtime) -> None:
    settings = runtime.settings
    assert settings.mask_names
    people = _people()
    branches = [make_branch(session) for _ in range(5)]
    members = [make_member(session, name=name, phone=phone, branch_id=branches[i % 5].id)
               for i, (name, phone) in enumerate(people)]
    admin = make_user(session, Role.ADMIN)
    room = make_room(session)
    _wall, wall_token = make_device(session, DeviceRole.WALL, room_id=room.id)
    now = dt.datetime.now(dt.UTC)
    meeting = meetings.create_meeting(
        session, settings, admin, title="全体党员大会", type="branch_general", branch_ids=[b.id for b in branches],
        room_id=room.id, starts_at=now + dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=2),
        signin_opens_at=now - dt.timedelta(minutes=5))
    topic = messages.open_topic(session, settings, admin, room_id=room.id, title="心声")
    session.commit()
    log = EventLog(runtime.bus)
    signins.record_sign_ins(session, settings, [
        {"meeting_id": meeting.id, "member_id": m.id, "method": SignInMethod.TERMINAL} for m in members])
    today = points.local_day(now)
    for n, m in enumerate(members):
        points.award(session, m.id, points.ARTICLE_READ, ref=f"mask:{m.id}", day=today, reason="阅读", points=1 + n % 50)
    for m in members[:60]:
        message = messages.post_message(session, topic.id, m, f"学习心得 {m.id}")
        messages.approve(session, settings, admin, message.id)
    session.commit()

    payloads: dict[str, object] = {
        "room snapshot": runtime.snapshots.build(Viewer("room", room_id=room.id)),
        "wall snapshot": runtime.snapshots.build(Viewer("device", room_id=room.id, role="wall")),
        "wall over http": client.get("/api/device/snapshot", headers={"Authorization": f"Bearer {wall_token}"})
        .get_json(),
        "sign-in wall": meetings.signin_state(session, settings, meeting),
        "message wall": messages.topic_data(session, settings, topic),
    }
    for period in ("week", "month", "year", "all"):
        payloads[f"board {period}"] = client.get(f"/api/leaderboard?period={period}&limit=1000").get_json()
        payloads[f"phone board {period}"] = client.get(f"/m/leaderboard?period={period}").get_data(as_text=True)
    payloads["events"] = [e.to_message() for e in log.events]
    text = json.dumps(payloads, ensure_ascii=False)
    assert "signin" in text and "message_wall" in text and len(log.events) >= COUNT  # every screen had its data

    phones = [phone for _name, phone in people if phone in text]
    unmasked = [name for name, _phone in people if name in text]
    shown_masked = sum(1 for name, _phone in people if mask_name(name) in text)
    assert phones == [], f"{len(phones)} phone numbers on public screens, e.g. {phones[:3]}"
    assert unmasked == [], f"{len(unmasked)} unmasked names on public screens, e.g. {unmasked[:3]}"
    assert shown_masked >= 40  # the screens did show people (masked): the check is not vacuous
