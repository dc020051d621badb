"""``stats_push_ms``: the time from an event that changes the activity panels (study arriving) to a
wall's WebSocket client holding the recomputed ``stats.updated``, with 10,000 members and a year of
records (study spans, points, meetings with their expected attendees and attendances) in SQLite.

The server runs in this process (``RoomServer``: HTTP, WebSocket, jobs and the stats publisher); the
wall is a plain WebSocket client in a thread. Rounds are spaced by more than the publisher's minimum
interval, so none waits on coalescing. ``compute_ms`` in the notes is ``panels()`` alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

MEMBERS = 10_000
BRANCHES = 20
ITEMS = 40
SPANS_PER_MEMBER = 40
MEETINGS_PER_BRANCH = 36
CHUNK = 20_000


def _seed(settings: Any, members_n: int, spans_per_member: int, meetings_per_branch: int) -> tuple[str, int]:
    """Fill the database; return a wall's device token and the rows written."""
    from sqlalchemy import insert

    from content.models import Item, ItemKind, ReviewStatus
    from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
    from screen_server.meetings.models import (
        Attendance,
        Meeting,
        MeetingType,
        meeting_branches,
        meeting_expected,
    )
    from screen_server.org.models import Branch, Committee, Member
    from screen_server.points.models import PointsEntry
    from screen_server.points.services import ensure_rules, local_day
    from screen_server.runtime import build_runtime
    from screen_server.security import new_token, token_digest
    from screen_server.study.models import StudySpan

    rng = random.Random(7)
    rt = build_runtime(settings)
    rows = 0
    today = local_day(dt.datetime.now(dt.UTC))
    now = dt.datetime.now(dt.UTC)
    token = new_token()
    with rt.session_factory() as s:
        committee = Committee(name="基准测试党委")
        s.add(committee)
        s.flush()
        branches = [Branch(committee_id=committee.id, name=f"第{i}党支部", short_name=f"第{i}支部", position=i)
                    for i in range(BRANCHES)]
        s.add_all(branches)
        room = Room(name="基准活动室", slug="bench")
        s.add(room)
        s.flush()
        s.add(Device(name="大屏", role=DeviceRole.WALL, status=DeviceStatus.APPROVED, room_id=room.id,
                     token_digest=token_digest(token)))
        s.execute(insert(Member), [{"number": f"B{i:06d}", "name": f"党员{i}", "branch_id": branches[i % BRANCHES].id,
                                    "pin_hash": "-"} for i in range(members_n)])
        s.execute(insert(Item), [{"kind": ItemKind.ARTICLE, "title": f"学习材料{i}", "status": ReviewStatus.PUBLISHED,
                                  "published_at": now, "pinyin_initials": "XXCL"} for i in range(ITEMS)])
        ensure_rules(s)
        s.commit()
        member_ids = list(range(1, members_n + 1))
        item_ids = [i for (i,) in s.execute(Item.__table__.select().with_only_columns(Item.id))]
        spans: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        for member_id in member_ids:
            for _n in range(spans_per_member):
                start = now - dt.timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 600))
                seconds = rng.randint(30, 300)
                day = local_day(start)
                spans.append({"id": uuid.uuid4().hex, "member_id": member_id, "item_id": rng.choice(item_ids),
                              "source": "terminal", "started_at": start,
                              "ended_at": start + dt.timedelta(seconds=seconds), "active_seconds": seconds,
                              "position": 0.0, "progress": 0.5, "completed": False, "day": day, "received_at": start})
                if rng.random() < 0.4:
                    entries.append({"member_id": member_id, "rule_key": "article_read", "ref": uuid.uuid4().hex,
                                    "points": 1, "reason": "阅读", "day": day, "at": start})
            if len(spans) >= CHUNK:
                s.execute(insert(StudySpan), spans)
                rows += len(spans)
                spans = []
        for batch in (spans, entries):
            for i in range(0, len(batch), CHUNK):
                s.execute(insert(StudySpan if batch is spans else PointsEntry), batch[i:i + CHUNK])
            rows += len(batch)
        for branch in branches:
            members = [m for m in member_ids if (m - 1) % BRANCHES == branch.position]
            for k in range(meetings_per_branch):
                start = dt.datetime.combine(today - dt.timedelta(days=10 * k + 1), dt.time(7), dt.UTC)
                meeting = Meeting(title=f"支部党员大会{k}", type=MeetingType.BRANCH_GENERAL, room_id=room.id,
                                  starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                  signin_opens_at=start - dt.timedelta(minutes=30),
                                  signin_closes_at=start + dt.timedelta(hours=2))
                s.add(meeting)
                s.flush()
                s.execute(meeting_branches.insert().values(meeting_id=meeting.id, branch_id=branch.id))
                s.execute(meeting_expected.insert(), [{"meeting_id": meeting.id, "member_id": m} for m in members])
                present = [m for m in members if rng.random() < 0.85]
                s.execute(insert(Attendance), [{"meeting_id": meeting.id, "member_id": m, "signed_at": start,
                                                "method": "QR", "late": False, "guest": False} for m in present])
                rows += 1 + len(members) + len(present)
        s.commit()
    rt.close()
    return token, rows


def run(*, quick: bool = False, members: int = MEMBERS, spans_per_member: int = SPANS_PER_MEMBER,
        meetings_per_branch: int = MEETINGS_PER_BRANCH, rounds: int | None = None) -> dict[str, dict[str, Any]]:
    from websockets.sync.client import connect

    from screen_server import protocol
    from screen_server.config import load_settings
    from screen_server.runner import RoomServer
    from screen_server.runtime import build_runtime
    from screen_server.stats.services import panels

    with tempfile.TemporaryDirectory(prefix="bench-stats-") as tmp:
        settings = load_settings(Path(tmp), host="127.0.0.1", port=0, ws_port=0, secret_key="bench-stats")
        t0 = time.monotonic()
        token, rows = _seed(settings, members, spans_per_member, meetings_per_branch)
        seed_s = time.monotonic() - t0
        settings = dataclasses.replace(settings)
        server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
        try:
            with server.runtime.session_factory() as s:
                t1 = time.perf_counter()
                panels(s)
                compute_ms = (time.perf_counter() - t1) * 1000
            got: dict[str, float] = {}
            arrived = threading.Event()
            with connect(server.ws_url, compression=None, open_timeout=10) as ws:
                ws.send(protocol.encode(protocol.hello(device_token=token, version="bench")))

                def receive() -> None:
                    for raw in ws:
                        message = protocol.decode(raw)
                        if message["type"] == protocol.STATS_UPDATED:
                            got["at"] = time.monotonic()
                            arrived.set()

                reader = threading.Thread(target=receive, daemon=True)
                reader.start()
                times = []
                for _round in range(rounds or (3 if quick else 7)):
                    time.sleep(1.2)  # past the publisher's minimum interval: measure recompute, not coalescing
                    arrived.clear()
                    start = time.monotonic()
                    server.runtime.bus.publish(protocol.Event(protocol.STUDY_RECORDED, {"member_id": 1}))
                    if not arrived.wait(30):
                        raise TimeoutError("no stats.updated within 30 s")
                    times.append((got["at"] - start) * 1000)
        finally:
            server.stop()
    return {"stats_push_ms": {
        "value": round(statistics.median(times), 1), "unit": "ms", "compute_ms": round(compute_ms, 1),
        "rounds_ms": [round(t, 1) for t in times], "members": members, "rows": rows, "seed_s": round(seed_s, 1),
        "database": "sqlite",
        "method": "median of rounds: bus.publish(study.recorded) → the wall's WebSocket client holding "
                  "stats.updated; 10,000 members, a year of study spans, points and meetings",
    }}
