"""A terminal while the server is down: a member signs in with their PIN, checked against the terminal's
encrypted PIN cache; the sign-in waits in the outbox with the terminal's clock and offset, and arrives
exactly once when the server is back — or, when the meeting closed meanwhile, becomes one offline
conflict the admin sees. The PIN cache is useless without the device token and gone on unpairing.
A writer killed with SIGKILL in the middle of adding loses nothing it had confirmed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from kiosk.net import HttpError, ServerLink
from kiosk.outbox import Outbox
from kiosk.pincache import PIN_FILE, PinCache
from kiosk.store import DeviceStore
from kiosk.studying import member_line
from screen_server.meetings.models import Attendance, Meeting
from screen_server.offline.models import OfflineConflict
from screen_server.org.models import Member
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from screen_server.security import hash_secret
from tests.helpers.factories import PIN
from tests.helpers.fake_room import wait_until
from tests.kiosk.signin_room import pair, seed_room


def test_pin_cache_is_encrypted_with_the_device_token_and_expires(tmp_path: Path) -> None:
    token = "device-token-abc"
    cache = PinCache(tmp_path, lambda: token)
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=72)).isoformat()
    cache.save({"expires_at": expires, "members": [{"id": 7, "number": "D0007", "name": "李红",
                                                    "pin_hash": hash_secret("246810")}]})
    raw = (tmp_path / PIN_FILE).read_bytes()
    assert b"argon2" not in raw and "李红".encode() not in raw and b"D0007" not in raw
    assert (tmp_path / PIN_FILE).stat().st_mode & 0o777 == 0o600
    assert cache.check("246810", member_id=7) == {"id": 7, "number": "D0007", "name": "李红"}
    assert cache.check("246810", number="d0007") is not None
    assert cache.check("000000", member_id=7) is None
    assert PinCache(tmp_path, lambda: "another-token").check("246810", member_id=7) is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=73)
    assert cache.check("246810", member_id=7, now=later) is None
    assert not (tmp_path / PIN_FILE).exists()  # expired: wiped


def test_unpairing_wipes_the_pin_cache(tmp_path: Path) -> None:
    store = DeviceStore(tmp_path)
    store.save_token("tok", {"id": 1}, "http://x")
    PinCache(tmp_path, lambda: store.token).save({"expires_at": "2999-01-01T00:00:00+00:00", "members": []})
    assert (tmp_path / PIN_FILE).exists()
    store.forget()
    assert not (tmp_path / PIN_FILE).exists()


def test_signing_in_while_the_server_is_down_arrives_once_or_as_a_conflict(server: RoomServer,
                                                                            tmp_path: Path) -> None:
    seeded = seed_room(server, branch_sizes=(3,))
    (first, _n1), (second, _n2), (third, _n3) = seeded.branches["第1支部"][:3]
    state = tmp_path / "t"
    pair(state, server, seeded)
    outbox = Outbox(state)
    link = ServerLink(server.http_url, DeviceStore(state), lambda _m: None, http_timeout=3, outbox=outbox,
                      drain_seconds=0.2).start()
    again: RoomServer | None = None
    try:
        assert link.roster().result(10)["meeting"]["id"] == seeded.meeting_id  # kept on disk too
        wait_until(lambda: link.pins is not None and link.pins.has_cache(), 10)

        server.stop()  # the server is down from here
        assert link.roster().result(10)["meeting"]["id"] == seeded.meeting_id  # from disk
        # A member logs in to study with number and PIN, checked against the terminal's cache.
        with server.runtime.session_factory() as s:
            number = s.scalar(select(Member.number).where(Member.id == first))
        login = link.member_login(str(number), PIN).result(10)
        assert login["offline"] and login["member"]["id"] == first
        assert "离线登录" in member_line(login)
        try:
            link.member_login(str(number), "999999").result(10)
            raise AssertionError("a wrong PIN logged in offline")
        except HttpError as exc:
            assert exc.status == 401
        body = {"meeting_id": seeded.meeting_id, "member_id": first, "pin": PIN, "client_id": "off-1"}
        answer = link.sign_in(body).result(10)
        assert answer["queued"] and answer["created"] and "恢复连接后自动提交" in answer["message"]
        wrong = link.sign_in({**body, "member_id": second, "pin": "999999", "client_id": "off-2"})
        try:
            wrong.result(10)
            raise AssertionError("a wrong PIN was accepted offline")
        except HttpError as exc:
            assert exc.status == 401
        link.sign_in({**body, "member_id": second, "client_id": "off-3"}).result(10)
        queued = outbox.pending_records("signin")
        assert [r["client_id"] for r in queued] == ["off-1", "off-3"]
        assert all(r["device_clock"] and "clock_offset_s" in r and "pin" not in r for r in queued)
        outbox.add_record("signin", queued[0])  # the same record twice keeps one
        assert len(outbox.pending_records("signin")) == 2

        settings = dataclasses.replace(server.settings, port=server.http_port, ws_port=server.runtime.ws_port)
        again = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
        wait_until(lambda: not outbox.pending_records("signin"), 20)  # the server is back: delivered
        again.stop()

        # Down again; meanwhile the meeting's sign-in closes. A third member signs in at the terminal.
        rt = build_runtime(settings, apply_migrations=False)
        with rt.session_factory() as s:
            meeting = s.get(Meeting, seeded.meeting_id)
            assert meeting is not None
            meeting.signin_closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
            s.commit()
        link.sign_in({**body, "member_id": third, "client_id": "off-4"}).result(10)
        outbox.add_record("signin", queued[0])  # and a resend of one already delivered (a lost answer)
        time.sleep(2.5)  # the sign-in window closes before the server is back
        again = RoomServer(settings, runtime=rt).start()
        wait_until(lambda: not outbox.pending_records("signin"), 20)
        with rt.session_factory() as s:
            signed = set(s.scalars(select(Attendance.member_id).where(Attendance.meeting_id == seeded.meeting_id)))
            assert signed == {first, second}
            assert s.scalar(select(func.count(Attendance.id))) == 2  # off-1 resent: still once
            conflicts = s.scalars(select(OfflineConflict)).all()
            assert [(c.member_id, c.client_id, c.kind) for c in conflicts] == [(third, "off-4", "signin")]
            made = conflicts[0].made_at
            assert made is not None and conflicts[0].device_clock is not None
            assert made < meeting.signin_closes_at  # made while it was open, by the server's clock
    finally:
        link.stop()
        outbox.close()
        if again is not None:
            again.stop()


WRITER = """
import sys, uuid
from pathlib import Path
from kiosk.outbox import Outbox
box = Outbox(Path(sys.argv[1]))
n = 0
while True:
    rid = f"k-{n}"
    box.add_record("signin", {"client_id": rid, "meeting_id": 1, "member_id": n, "pad": "x" * 500})
    print(rid, flush=True)  # shown as accepted only after add_record returned
    n += 1
"""


def test_an_outbox_writer_killed_mid_write_loses_nothing_it_confirmed(tmp_path: Path) -> None:
    rng = random.Random(5)
    for trial in range(3):
        state = tmp_path / f"s{trial}"
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(state)], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert proc.stdout is not None
        confirmed = [proc.stdout.readline().strip()]  # wait until it writes
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        confirmed += [line.strip() for line in proc.stdout if line.strip()]
        proc.wait(10)
        box = Outbox(state)
        kept = {r["client_id"] for r in box.pending_records("signin", limit=1_000_000)}
        box.close()
        assert len(confirmed) > 1 and set(confirmed) <= kept


def test_a_batch_refused_whole_is_sent_again_span_by_span(tmp_path: Path) -> None:
    """The server judges each span (refusals become offline conflicts there); the terminal drops only a
    single span the server refuses whole, which can never be accepted."""
    import asyncio
    from typing import Any

    store = DeviceStore(tmp_path)
    store.save_token("tok", {"id": 1}, "http://127.0.0.1:9")
    outbox = Outbox(tmp_path)
    for n in range(3):
        outbox.add({"id": f"s{n}", "item_id": 1, "member_id": 1})
    link = ServerLink("http://127.0.0.1:9", store, lambda _m: None, outbox=outbox)
    calls: list[list[str]] = []

    async def server(_method: str, _path: str, body: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        ids = [s["id"] for s in body["spans"]]
        calls.append(ids)
        if len(ids) > 1 or ids == ["s1"]:
            raise HttpError(400, "invalid", "请求格式不正确。")
        return {"accepted": ids, "duplicates": [], "rejected": []}

    link._device_call = server  # type: ignore[method-assign]
    assert asyncio.run(link.drain()) == 2
    assert calls == [["s0", "s1", "s2"], ["s0"], ["s1"], ["s2"]]
    assert outbox.count() == 0
    outbox.close()
