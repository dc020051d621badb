"""Our side of ``ws_broadcast_1000``: a real ``RoomServer`` (HTTP, push server, jobs) in this process,
with one room and one approved wall device whose token every benchmark client uses.

    python -m bench.ws_ours --data DIR

Prints ``READY <ws url> <device token>``; then, on stdin, ``FIRE r`` takes the time
(``time.monotonic_ns()``) and publishes an ``announcement.published`` event for the room on the bus, as
a service does after its commit (from a thread that is not the push loop's); it prints
``FIRED r <ns>``. ``QUIT`` stops the server.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from bench.ws_bare import payload
from screen_server import protocol
from screen_server.config import load_settings
from screen_server.devices import services as devices
from screen_server.runner import RoomServer

ROOM_SLUG = "bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ws_ours")
    parser.add_argument("--data", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings(
        args.data, env={}, host="127.0.0.1", port=0, ws_port=0, auto_approve_room=ROOM_SLUG
    )
    server = RoomServer(settings)
    with server.runtime.session_factory() as session:
        room = devices.create_room(session, actor_user_id=None, name="基准测试活动室", slug=ROOM_SLUG)
        _device, _claim, token = devices.request_pairing(session, settings, mode="wall", name="bench")
        room_id = room.id
        session.commit()
    assert token, "auto-approval gave no token"
    server.start()
    try:
        print(f"READY {server.ws_url} {token}", flush=True)
        for line in sys.stdin:
            words = line.split()
            if words and words[0] == "FIRE":
                r = int(words[1])
                started = time.monotonic_ns()
                server.runtime.bus.publish(
                    protocol.Event(protocol.ANNOUNCEMENT_PUBLISHED, payload(r), room_id=room_id)
                )
                print(f"FIRED {r} {started}", flush=True)
            elif words and words[0] == "QUIT":
                break
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
