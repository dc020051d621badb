"""The WebSocket client harness: N connections in one asyncio loop, in a process of its own.

    python -m bench.ws_clients --url ws://... --clients 500 [--token T]

Each client sends a room-protocol ``hello`` and counts as ready once it has its ``snapshot`` (the bare
baseline server sends one too, so both sides are met the same way). Then, on stdin:

    WAIT r     → prints ``DONE r <latest receive, monotonic ns> <clients that received round r>``
    QUIT

A message belongs to round r when it carries ``"bench_round": r``; its receive time is taken with
``time.monotonic_ns()``, which on Linux is one clock for every process on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from collections import defaultdict

import websockets
from websockets.asyncio.client import connect

MARK = b'"bench_round"'


class Harness:
    def __init__(self, url: str, clients: int, token: str, ticket: str = "") -> None:
        self.url = url
        self.clients = clients
        auth = {"ticket": ticket} if ticket else {"device_token": token}
        self.hello = json.dumps({"type": "hello", "protocol": 1, "version": "bench", **auth})
        self.received: dict[int, list[int]] = defaultdict(list)  # round → receive times
        self.ready = 0
        self.failed: list[str] = []
        self.arrived = asyncio.Event()

    async def client(self, gate: asyncio.Semaphore, all_ready: asyncio.Event) -> None:
        try:
            async with gate:
                ws = await connect(
                    self.url, compression=None, open_timeout=60, ping_interval=None, max_size=2**22
                )
                await ws.send(self.hello)
                while True:
                    first = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    if first.get("type") == "snapshot":
                        break
                    if first.get("type") == "error":
                        raise RuntimeError(first.get("message"))
        except Exception as exc:
            self.failed.append(repr(exc))
            all_ready.set()
            return
        self.ready += 1
        if self.ready == self.clients:
            all_ready.set()
        try:
            async for raw in ws:
                now = time.monotonic_ns()
                data = raw.encode() if isinstance(raw, str) else raw
                if MARK in data:
                    self.received[int(json.loads(data)["bench_round"])].append(now)
                    self.arrived.set()
        except websockets.ConnectionClosed:
            pass

    async def wait_round(self, r: int, timeout: float) -> tuple[int, int]:
        deadline = time.monotonic() + timeout
        while len(self.received[r]) < self.ready and time.monotonic() < deadline:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        times = self.received[r]
        return (max(times) if times else 0), len(times)


def _stdin_lines(loop: asyncio.AbstractEventLoop, q: asyncio.Queue[str | None]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(q.put_nowait, line.strip())
    loop.call_soon_threadsafe(q.put_nowait, None)


async def main_async(url: str, clients: int, token: str, concurrency: int, ticket: str = "") -> int:
    harness = Harness(url, clients, token, ticket)
    gate = asyncio.Semaphore(concurrency)
    all_ready = asyncio.Event()
    tasks = [asyncio.create_task(harness.client(gate, all_ready)) for _ in range(clients)]
    await all_ready.wait()
    if harness.failed:
        print(f"FAILED {len(harness.failed)} {harness.failed[0]}", flush=True)
        return 1
    print(f"READY {harness.ready}", flush=True)
    commands: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_stdin_lines, args=(asyncio.get_running_loop(), commands), daemon=True).start()
    while (line := await commands.get()) is not None:
        words = line.split()
        if words and words[0] == "WAIT":
            r = int(words[1])
            latest, count = await harness.wait_round(r, timeout=float(words[2]) if len(words) > 2 else 15.0)
            print(f"DONE {r} {latest} {count}", flush=True)
        elif words and words[0] == "QUIT":
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ws_clients")
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--ticket", default="", help="a browser ticket instead of a device token")
    parser.add_argument("--concurrency", type=int, default=50, help="connections opened at once")
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.url, args.clients, args.token, args.concurrency, args.ticket))


if __name__ == "__main__":
    sys.exit(main())
