"""The contests' clock: a worker that runs ``ContestEngine.tick`` in every server process.

Each running contest is held by one process at a time under a lease (``contest:<id>``); the holder
closes its questions on time and pushes its lobby, the others only look for a lease that lapsed. If the
holder dies, another process takes the contest over within ``LEASE_SECONDS`` + ``TICK_SECONDS``, and a
question whose time ran out meanwhile is closed at once. Started by the server runner only.
"""

from __future__ import annotations

import logging

from screen_server.contests.engine import TICK_SECONDS, ContestEngine
from screen_server.workers import Worker

log = logging.getLogger(__name__)


class ContestClock(Worker):
    name = "contest-clock"

    def __init__(self, engine: ContestEngine) -> None:
        super().__init__()
        self.engine = engine
        engine.on_change = self.wake  # a question opened here: look at its deadline now

    def run(self) -> None:
        while not self.stopping:
            try:
                wait = self.engine.tick()
            except Exception:  # the store is away (Redis down): try again shortly
                log.exception("contest clock: tick failed")
                wait = TICK_SECONDS
            if self.sleep(wait):
                return
